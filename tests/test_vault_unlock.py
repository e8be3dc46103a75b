"""A locked installation answers every page with the unlock page (the API with 401) and opens nothing
until the right passphrase is given; a wrong one is refused, said so, throttled and audited."""

import json

import pytest

from monitor import audit
from monitor.db import connect
from monitor.vault import keys
from tests.conftest import CSRF, PASSWORD, login, make_user
from tests.vault_util import PASSPHRASE, forget_everything, make_vault_app, unlocked


def unlock(client, passphrase=PASSPHRASE):
    page = client.get("/unlock").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    return client.post("/unlock", data={"passphrase": passphrase, "csrf_token": token})


@pytest.fixture
def populated(tmp_path):
    """An encrypted installation with accounts, as a freshly started (locked) server sees it."""
    app = unlocked(make_vault_app(tmp_path))
    make_user(app, "ada", "admin")
    make_user(app, "oleg", "observer")
    keys.forget(app.config["DATABASE"])
    yield app
    forget_everything(app)


@pytest.mark.parametrize(
    "path", ["/", "/login", "/missions", "/admin/audit", "/profile", "/sync/", "/setup", "/no/such/page"]
)
def test_every_page_of_a_locked_app_redirects_to_the_unlock_page(populated, path):
    response = populated.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/unlock"


@pytest.mark.parametrize("path", ["/api/v1/missions", "/api/v1/openapi.json", "/api/v1/nothing"])
def test_the_api_of_a_locked_app_answers_401(populated, path):
    response = populated.test_client().get(path, headers={"Authorization": "Bearer tm_whatever"})
    assert response.status_code == 401
    assert response.get_json()["locked"] is True


def test_a_form_post_to_a_locked_app_changes_nothing_and_goes_to_the_unlock_page(populated):
    response = populated.test_client().post("/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/unlock"
    autosave = populated.test_client().post("/hearings/x/save", json={"changes": []})
    assert autosave.status_code == 401


def test_static_files_and_health_answer_while_locked(populated):
    client = populated.test_client()
    static = client.get("/static/style.css")
    assert static.status_code == 200
    static.close()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"status": "locked"}


def test_the_unlock_page_is_not_stored_and_has_a_csrf_token(populated):
    response = populated.test_client().get("/unlock")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert CSRF.search(response.get_data(as_text=True))
    no_token = populated.test_client().post("/unlock", data={"passphrase": PASSPHRASE})
    assert no_token.status_code == 400
    assert keys.is_locked(populated.config["DATABASE"])


def test_a_wrong_passphrase_opens_nothing_and_says_so(populated):
    client = populated.test_client()
    response = unlock(client, "not the passphrase at all")
    assert response.status_code == 401
    assert "Wrong passphrase" in response.get_data(as_text=True)
    assert keys.is_locked(populated.config["DATABASE"])
    assert client.get("/").headers["Location"] == "/unlock"


def test_the_right_passphrase_unlocks_then_people_sign_in(populated):
    client = populated.test_client()
    response = unlock(client)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not keys.is_locked(populated.config["DATABASE"])
    assert client.get("/").headers["Location"].startswith("/login")  # unlocked, but nobody signed in
    assert login(client, "ada").status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/unlock").headers["Location"] == "/"  # nothing to unlock any more


def test_failed_unlocks_are_audited_at_the_next_unlock_without_the_passphrase(populated):
    client = populated.test_client()
    unlock(client, "a wrong guess number one")
    unlock(client, "a wrong guess number two")
    unlock(client)
    db = connect(populated.config["DATABASE"])
    try:
        rows = list(db.query("SELECT * FROM audit WHERE action LIKE 'vault.%' ORDER BY id"))
        everything = json.dumps(list(db.query("SELECT * FROM audit")))
        assert audit.verify(db).ok
    finally:
        db.close()
    assert [row["action"] for row in rows] == ["vault.unlock_failed", "vault.unlock_failed", "vault.unlock"]
    assert rows[0]["address"] == "127.0.0.1" and json.loads(rows[0]["after"])["attempted_at"]
    for secret in ("a wrong guess", PASSPHRASE):
        assert secret not in everything


def test_unlocking_is_throttled_like_signing_in(tmp_path):
    app = make_vault_app(tmp_path, LOGIN_FAILURES_PER_MINUTE=3)
    try:
        client = app.test_client()
        statuses = [unlock(client, f"wrong guess number {n}").status_code for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert unlock(client).status_code == 429  # even the right one waits out the minute
        assert keys.is_locked(app.config["DATABASE"])
    finally:
        forget_everything(app)


def test_sessions_from_before_the_unlock_no_longer_work(populated):
    client = populated.test_client()
    unlock(client)
    login(client, "ada")
    assert client.get("/").status_code == 200
    forget_everything(populated)  # the server restarted: the app starts locked
    assert client.get("/").headers["Location"] == "/unlock"
    unlock(populated.test_client())  # someone else unlocks
    assert client.get("/").headers["Location"].startswith("/login")


def test_a_plain_installation_has_no_unlock_page_and_no_lock(app, client):
    make_user(app, "ada", "admin")
    assert client.get("/unlock").headers["Location"] == "/"
    login(client, "ada")
    assert "lock-form" not in client.get("/").get_data(as_text=True)


@pytest.fixture
def locked_world(tmp_path):
    """The permission table's world (people, a hearing, a token…), encrypted, then locked."""
    from tests import test_permissions

    app = unlocked(make_vault_app(tmp_path))
    people = {
        "admin": make_user(app, "ada", "admin"),
        "lead": make_user(app, "lena", "lead"),
        "observer": make_user(app, "oleg", "observer"),
        "other_observer": make_user(app, "olga", "observer"),
    }
    world = test_permissions.world.__wrapped__(app, people)
    keys.forget(app.config["DATABASE"])
    yield app, world
    forget_everything(app)


def test_behind_the_lock_every_route_answers_with_the_unlock_page_or_401(locked_world):
    from tests.test_permissions import PERMISSIONS

    app, world = locked_world
    client = app.test_client()
    answers = {}
    for endpoint, (method, path, _expected) in sorted(PERMISSIONS.items()):
        path = path.format(**world)
        response = client.open(path, method=method, data={"csrf_token": "x"})
        answers[endpoint] = (response.status_code, response.headers.get("Location"))
        response.close()
    for endpoint, answer in answers.items():
        if endpoint.startswith("api."):
            assert answer[0] == 401, endpoint
        elif endpoint in ("static", "vault.unlock"):
            assert answer[0] == 200, endpoint
        elif endpoint == "main.health":
            assert answer[0] == 503
        else:
            assert answer == (302, "/unlock"), endpoint
    assert keys.is_locked(app.config["DATABASE"])


def test_a_damaged_vault_file_is_said_so_not_a_crash(populated):
    vault = keys.path_for(populated.config["DATABASE"])
    with open(vault, encoding="utf-8") as f:
        settings = json.load(f)
    settings["salt"] = "00" * 16  # the passphrase now derives another key…
    settings["check"] = keys.check_value(keys.derive(PASSPHRASE, settings))  # …that the check accepts
    with open(vault, "w", encoding="utf-8") as f:
        json.dump(settings, f)
    response = unlock(populated.test_client())
    assert response.status_code == 503
    assert "do not open" in response.get_data(as_text=True)
    assert keys.is_locked(populated.config["DATABASE"])
