"""The first-run page offers to encrypt the installation (preselected), with a passphrase typed twice:
chosen, the still-empty installation is converted before the administrator is written, so the account
is inside the encrypted store and the key is held as after an unlock. Served by several worker
processes, the page does not offer it and says what to run instead."""

import os
import re
from pathlib import Path

import pytest

from monitor import audit
from monitor.auth import users
from monitor.db import connect
from monitor.vault import keys
from tests.conftest import PASSWORD, csrf_token, make_app
from tests.test_vault_unlock import unlock
from tests.vault_util import FAST_KDF, PASSPHRASE, forget_everything

ADMIN = {"username": "aigerim.t", "display_name": "Aigerim Tlegenova"}


@pytest.fixture
def fresh(tmp_path):
    """A new installation as `make run` leaves it: the tables made by init-db, no account yet."""
    app = make_app(tmp_path, VAULT_KDF=FAST_KDF)
    yield app
    forget_everything(app)


def set_up(client, encrypt=True, passphrase=PASSPHRASE, again=None, multiprocess=False):
    token = csrf_token(client, "/setup")
    data = {
        "csrf_token": token,
        **ADMIN,
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "en",
        "passphrase": passphrase,
        "passphrase_confirm": passphrase if again is None else again,
    }
    if encrypt:
        data["encrypt"] = "y"
    return client.post("/setup", data=data, multiprocess=multiprocess)


def raw_files(app) -> bytes:
    folder = Path(app.config["DATABASE"]).parent
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("monitor.sqlite"))


def test_the_page_offers_encryption_preselected_and_says_what_it_means(fresh):
    page = fresh.test_client().get("/setup").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="encrypt"[^>]*>', page).group(0)
    assert "checked" in checkbox and 'type="checkbox"' in checkbox
    assert "Encrypt this installation" in page and 'name="passphrase_confirm"' in page
    assert "never stored" in page and "If it is lost, the data is lost" in page


def test_encryption_chosen_the_admin_is_written_inside_the_encrypted_store(fresh):
    client = fresh.test_client()
    response = set_up(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    database = fresh.config["DATABASE"]
    assert os.path.exists(keys.path_for(database))
    assert not keys.is_plain_file(database)
    assert keys.key_for(database) is not None  # held as after an unlock: the app is open
    assert keys._id(database) in keys._claims  # this process serves it
    assert "Aigerim Tlegenova" in client.get("/").get_data(as_text=True)  # signed in at once
    raw = raw_files(fresh)
    for secret in (ADMIN["username"], ADMIN["display_name"], "Tlegenova"):
        assert secret.encode() not in raw
    vault_file = Path(keys.path_for(database)).read_text()
    assert PASSPHRASE not in vault_file and "Tlegenova" not in vault_file
    db = connect(database)
    try:
        assert users.get_by_username(db, ADMIN["username"])["role"] == "admin"
        actions = [row["action"] for row in db.query("SELECT action FROM audit ORDER BY id")]
        assert actions.index("vault.encrypt") < actions.index("user.create")  # encrypted first
        assert audit.verify(db).ok
    finally:
        db.close()


def test_after_encryption_a_wrong_passphrase_opens_nothing_and_the_right_one_opens_it(fresh):
    set_up(fresh.test_client())
    database = fresh.config["DATABASE"]
    forget_everything(fresh)  # what a new process starts with: no key
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock(database, "not the passphrase at all")
    client = fresh.test_client()
    assert client.get("/").headers["Location"] == "/unlock"
    refused = unlock(client, "not the passphrase at all")
    assert refused.status_code == 401 and keys.is_locked(database)
    assert unlock(client).status_code == 302
    db = connect(database)
    try:
        assert users.get_by_username(db, ADMIN["username"]) is not None
    finally:
        db.close()


@pytest.mark.parametrize(
    ("passphrase", "again", "message"),
    [
        ("short words", "short words", "at least 12 characters"),
        (PASSPHRASE, PASSPHRASE + " x", "The two passphrases differ"),
        ("", "", "at least 12 characters"),
    ],
)
def test_a_short_or_mismatched_passphrase_is_a_message_and_nothing_is_created(
    fresh, passphrase, again, message
):
    response = set_up(fresh.test_client(), passphrase=passphrase, again=again)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    database = fresh.config["DATABASE"]
    assert not os.path.exists(keys.path_for(database)) and keys.is_plain_file(database)
    db = connect(database)
    try:
        assert users.count(db) == 0
    finally:
        db.close()


def test_the_plain_choice_still_works(fresh):
    client = fresh.test_client()
    response = set_up(client, encrypt=False, passphrase="")
    assert response.status_code == 302
    database = fresh.config["DATABASE"]
    assert keys.is_plain_file(database) and not os.path.exists(keys.path_for(database))
    assert ADMIN["display_name"].encode() in raw_files(fresh)  # plain means readable: the choice was made
    assert "Aigerim Tlegenova" in client.get("/").get_data(as_text=True)


def test_served_by_several_workers_the_page_refuses_encryption_and_says_what_to_run(fresh):
    client = fresh.test_client()
    page = client.get("/setup", multiprocess=True).get_data(as_text=True)
    assert 'name="encrypt"' not in page and 'name="passphrase"' not in page
    assert "make run WORKERS=1" in page and "encrypt-db" in page
    forced = set_up(client, multiprocess=True)  # a hand-made post that asks anyway
    assert forced.status_code == 409
    assert "several worker processes" in forced.get_data(as_text=True)
    database = fresh.config["DATABASE"]
    assert not os.path.exists(keys.path_for(database))
    db = connect(database)
    try:
        assert users.count(db) == 0
    finally:
        db.close()
    plain = set_up(client, encrypt=False, passphrase="", multiprocess=True)
    assert plain.status_code == 302


def test_an_installation_encrypted_on_the_command_line_is_not_offered_it_again(tmp_path):
    from tests.vault_util import make_vault_app, unlocked

    app = unlocked(make_vault_app(tmp_path))
    try:
        page = app.test_client().get("/setup").get_data(as_text=True)
        assert "This installation is encrypted" in page and 'name="encrypt"' not in page
        response = set_up(app.test_client(), encrypt=False, passphrase="")
        assert response.status_code == 302
        assert ADMIN["display_name"].encode() not in raw_files(app)
    finally:
        forget_everything(app)
