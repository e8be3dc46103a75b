"""API tokens: made and revoked on the profile page, stored hashed, scoped, expiring, and what they open."""

import hashlib
import re
from datetime import date, timedelta

import pytest

from monitor.audit import Actor
from monitor.auth import tokens, users
from monitor.db import connect
from tests.conftest import PASSWORD, csrf_token, login, make_user, post, setup_trial, start_hearing

SECRET = re.compile(r'value="(tm_[A-Za-z0-9_-]{43})"')


def make_token(app, username, scope="write", days=30):
    """A token for ``username`` made straight through the tokens module; returns (row, secret)."""
    db = connect(app.config["DATABASE"])
    try:
        return tokens.create(
            db, Actor(name="test"), users.get_by_username(db, username), name="test", scope=scope, days=days
        )
    finally:
        db.close()


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def create_on_profile(client, name="laptop sync", scope="write", expiry="90"):
    return post(
        client,
        "/profile",
        {"token-name": name, "token-scope": scope, "token-expiry": expiry, "token-submit": "Create token"},
    )


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(app, client, people, db):
    login(client, "oleg")
    response = create_on_profile(client)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(response.get_data(as_text=True)).group(1)
    row = db["api_token"].get(1)
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[:7] and row["scope"] == "write" and row["name"] == "laptop sync"
    dump = "\n".join(db.iterdump())
    assert secret not in dump and secret[7:20] not in dump  # neither in the token table nor the audit log
    again = client.get("/profile").get_data(as_text=True)
    assert secret not in again and f"{secret[:7]}…" in again and "laptop sync" in again
    assert [r["action"] for r in db.query("SELECT action FROM audit WHERE action LIKE 'api_token.%'")] == [
        "api_token.create"
    ]


@pytest.mark.parametrize(("expiry", "days"), [("30", 30), ("90", 90), ("365", 365), ("never", None)])
def test_the_expiry_chosen_is_kept(client, people, db, expiry, days):
    login(client, "oleg")
    create_on_profile(client, expiry=expiry)
    row = db["api_token"].get(1)
    if days is None:
        assert row["expires_at"] is None
    else:
        created = row["created_at"][:10]
        assert row["expires_at"][:10] == (date.fromisoformat(created) + timedelta(days=days)).isoformat()


def test_the_form_offers_90_days_and_read_only_by_default_and_refuses_a_nameless_token(client, people, db):
    login(client, "oleg")
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'<option selected value="90">|<option value="90" selected>', page)
    response = create_on_profile(client, name="   ")
    assert "Give the token a name." in response.get_data(as_text=True)
    assert db["api_token"].count == 0


def test_a_token_signs_an_api_request_in_without_a_session(app, people):
    _row, secret = make_token(app, "oleg")
    client = app.test_client()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["username"] == "oleg" and response.get_json()["token"]["scope"] == "write"
    assert "Set-Cookie" not in response.headers and client.get_cookie("monitor_session") is None
    assert client.get("/api/v1/me").status_code == 401  # nothing remembered between requests


def test_a_token_opens_only_the_api_not_the_pages(app, people):
    _row, secret = make_token(app, "lena")
    response = app.test_client().get("/missions", headers=bearer(secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_token_wins_over_a_session_cookie_sent_along(app, client, people):
    _row, secret = make_token(app, "olga")
    login(client, "lena")
    assert client.get("/api/v1/me").get_json()["username"] == "lena"
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["username"] == "olga"


@pytest.mark.parametrize(
    "secret", ["tm_" + "x" * 43, "not-a-token", "", "tm_\u202e" + "é" * 40, "tm_" + "a" * 5000]
)
def test_an_unknown_token_is_a_401_in_json_and_is_audited(app, people, db, secret):
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.get_json() == {
        "message": "This API token is not valid: it is unknown, revoked or expired.",
        "field": None,
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    row = next(db.query("SELECT * FROM audit WHERE action = 'api_token.refused'"))
    assert secret[7:] == "" or secret[7:] not in (row["after"] or "")


def test_other_authorization_schemes_are_left_to_the_session(app, client, people):
    login(client, "lena")
    response = client.get("/api/v1/me", headers={"Authorization": "Basic bGVuYTp4"})  # e.g. a proxy's
    assert response.status_code == 200 and response.get_json()["username"] == "lena"


def test_refused_tokens_from_one_address_are_throttled(app, people):
    client = app.test_client()
    codes = [client.get("/api/v1/me", headers=bearer(f"tm_wrong{n}")).status_code for n in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]
    _row, secret = make_token(app, "oleg")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200  # a good token still works


def test_a_revoked_token_stops_working_at_once(app, client, people, db):
    row, secret = make_token(app, "oleg")
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    login(client, "oleg")
    response = post(client, f"/profile/tokens/{row['uuid']}/revoke")
    assert response.status_code == 302
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert db["api_token"].get(row["id"])["revoked_at"]
    page = client.get("/profile").get_data(as_text=True)
    assert "Token “test” revoked." in page and f"<code>{row['prefix']}…</code>" not in page
    actions = [r["action"] for r in db.query("SELECT action FROM audit WHERE record_uuid = ?", [row["uuid"]])]
    assert actions == ["api_token.create", "api_token.revoke", "api_token.refused"]


def test_the_revoke_button_asks_first_and_needs_csrf(app, client, people, db):
    row, secret = make_token(app, "oleg")
    login(client, "oleg")
    page = client.get("/profile").get_data(as_text=True)
    assert f'action="/profile/tokens/{row["uuid"]}/revoke"' in page and "data-confirm=" in page
    assert client.post(f"/profile/tokens/{row['uuid']}/revoke").status_code == 400
    assert db["api_token"].get(row["id"])["revoked_at"] is None


def test_nobody_can_revoke_another_users_token(app, client, people, db):
    row, secret = make_token(app, "oleg")
    for username in ("olga", "ada"):
        other = app.test_client()
        login(other, username)
        assert post(other, f"/profile/tokens/{row['uuid']}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert db["api_token"].get(row["id"])["revoked_at"] is None


def test_an_expired_token_is_refused(app, people, db):
    row, secret = make_token(app, "oleg")
    db["api_token"].update(row["id"], {"expires_at": "2020-01-01T00:00:00.000Z"})
    db.conn.commit()
    response = app.test_client().get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401
    refused = next(db.query("SELECT after FROM audit WHERE action = 'api_token.refused'"))
    assert '"reason":"expired"' in refused["after"]


def test_a_deactivated_users_token_is_refused(app, people, db):
    _row, secret = make_token(app, "oleg")
    users.update(db, Actor(name="test"), people["observer"]["uuid"], active=0)
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_a_read_only_token_reads_but_never_writes(app, people, db):
    setup = setup_trial(app)
    _row, secret = make_token(app, "lena", scope="read")
    api = app.test_client()
    mission = setup["mission"]["uuid"]
    assert api.get(f"/api/v1/missions/{mission}", headers=bearer(secret)).status_code == 200
    for method, path in [
        ("post", "/api/v1/missions"),
        ("patch", f"/api/v1/missions/{mission}"),
        ("post", f"/api/v1/missions/{mission}/trials"),
    ]:
        response = getattr(api, method)(path, json={"name": "x", "title": "x"}, headers=bearer(secret))
        assert response.status_code == 403
        assert response.get_json() == {"message": "This token may only read.", "field": None}
    assert db["mission"].count == 1
    assert (
        db["audit"].count_where("action = 'permission.refused' AND after LIKE '%read-only API token%'") == 3
    )


def test_a_token_needs_no_csrf_token_but_a_cookie_request_does(app, client, people, db):
    setup_trial(app)
    _row, secret = make_token(app, "lena")
    response = app.test_client().post("/api/v1/missions", json={"name": "By token"}, headers=bearer(secret))
    assert response.status_code == 201
    login(client, "lena")
    response = client.post("/api/v1/missions", json={"name": "By cookie"})
    assert response.status_code == 400 and "security token" in response.get_json()["message"]
    response = client.post(
        "/api/v1/missions", json={"name": "By cookie"}, headers={"X-CSRFToken": csrf_token(client, "/")}
    )
    assert response.status_code == 201
    assert sorted(r["name"] for r in db.query("SELECT name FROM mission")) == [
        "By cookie",
        "By token",
        "Test mission",
    ]


def test_one_observers_token_cannot_reach_anothers_hearing(app, people):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    _row, secret = make_token(app, "olga")
    api = app.test_client()
    assert api.get(f"/api/v1/hearings/{hearing['uuid']}", headers=bearer(secret)).status_code == 403
    response = api.patch(
        f"/api/v1/hearings/{hearing['uuid']}",
        json={"changes": [{"target": "hearing", "field": "courtroom", "value": "olga was here"}]},
        headers=bearer(secret),
    )
    assert response.status_code == 403


def test_last_used_is_written_at_most_once_a_minute(app, people, db):
    row, secret = make_token(app, "oleg")
    api = app.test_client()
    api.get("/api/v1/me", headers=bearer(secret))
    first = db["api_token"].get(row["id"])["last_used_at"]
    api.get("/api/v1/me", headers=bearer(secret))
    assert first and db["api_token"].get(row["id"])["last_used_at"] == first
    db["api_token"].update(row["id"], {"last_used_at": "2020-01-01T00:00:00.000Z"})
    db.conn.commit()
    api.get("/api/v1/me", headers=bearer(secret))
    assert db["api_token"].get(row["id"])["last_used_at"] > "2020-01-02"


def test_at_most_twenty_live_tokens_each(app, people, db):
    for _n in range(tokens.MAX_ACTIVE):
        make_token(app, "oleg")
    with pytest.raises(tokens.TokenError):
        tokens.create(db, Actor(name="test"), people["observer"], name="one more", scope="read", days=30)
    make_user(app, "otto", "observer")
    make_token(app, "otto")  # others are not affected


def test_a_flood_of_bad_tokens_writes_a_handful_of_audit_rows(app, people, db):
    """300 refused tokens from one address: the first 5 are refused and audited, the 5th starts the
    throttle (one row says so); the other 295 are turned away without writing anything (before: 300 rows)."""
    client = app.test_client()
    audit_before = db["audit"].count
    codes = [client.get("/api/v1/me", headers=bearer(f"tm_guess{n}")).status_code for n in range(300)]
    assert codes == [401] * 4 + [429] * 296
    assert db["audit"].count - audit_before == 6
    assert db["audit"].count_where("action = 'api_token.refused'") == 5
    throttled = list(db.query("SELECT * FROM audit WHERE action = 'api_token.throttled'"))
    assert len(throttled) == 1 and throttled[0]["address"] == "127.0.0.1"
    assert db["login_failure"].count == 5
    body = client.get("/api/v1/me", headers=bearer("tm_guess")).get_json()
    assert body["message"] == "Too many refused tokens from this address; wait a minute."


def _revocations(db, reason):
    return [
        r["record_uuid"]
        for r in db.query(
            "SELECT * FROM audit WHERE action = 'api_token.revoke' AND after LIKE ?", [f"%{reason}%"]
        )
    ]


def test_changing_ones_password_revokes_every_token_and_says_so(app, client, people, db):
    first, first_secret = make_token(app, "oleg")
    second, second_secret = make_token(app, "oleg", scope="read")
    _other, other_secret = make_token(app, "olga")
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(first_secret)).status_code == 200
    login(client, "oleg")
    page = client.get("/profile").get_data(as_text=True)
    assert "revokes all your API tokens" in page  # said before the change …
    new = "a brand new passphrase"
    form = {"password-current": PASSWORD, "password-password": new, "password-confirm": new}
    response = post(client, "/profile", {**form, "password-submit": "1"}, follow_redirects=True)
    assert "your API tokens revoked" in response.get_data(as_text=True)  # … and after it
    for secret in (first_secret, second_secret):
        assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(other_secret)).status_code == 200  # others' tokens live
    assert sorted(_revocations(db, "user.password_change")) == sorted([first["uuid"], second["uuid"]])
    change = next(db.query("SELECT * FROM audit WHERE action = 'user.password_change'"))
    assert '"tokens_revoked":2' in change["after"]


def test_an_administrators_reset_revokes_every_token_and_says_so(app, client, people, db):
    row, secret = make_token(app, "oleg")
    login(client, "ada")
    url = f"/admin/users/{people['observer']['uuid']}"
    assert "revokes all their API tokens" in client.get(url).get_data(as_text=True)
    new = "reset by the administrator"
    form = {"reset-password": new, "reset-confirm": new, "reset-submit": "1"}
    response = post(client, url, form, follow_redirects=True)
    assert "their API tokens revoked" in response.get_data(as_text=True)
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert _revocations(db, "user.password_reset") == [row["uuid"]]
    revoked_by = next(db.query("SELECT actor_name FROM audit WHERE action = 'api_token.revoke'"))
    assert revoked_by["actor_name"] == "ada"
