"""Signing in and out, first-run set-up, sessions, throttling and the profile page."""

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
from pathlib import Path

import pytest

from monitor.auth import users
from monitor.db import connect
from tests.conftest import PASSWORD, csrf_token, login, make_app, make_user, post
from tests.liveserver import Browser, Server


def test_with_no_account_every_page_leads_to_the_first_run_page(client):
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/login").headers["Location"] == "/setup"
    page = client.get("/setup").get_data(as_text=True)
    assert "Create the first administrator" in page


def test_first_run_creates_an_administrator_and_then_disappears(client, db):
    token = csrf_token(client, "/setup")
    response = client.post(
        "/setup",
        data={
            "csrf_token": token,
            "username": "first.admin",
            "display_name": "First Admin",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "ru",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "вы вошли в систему" in home and "First Admin" in home  # signed in, in the chosen language
    user = users.get_by_username(db, "first.admin")
    assert user["role"] == "admin" and user["language"] == "ru"
    assert user["password_hash"].startswith("$argon2id$")
    assert client.get("/setup").status_code == 404
    fresh = csrf_token(client, "/profile")  # signing in started a new session, with a new token
    assert client.post("/setup", data={"csrf_token": fresh, "username": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short pass", "short pass", "at least 12 characters"),
        ("first.admin", "first.admin", "at least 12"),
        ("first.admin.x", "different one!!", "The two passwords differ"),
        ("x" * 300, "x" * 300, "at most 256"),
    ],
)
def test_first_run_explains_a_refused_password(client, db, password, confirm, message):
    token = csrf_token(client, "/setup")
    response = client.post(
        "/setup",
        data={"csrf_token": token, "username": "first.admin", "password": password, "confirm": confirm},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert users.count(db) == 0


def test_password_equal_to_user_name_is_refused(client, db):
    token = csrf_token(client, "/setup")
    name = "first.admin.long"
    response = client.post(
        "/setup", data={"csrf_token": token, "username": name, "password": name, "confirm": name}
    )
    assert "must not be the user name" in response.get_data(as_text=True)
    assert users.count(db) == 0


def test_sign_in_and_out(app, client, db):
    make_user(app, "oleg", display_name="Oleg the observer")
    response = login(client, "oleg")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Oleg the observer" in client.get("/").get_data(as_text=True)
    post(client, "/logout")
    assert client.get("/").status_code == 302
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions[-2:] == ["login", "logout"]


def test_a_wrong_password_is_refused_and_audited(app, client, db):
    make_user(app, "oleg")
    response = login(client, "oleg", "wrong password!")
    assert response.status_code == 200
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    failed = list(db.query("SELECT * FROM audit WHERE action = 'login.failed'"))
    assert len(failed) == 1 and failed[0]["actor_name"] == "oleg"


def test_a_deactivated_account_cannot_sign_in(app, client, db):
    user = make_user(app, "oleg")
    users.update(db, users.Actor(name="test"), user["uuid"], active=0)
    assert login(client, "oleg").status_code == 200
    assert client.get("/").status_code == 302


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client):
    make_user(app, "oleg")
    login(client, "oleg")
    stolen = client.get_cookie("monitor_session").value
    post(client, "/logout")
    thief = app.test_client()
    thief.set_cookie("monitor_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_changing_the_password_signs_out_every_other_session(app, client):
    make_user(app, "oleg")
    other = app.test_client()
    login(client, "oleg")
    login(other, "oleg")
    new = "a brand new passphrase"
    response = post(
        client,
        "/profile",
        {
            "password-current": PASSWORD,
            "password-password": new,
            "password-confirm": new,
            "password-submit": "1",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert other.get("/").status_code == 302  # the other copy is revoked
    assert login(app.test_client(), "oleg", new).status_code == 302


def test_password_change_needs_the_current_password(app, client, db):
    user = make_user(app, "oleg")
    login(client, "oleg")
    response = post(
        client,
        "/profile",
        {
            "password-current": "not my password",
            "password-password": "a brand new passphrase",
            "password-confirm": "a brand new passphrase",
            "password-submit": "1",
        },
    )
    assert "not your current password" in response.get_data(as_text=True)
    assert users.get_by_uuid(db, user["uuid"])["password_hash"] == user["password_hash"]


def test_profile_saves_name_and_language(app, client, db):
    user = make_user(app, "oleg")
    login(client, "oleg")
    post(
        client, "/profile", {"profile-display_name": "Олег", "profile-language": "kk", "profile-submit": "1"}
    )
    row = users.get_by_uuid(db, user["uuid"])
    assert (row["display_name"], row["language"]) == ("Олег", "kk")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/users", "/admin/users"),
        ("/profile?x=1", "/profile?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/evil.example", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
    ],
)
def test_next_only_ever_redirects_inside_the_app(app, client, target, expected):
    make_user(app, "ada", "admin")
    token = csrf_token(client)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_a_protected_page_sends_you_to_sign_in_and_back(app, client):
    make_user(app, "ada", "admin")
    response = client.get("/admin/users?page=2")
    assert response.headers["Location"] == "/login?next=/admin/users?page%3D2"
    token = csrf_token(client)
    response = client.post(
        response.headers["Location"], data={"username": "ada", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/admin/users?page=2"


def test_the_sixth_wrong_password_in_a_minute_gets_429(app, client, db):
    make_user(app, "oleg")
    for _ in range(5):
        assert login(client, "oleg", "wrong password!").status_code == 200
    response = login(client, "oleg", "wrong password!")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)
    # Even the right password waits out the minute: the attacker learns nothing.
    assert login(client, "oleg").status_code == 429
    # One row says the throttle started; the attempts it turned away write none (and check no password).
    assert db["audit"].count_where("action = 'login.throttled'") == 1
    assert db["audit"].count_where("action = 'login.failed'") == 5


def test_throttling_counts_per_address_across_accounts(app, client):
    make_user(app, "oleg")
    for n in range(5):
        login(client, f"nobody{n}", "wrong password!")
    assert login(client, "someone-else", "wrong password!").status_code == 429


def test_throttling_counts_per_account_across_addresses(app):
    make_user(app, "oleg")
    for n in range(5):
        login(app.test_client(), "oleg", "wrong password!", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    assert login(app.test_client(), "oleg", environ_overrides={"REMOTE_ADDR": "10.0.0.99"}).status_code == 429


def test_throttling_is_shared_by_every_server_process(tmp_path):
    """Two app instances on one database file, as two gunicorn workers would be."""
    first, second = make_app(tmp_path), make_app(tmp_path)
    make_user(first, "oleg")
    for _ in range(5):
        login(first.test_client(), "oleg", "wrong password!")
    assert login(second.test_client(), "oleg").status_code == 429


def test_hashes_are_upgraded_at_sign_in_when_the_parameters_change(tmp_path):
    weak = make_app(tmp_path)
    user = make_user(weak, "oleg")
    stronger = dict(weak.config["ARGON2"], time_cost=2, memory_cost=2048)
    strong = make_app(tmp_path, ARGON2=stronger)
    assert login(strong.test_client(), "oleg").status_code == 302
    db = connect(strong.config["DATABASE"])
    new_hash = users.get_by_uuid(db, user["uuid"])["password_hash"]
    db.close()
    assert new_hash != user["password_hash"]
    assert "m=2048,t=2" in new_hash
    assert login(strong.test_client(), "oleg").status_code == 302


def test_wrong_current_passwords_count_towards_the_throttle(app, client, db):
    make_user(app, "oleg")
    login(client, "oleg")
    form = {
        "password-current": "a wrong guess!!",
        "password-password": "a brand new passphrase",
        "password-confirm": "a brand new passphrase",
        "password-submit": "1",
    }
    statuses = [post(client, "/profile", form).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert db["audit"].count_where("action = 'password.confirm_failed'") == 5


def test_the_first_run_page_cannot_make_a_second_administrator(app, db):
    """Checked inside the write transaction, not only when the page was shown."""
    make_user(app, "ada", "admin")
    with pytest.raises(users.UserError, match="already exists"):
        users.create(
            db,
            users.Actor(name="racer"),
            username="second",
            display_name="",
            password=PASSWORD,
            role="admin",
            argon2=app.config["ARGON2"],
            first_admin=True,
        )
    assert users.count(db) == 1


def test_parallel_wrong_passwords_check_no_more_passwords_than_the_limit(tmp_path):
    """24 wrong sign-ins at once on one account, over real HTTP (gunicorn, 2 workers × 4 threads, real
    Argon2 settings): the count and the reservation are one transaction, so exactly 5 passwords are
    checked (before: 12) and the rest are turned away without a password check or an audit row."""
    instance = tmp_path / "instance"
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    flask = Path(sys.executable).parent / "flask"
    subprocess.run([flask, "--app", "monitor", "init-db"], env=env, check=True, capture_output=True)
    app = make_app(instance, ARGON2={"time_cost": 3, "memory_cost": 65536, "parallelism": 4})
    make_user(app, "oleg")
    server = Server(instance).start()
    try:
        browsers = [Browser(server.url) for _ in range(24)]
        for browser in browsers:
            browser.get("/login")  # a session and its CSRF token each, as 24 browsers would have
        start = threading.Barrier(len(browsers))
        statuses = []

        def attempt(browser):
            data = {"username": "oleg", "password": "a wrong guess!!", "csrf_token": browser.token}
            start.wait()
            try:
                with browser.opener.open(
                    server.url + "/login", urllib.parse.urlencode(data).encode(), 30
                ) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                error.close()

        threads = [threading.Thread(target=attempt, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.kill()
    db = connect(app.config["DATABASE"])
    try:
        assert sorted(statuses) == [200] * 5 + [429] * 19
        assert db["audit"].count_where("action = 'login.failed'") == 5  # one row per password checked
        assert db["audit"].count_where("action = 'login.throttled'") == 1
        assert db["login_failure"].count == 5
    finally:
        db.close()


def test_a_right_password_gives_its_slot_back(app, client, db):
    make_user(app, "oleg")
    for _ in range(4):
        login(app.test_client(), "oleg", "wrong password!")
    for _ in range(3):  # each success counted, checked, then given back: never a throttle
        assert login(app.test_client(), "oleg").status_code == 302
    assert db["login_failure"].count == 4
    assert login(client, "oleg", "wrong password!").status_code == 200  # the fifth failure …
    assert login(client, "oleg").status_code == 429  # … starts the throttle
