"""The first-run page of a fresh laptop, served as `make run` serves a new installation (gunicorn, one
worker), in a real Chromium: encryption is preselected, a passphrase is typed twice, and the administrator
is written inside the encrypted database. Served by two workers, the page says what to run instead."""

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from monitor.vault import keys
from tests.browser import chromium
from tests.liveserver import Browser, Server
from tests.test_browser import ARTIFACTS
from tests.vault_util import FAST_KDF, PASSPHRASE

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent
CONFIG = f"""
SECRET_KEY = "browser first-run test"
ARGON2 = {{"time_cost": 1, "memory_cost": 1024, "parallelism": 1}}
VAULT_KDF = {FAST_KDF!r}
"""
ADMIN_PASSWORD = "first admin passphrase"
DISPLAY_NAME = "Saule Zhaksylykova"


@pytest.fixture
def new_laptop(tmp_path):
    """`make run` on a new laptop: init-db (plain, no account yet), then the server."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(CONFIG)
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    made = subprocess.run(
        [BIN / "flask", "--app", "monitor", "init-db"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    return instance


def test_a_new_laptop_is_encrypted_from_the_first_run_page_in_chromium(new_laptop):
    ARTIFACTS.mkdir(exist_ok=True)
    server = Server(new_laptop, workers=1).start()
    try:
        with chromium() as browser:
            context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            problems = []
            page.on(
                "console", lambda msg: problems.append(msg.text) if "Content Security" in msg.text else None
            )
            page.goto("/")
            assert urllib.parse.urlsplit(page.url).path == "/setup"
            assert page.get_by_label("Encrypt this installation").is_checked()  # preselected
            page.get_by_label("User name").fill("saule")
            page.get_by_label("Display name").fill(DISPLAY_NAME)
            page.get_by_label("New password").fill(ADMIN_PASSWORD)
            page.get_by_label("Repeat the password").fill(ADMIN_PASSWORD)
            page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
            page.get_by_label("Repeat the passphrase").fill(PASSPHRASE + " but not quite")
            page.screenshot(path=str(ARTIFACTS / "60-first-run-encrypt.png"), full_page=True)
            page.get_by_role("button", name="Create the administrator").click()
            assert "The two passphrases differ" in page.inner_text("main")
            assert not (new_laptop / "monitor.vault.json").exists()
            page.screenshot(path=str(ARTIFACTS / "61-first-run-passphrases-differ.png"), full_page=True)
            # the passwords and passphrases are not sent back: type them again
            page.get_by_label("New password").fill(ADMIN_PASSWORD)
            page.get_by_label("Repeat the password").fill(ADMIN_PASSWORD)
            page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
            page.get_by_label("Repeat the passphrase").fill(PASSPHRASE)
            page.get_by_role("button", name="Create the administrator").click()
            page.wait_for_url(server.url + "/")
            assert f"Welcome, {DISPLAY_NAME}" in page.inner_text("main")
            assert page.get_by_role("button", name="Lock").is_visible()  # held as after an unlock
            page.screenshot(path=str(ARTIFACTS / "62-first-run-encrypted-home.png"), full_page=True)
            page.keyboard.press("Control+Alt+KeyL")
            page.wait_for_url("**/unlock")
            assert problems == []
            context.close()
    finally:
        server.stop()
    database = str(new_laptop / "monitor.sqlite")
    assert keys.path_for(database) == str(new_laptop / "monitor.vault.json")
    assert (new_laptop / "monitor.vault.json").exists() and not keys.is_plain_file(database)
    raw = b"".join(p.read_bytes() for p in new_laptop.iterdir() if p.name.startswith("monitor.sqlite"))
    assert b"Zhaksylykova" not in raw and b"saule" not in raw
    # a new process: locked, and only the passphrase opens it
    again = Server(new_laptop, workers=1).start()
    try:
        with chromium() as browser:
            page = browser.new_page(base_url=again.url)
            page.goto("/")
            assert urllib.parse.urlsplit(page.url).path == "/unlock"
            page.get_by_label("Passphrase").fill("not the passphrase")
            page.get_by_role("button", name="Unlock").click()
            assert "Wrong passphrase" in page.content()
            page.get_by_label("Passphrase").fill(PASSPHRASE)
            page.get_by_role("button", name="Unlock").click()
            page.wait_for_url("**/login")
            page.get_by_label("User name").fill("saule")
            page.get_by_label("Password").fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(again.url + "/")
            assert DISPLAY_NAME in page.inner_text("body")
    finally:
        again.stop()


def test_two_workers_the_first_run_page_refuses_encryption_and_names_the_command(new_laptop):
    server = Server(new_laptop, workers=2).start()
    try:
        page = Browser(server.url).get("/setup")
        assert 'name="encrypt"' not in page and 'name="passphrase"' not in page
        assert "make run WORKERS=1" in page and "flask --app monitor encrypt-db" in page
    finally:
        server.stop()
    assert not (new_laptop / "monitor.vault.json").exists()
