"""The commands of an encrypted installation: init-db --encrypt, encrypt-db (never losing a row),
rekey, and backup / audit-verify asking for the passphrase."""

import os
import sqlite3
import subprocess
import sys

import pytest

from monitor import audit
from monitor.db import connect
from monitor.vault import convert, keys
from tests.conftest import make_app, make_user
from tests.vault_util import FAST_KDF, IDENTITY, PASSPHRASE, forget_everything, witness_with_identity

NEW_PASSPHRASE = "a different sentence entirely"


@pytest.fixture
def plain(tmp_path):
    """A populated plain installation (accounts, a hearing, a witness, notes, audit rows, an anchor)."""
    app = make_app(tmp_path, VAULT_KDF=FAST_KDF)
    make_user(app, "ada", "admin")
    witness_with_identity(app)
    assert app.test_cli_runner().invoke(args=["audit-anchor"]).exit_code == 0
    yield app
    forget_everything(app)


def fingerprint_plain(path: str) -> dict:
    conn = sqlite3.connect(path)
    try:
        return convert.fingerprint(conn)
    finally:
        conn.close()


def fingerprint_encrypted(path: str, passphrase: str = PASSPHRASE) -> dict:
    key = keys.unlock(path, passphrase)
    conn = keys.open_with_key(path, key)
    try:
        return convert.fingerprint(conn)
    finally:
        conn.close()
        keys.forget(path)


def test_init_db_encrypt_sets_up_a_locked_installation(tmp_path):
    folder = tmp_path / "fresh"
    folder.mkdir()
    from monitor import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(folder), "VAULT_KDF": FAST_KDF}
    )
    database = app.config["DATABASE"]
    try:
        result = app.test_cli_runner().invoke(
            args=["init-db", "--encrypt"], input=f"{PASSPHRASE}\n{PASSPHRASE}\n"
        )
        assert result.exit_code == 0, result.output
        assert "Applied" in result.output
        settings = keys.read_settings(keys.path_for(database))
        assert set(settings) == {"format", "cipher", "kdf", "salt", "check", "created_at"}
        with open(keys.path_for(database), encoding="utf-8") as f:
            vault_text = f.read()
        assert PASSPHRASE not in vault_text and bytes(keys.key_for(database)).hex() not in vault_text
        assert oct(os.stat(keys.path_for(database)).st_mode & 0o777) == "0o600"
        assert not keys.is_plain_file(database)
        keys.forget(database)
        again = app.test_cli_runner().invoke(args=["init-db", "--passphrase-stdin"], input="wrong one here\n")
        assert again.exit_code == 1 and "Wrong passphrase" in again.output
        ok = app.test_cli_runner().invoke(args=["init-db", "--passphrase-stdin"], input=PASSPHRASE + "\n")
        assert ok.exit_code == 0 and "up to date" in ok.output
    finally:
        keys.forget(database)


def test_init_db_encrypt_refuses_a_short_passphrase(tmp_path):
    from monitor import create_app

    config = {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "VAULT_KDF": FAST_KDF}
    app = create_app(config)
    args = ["init-db", "--encrypt", "--passphrase-stdin"]
    result = app.test_cli_runner().invoke(args=args, input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert not keys.is_encrypted(app.config["DATABASE"])
    assert not os.path.exists(app.config["DATABASE"])


def test_init_db_encrypt_sends_a_populated_plain_database_to_encrypt_db(plain):
    before = fingerprint_plain(plain.config["DATABASE"])
    result = plain.test_cli_runner().invoke(
        args=["init-db", "--encrypt", "--passphrase-stdin"], input=PASSPHRASE + "\n"
    )
    assert result.exit_code == 1 and "encrypt-db" in result.output
    assert not keys.is_encrypted(plain.config["DATABASE"])
    assert fingerprint_plain(plain.config["DATABASE"]) == before


def test_encrypt_db_keeps_every_row_of_every_table_and_the_audit_chain(plain):
    database = plain.config["DATABASE"]
    before = fingerprint_plain(database)
    assert before["witness"][0] >= 1 and before["audit"][0] > 5
    runner = plain.test_cli_runner()
    result = runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert not keys.is_plain_file(database)
    assert not os.path.exists(convert.plain_copy_path(database))  # no readable copy left behind
    keys.forget(database)
    assert fingerprint_encrypted(database) == before  # every table: same count, same content hash
    with open(database, "rb") as f:
        assert IDENTITY.encode() not in f.read()
    verify = runner.invoke(args=["audit-verify", "--passphrase-stdin"], input=PASSPHRASE + "\n")
    assert verify.exit_code == 0, verify.output
    assert "Audit chain intact" in verify.output and "the log holds them" in verify.output
    db = connect(database)  # the installation carries on: WAL, writes, the chain
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        audit.record(db, "test.after", audit.Actor(name="test"))
        assert audit.verify(db).ok
    finally:
        db.close()


def test_encrypt_db_can_keep_the_plain_original_when_asked(plain):
    database = plain.config["DATABASE"]
    before = fingerprint_plain(database)
    result = plain.test_cli_runner().invoke(
        args=["encrypt-db", "--keep-plain", "--passphrase-stdin"], input=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    kept = convert.plain_copy_path(database)
    assert fingerprint_plain(kept) == before


HOLDER = """
import sys, time
from monitor.db import connect
db = connect(sys.argv[1])
db.execute("SELECT count(*) FROM user").fetchone()
print("open", flush=True)
time.sleep(60)
"""


def test_encrypt_db_refuses_while_a_server_has_the_database_open(plain):
    database = plain.config["DATABASE"]
    before = fingerprint_plain(database)
    server = subprocess.Popen([sys.executable, "-c", HOLDER, database], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "open"
        result = plain.test_cli_runner().invoke(
            args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n"
        )
    finally:
        server.kill()
        server.wait()
        server.stdout.close()
    assert result.exit_code == 1 and "stop the server" in result.output
    assert keys.is_plain_file(database) and not keys.is_encrypted(database)
    assert fingerprint_plain(database) == before
    assert not os.path.exists(f"{database}.encrypting")


def test_encrypt_db_refuses_an_encrypted_installation(plain):
    runner = plain.test_cli_runner()
    assert runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n").exit_code == 0
    again = runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n")
    assert again.exit_code == 1 and "already encrypted" in again.output


def test_rekey_then_only_the_new_passphrase_opens_it(plain):
    database = plain.config["DATABASE"]
    runner = plain.test_cli_runner()
    assert runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n").exit_code == 0
    keys.forget(database)
    old_salt = keys.read_settings(keys.path_for(database))["salt"]
    before = fingerprint_encrypted(database)
    wrong = runner.invoke(args=["rekey", "--passphrase-stdin"], input=f"not it at all\n{NEW_PASSPHRASE}\n")
    assert wrong.exit_code == 1 and "Wrong passphrase" in wrong.output
    result = runner.invoke(args=["rekey", "--passphrase-stdin"], input=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n")
    assert result.exit_code == 0, result.output
    keys.forget(database)
    assert keys.read_settings(keys.path_for(database))["salt"] != old_salt
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock(database, PASSPHRASE)
    assert fingerprint_encrypted(database, NEW_PASSPHRASE) == before
    assert not os.path.exists(keys.path_for(database) + ".next")


def test_a_rekey_cut_off_before_the_vault_file_moved_is_finished_by_the_next_unlock(plain):
    """The process died after PRAGMA rekey but before the new vault file replaced the old one."""
    database = plain.config["DATABASE"]
    runner = plain.test_cli_runner()
    assert runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n").exit_code == 0
    key = keys.key_for(database)
    settings, new_key = keys.new_settings(NEW_PASSPHRASE, FAST_KDF)
    vault = keys.path_for(database)
    keys.write_settings(vault + ".next", settings)
    conn = keys.open_with_key(database, key)
    conn.execute(keys.key_pragma(new_key, "rekey"))
    conn.close()
    keys.forget(database)
    with pytest.raises(keys.VaultError):
        keys.unlock(database, PASSPHRASE)  # the old passphrase's key no longer opens the file
    keys.unlock(database, NEW_PASSPHRASE)
    assert not os.path.exists(vault + ".next")
    assert keys.read_settings(vault)["salt"] == settings["salt"]


def test_rekey_refuses_while_a_server_process_holds_the_key(plain):
    database = plain.config["DATABASE"]
    runner = plain.test_cli_runner()
    assert runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n").exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from monitor.vault import keys; keys.claim(sys.argv[1]); "
            "print('held', flush=True); time.sleep(30)",
            database,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = runner.invoke(
            args=["rekey", "--passphrase-stdin"], input=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n"
        )
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert result.exit_code == 1 and "lock the app or stop the server" in result.output
    keys.forget(database)
    keys.unlock(database, PASSPHRASE)


def test_audit_verify_and_backup_ask_for_the_passphrase(plain, tmp_path):
    database = plain.config["DATABASE"]
    runner = plain.test_cli_runner()
    assert runner.invoke(args=["encrypt-db", "--passphrase-stdin"], input=PASSPHRASE + "\n").exit_code == 0
    keys.forget(database)
    refused = runner.invoke(args=["audit-verify", "--passphrase-stdin"], input="wrong passphrase!\n")
    assert refused.exit_code == 1 and "Wrong passphrase" in refused.output
    keys.forget(database)
    prompted = runner.invoke(args=["audit-verify"], input=PASSPHRASE + "\n")
    assert prompted.exit_code == 0 and "Passphrase for" in prompted.output
    keys.forget(database)
    target = tmp_path / "copy.sqlite"
    backup = runner.invoke(args=["backup", str(target), "--passphrase-stdin"], input=PASSPHRASE + "\n")
    assert backup.exit_code == 0, backup.output
    assert "copy.vault.json" in backup.output
    assert not keys.is_plain_file(str(target))
    keys.forget(database)
    assert fingerprint_encrypted(str(target))["witness"] == fingerprint_encrypted(database)["witness"]


@pytest.mark.parametrize("command", ["encrypt-db", "rekey", "init-db"])
def test_the_vault_commands_explain_themselves(plain, command):
    result = plain.test_cli_runner().invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("\n\n")[1].strip()) > 20
    assert "--passphrase-stdin" in result.output
