"""API tokens and the lock: a locked app answers 401 to every token (their hashes are inside the
encrypted store, which nothing reads while locked); the lock does not revoke them, so after an unlock
the same token works again. docs/security.md says why this is the choice."""

from monitor.audit import Actor
from monitor.db import connect
from monitor.vault import keys, lock
from tests.conftest import make_user
from tests.test_tokens import bearer, make_token
from tests.vault_util import forget_everything, make_vault_app, unlocked


def test_a_token_is_refused_while_locked_and_works_again_after_the_unlock(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    try:
        make_user(app, "oleg", "observer")
        token, secret = make_token(app, "oleg", scope="read")
        client = app.test_client()
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
        database = app.config["DATABASE"]
        assert lock.lock(database, Actor(name="test"), "button")
        for path in ("/api/v1/me", "/api/v1/missions", "/api/v1/openapi.json"):
            refused = client.get(path, headers=bearer(secret))
            assert refused.status_code == 401 and refused.get_json()["locked"] is True
        written = client.post("/api/v1/missions", headers=bearer(secret), json={"name": "x"})
        assert written.status_code == 401
        keys.unlock(database, "seven quiet rivers at dusk")
        again = client.get("/api/v1/me", headers=bearer(secret))
        assert again.status_code == 200
        db = connect(database)
        try:
            row = db["api_token"].get(token["id"])
        finally:
            db.close()
        assert row["revoked_at"] is None
    finally:
        forget_everything(app)


def test_a_browser_session_does_not_survive_the_lock_though_a_token_does(tmp_path):
    """The difference, shown: the session cookie left in the laptop's browser is dead after the lock."""
    from tests.conftest import login

    app = unlocked(make_vault_app(tmp_path))
    try:
        make_user(app, "oleg", "observer")
        _token, secret = make_token(app, "oleg", scope="read")
        browser = app.test_client()
        login(browser, "oleg")
        assert browser.get("/profile").status_code == 200
        database = app.config["DATABASE"]
        lock.lock(database, Actor(name="test"), "button")
        keys.unlock(database, "seven quiet rivers at dusk")
        assert browser.get("/profile").headers["Location"].startswith("/login")
        assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    finally:
        forget_everything(app)
