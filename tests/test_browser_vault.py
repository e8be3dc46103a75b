"""An encrypted laptop as `make run` serves it (gunicorn, one worker), in a real Chromium: the unlock
page, signing in, the keyboard shortcut that locks, and the unlock page again."""

import os
import subprocess
import sys
import urllib.error
import urllib.parse
from pathlib import Path

import pytest

from tests.browser import chromium
from tests.conftest import PASSWORD
from tests.liveserver import Browser, Server
from tests.vault_util import FAST_KDF, PASSPHRASE

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent
CONFIG = f"""
SECRET_KEY = "browser vault test"
ARGON2 = {{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}}
VAULT_KDF = {FAST_KDF!r}
"""


def flask(instance: Path, *args: str, stdin: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    return subprocess.run(
        [BIN / "flask", "--app", "monitor", *args], input=stdin, env=env, capture_output=True, text=True
    )


@pytest.fixture
def laptop(tmp_path):
    """``init-db --encrypt`` and ``create-user`` on the command line, as an observer sets up a laptop."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(CONFIG)
    made = flask(instance, "init-db", "--encrypt", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert made.returncode == 0, made.stderr
    user = flask(
        instance,
        "create-user",
        "oleg",
        "--role",
        "observer",
        "--password-stdin",
        stdin=f"{PASSWORD}\n{PASSPHRASE}\n",
    )
    assert user.returncode == 0, user.stderr + user.stdout
    return instance


def test_unlock_sign_in_lock_by_the_shortcut_in_chromium(laptop):
    server = Server(laptop, workers=1).start()
    try:
        with chromium() as browser:
            context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
            page = context.new_page()
            problems = []
            page.on(
                "console", lambda msg: problems.append(msg.text) if "Content Security" in msg.text else None
            )
            page.goto("/")
            assert urllib.parse.urlsplit(page.url).path == "/unlock"
            page.get_by_label("Passphrase").fill("not the passphrase")
            page.get_by_role("button", name="Unlock").click()
            assert "Wrong passphrase" in page.content()
            page.get_by_label("Passphrase").fill(PASSPHRASE)
            page.get_by_role("button", name="Unlock").click()
            page.wait_for_url("**/login")
            page.get_by_label("User name").fill("oleg")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(server.url + "/")
            assert page.get_by_role("button", name="Lock").is_visible()
            page.keyboard.press("Control+Alt+KeyL")
            page.wait_for_url("**/unlock")
            page.goto("/")
            assert urllib.parse.urlsplit(page.url).path == "/unlock"
            assert problems == []
            context.close()
    finally:
        server.stop()


def test_a_second_worker_says_it_cannot_take_the_key(laptop):
    """Two gunicorn workers: the first unlock wins; the other worker answers 409 and says why, instead
    of sending the browser back and forth between a locked and an unlocked worker."""
    server = Server(laptop, workers=2).start()
    try:
        answers = set()
        # Requests land on either worker: keep asking until one worker has unlocked and the other has
        # refused (a refusal may come first, when the request meets the worker that is not the first).
        for _attempt in range(60):
            if answers == {"unlocked", "refused"}:
                break
            browser = Browser(server.url)
            try:
                page = browser.get("/unlock")
            except urllib.error.HTTPError as error:
                body = error.read().decode()
                error.close()
                assert error.code == 409 and "runs one" in body
                answers.add("refused")
                continue
            if "Passphrase" not in page:
                continue  # the worker that holds the key: nothing to unlock
            data = urllib.parse.urlencode({"passphrase": PASSPHRASE, "csrf_token": browser.token})
            try:
                with browser.opener.open(server.url + "/unlock", data=data.encode(), timeout=10):
                    answers.add("unlocked")
            except urllib.error.HTTPError as error:
                error.close()
                assert error.code == 409
                answers.add("refused")
        assert answers == {"unlocked", "refused"}, answers
    finally:
        server.stop()
