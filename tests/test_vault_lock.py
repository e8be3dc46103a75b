"""The quick lock: the button (and its shortcut) and the idle timer drop the key and end every session;
the next page is the unlock page, and only the passphrase opens the app again."""

import threading
import time

import pytest

from monitor.db import connect
from monitor.vault import keys
from tests.conftest import login, make_user, post
from tests.test_vault_unlock import unlock
from tests.vault_util import PASSPHRASE, forget_everything, make_vault_app, unlocked


@pytest.fixture
def signed_in(tmp_path):
    """An unlocked encrypted installation with two people signed in on two browsers."""
    app = unlocked(make_vault_app(tmp_path))
    make_user(app, "ada", "admin")
    make_user(app, "oleg", "observer")
    ada, oleg = app.test_client(), app.test_client()
    login(ada, "ada")
    login(oleg, "oleg")
    assert ada.get("/").status_code == 200 and oleg.get("/").status_code == 200
    yield app, ada, oleg
    forget_everything(app)


def session_versions(app) -> dict:
    db = connect(app.config["DATABASE"])
    try:
        return {row["username"]: row["session_version"] for row in db.query("SELECT * FROM user")}
    finally:
        db.close()


def test_the_top_bar_has_a_lock_button_and_its_shortcut_script(signed_in):
    _app, ada, _oleg = signed_in
    page = ada.get("/").get_data(as_text=True)
    assert 'id="lock-form"' in page and 'action="/lock"' in page
    assert "/static/lock.js" in page and "<script>" not in page


def test_lock_drops_the_key_and_ends_every_session(signed_in):
    app, ada, oleg = signed_in
    before = session_versions(app)
    response = post(ada, "/lock")
    assert response.status_code == 302 and response.headers["Location"] == "/unlock"
    assert keys.key_for(app.config["DATABASE"]) is None
    with pytest.raises(keys.Locked):
        connect(app.config["DATABASE"])
    for client in (ada, oleg):
        assert client.get("/").headers["Location"] == "/unlock"
    assert unlock(oleg).status_code == 302
    after = session_versions(app)
    assert all(after[name] > before[name] for name in before)
    for client in (ada, oleg):  # their old cookies are dead: both must sign in again
        assert client.get("/").headers["Location"].startswith("/login")
    db = connect(app.config["DATABASE"])
    try:
        actions = [row["action"] for row in db.query("SELECT action FROM audit WHERE action LIKE 'vault.%'")]
    finally:
        db.close()
    assert actions == ["vault.lock", "vault.unlock"]


def test_lock_needs_a_csrf_token(signed_in):
    app, ada, _oleg = signed_in
    response = ada.post("/lock")
    assert response.status_code == 400
    assert keys.key_for(app.config["DATABASE"]) is not None


def test_the_app_locks_itself_after_the_idle_time(tmp_path):
    app = unlocked(make_vault_app(tmp_path, LOCK_AFTER_IDLE_MINUTES=0.02))  # 1.2 seconds
    try:
        make_user(app, "ada", "admin")
        client = app.test_client()
        unlocked_by_page = unlock_after_forget(app, client)
        assert unlocked_by_page
        login(client, "ada")
        assert client.get("/").status_code == 200
        time.sleep(0.7)
        assert client.get("/").status_code == 200  # a request in time keeps it open
        time.sleep(0.7)
        assert client.get("/").status_code == 200
        time.sleep(1.4)
        assert client.get("/").headers["Location"] == "/unlock"
        assert keys.key_for(app.config["DATABASE"]) is None
    finally:
        forget_everything(app)


def unlock_after_forget(app, client) -> bool:
    keys.forget(app.config["DATABASE"])
    return unlock(client).status_code == 302


def test_the_idle_watcher_drops_the_key_with_no_request_at_all(tmp_path):
    app = make_vault_app(tmp_path, LOCK_AFTER_IDLE_MINUTES=0.01)  # 0.6 seconds
    try:
        make_user(unlocked(app), "ada", "admin")
        keys.forget(app.config["DATABASE"])
        assert unlock(app.test_client()).status_code == 302  # starts the watcher: it looks every 0.15 s
        deadline = time.monotonic() + 5
        while keys.key_for(app.config["DATABASE"]) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert keys.key_for(app.config["DATABASE"]) is None
    finally:
        forget_everything(app)


def test_a_second_server_process_cannot_take_the_key(signed_in, tmp_path):
    """The claim is a lock on the vault file: another process asking for it is refused."""
    import subprocess
    import sys

    app, _ada, _oleg = signed_in
    keys.forget(app.config["DATABASE"])
    assert unlock(app.test_client()).status_code == 302  # this process now serves the installation
    code = (
        "import sys; from monitor.vault import keys\n"
        "try:\n    keys.claim(sys.argv[1])\nexcept keys.Served as e:\n    print('served', e)\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code, app.config["DATABASE"]], capture_output=True, text=True, check=True
    )
    assert other.stdout.startswith("served") and "one process" in other.stdout


def test_lock_anchors_the_audit_log_and_audit_verify_stays_intact(signed_in):
    app, ada, _oleg = signed_in
    post(ada, "/lock")
    anchors_file = app.config["DATABASE"].replace(".sqlite", ".anchors.jsonl")
    with open(anchors_file, encoding="utf-8") as f:
        assert '"reason":"lock"' in f.read().splitlines()[-1]
    result = app.test_cli_runner().invoke(
        args=["audit-verify", "--passphrase-stdin"], input=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output and "the log holds them" in result.output


def test_lock_aborts_work_still_running_on_an_open_connection(signed_in):
    """A long export running when the lock comes fails at once, instead of reading on with the key."""
    app, ada, _oleg = signed_in
    outcome = {}
    started = threading.Event()

    def long_job():
        db = connect(app.config["DATABASE"])
        try:
            started.set()
            db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
            ).fetchone()
            outcome["result"] = "finished"
        except keys.ERRORS as error:
            outcome["result"] = str(error)
        finally:
            db.close()

    job = threading.Thread(target=long_job)
    job.start()
    assert started.wait(5)
    time.sleep(0.2)
    post(ada, "/lock")
    job.join(10)
    assert not job.is_alive()
    assert outcome["result"] == "interrupted"


def test_the_audit_log_page_shows_locks_and_unlocks(signed_in):
    app, ada, _oleg = signed_in
    post(ada, "/lock")
    unlock(ada, "a wrong passphrase, once")
    unlock(ada)
    login(ada, "ada")
    page = ada.get("/admin/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "vault.lock" in text and "vault.unlock_failed" in text and "vault.unlock" in text
    assert "a wrong passphrase" not in text
