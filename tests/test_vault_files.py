"""On disk, an encrypted installation's files — database, WAL, backups — hold no witness identity and
no note in any readable form; a plain installation's do (so the grep would find one)."""

import os

from monitor.db import connect
from monitor.vault import keys
from tests.conftest import make_app
from tests.vault_util import IDENTITY, NOTE, PASSPHRASE, make_vault_app, unlocked, witness_with_identity

SECRETS = [IDENTITY.encode(), NOTE.encode(), NOTE.encode("utf-16-le")]


def raw_hits(folder) -> dict[str, list[bytes]]:
    """Every file under ``folder`` whose raw bytes contain a secret."""
    hits = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                data = f.read()
            found = [secret for secret in SECRETS if secret in data]
            if found:
                hits[os.path.relpath(path, folder)] = found
    return hits


def write_and_back_up(app, folder):
    witness_with_identity(app)
    runner = app.test_cli_runner()
    backup = folder / "backups" / "laptop.sqlite"
    backup.parent.mkdir()
    result = runner.invoke(args=["backup", str(backup)], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    return backup


def test_a_plain_installation_shows_the_identity_to_a_grep(tmp_path):
    app = make_app(tmp_path)
    write_and_back_up(app, tmp_path)
    hits = raw_hits(tmp_path)
    assert any(IDENTITY.encode() in found for found in hits.values())
    assert any(name.startswith("backups") for name in hits)


def test_an_encrypted_installation_shows_no_identity_in_any_file(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    database = app.config["DATABASE"]
    held = connect(database)  # keep a connection open, so the WAL is not checkpointed away
    try:
        backup = write_and_back_up(app, tmp_path)
        assert os.path.getsize(database + "-wal") > 0, "the writes should still be in the WAL"
        with open(database, "rb") as f:
            assert f.read(16) != b"SQLite format 3\x00"
        assert raw_hits(tmp_path) == {}
    finally:
        held.close()
        keys.forget(database)
    assert raw_hits(tmp_path) == {}  # after the last connection closed (WAL checkpointed) too
    # The backup is encrypted under the same passphrase, with its vault file beside it.
    assert os.path.exists(keys.path_for(str(backup)))
    key = keys.unlock(str(backup), PASSPHRASE)
    copy = keys.open_with_key(str(backup), key)
    try:
        identities = [row[0] for row in copy.execute("SELECT identity FROM witness")]
    finally:
        copy.close()
        keys.forget(str(backup))
    assert IDENTITY in identities


def test_without_the_key_the_encrypted_file_does_not_open(tmp_path):
    app = make_vault_app(tmp_path)
    import sqlite3

    plain = sqlite3.connect(app.config["DATABASE"])
    try:
        try:
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
            opened = True
        except sqlite3.DatabaseError as error:
            opened = False
            assert "not a database" in str(error)
    finally:
        plain.close()
    assert not opened
    assert not keys.opens(app.config["DATABASE"], b"\x00" * 32)


def test_a_plain_installation_still_opens_with_the_standard_sqlite3_module(tmp_path):
    import sqlite3

    app = make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    try:
        assert type(db.conn) is sqlite3.Connection
    finally:
        db.close()
    assert not keys.is_encrypted(app.config["DATABASE"])


def test_an_encrypted_connection_keeps_temporary_data_in_memory(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    db = connect(app.config["DATABASE"])
    try:
        assert db.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY: no temporary file on disk
        assert db.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
        keys.forget(app.config["DATABASE"])
