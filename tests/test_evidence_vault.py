"""On an encrypted installation an evidence file's bytes are nowhere on disk in clear — not in the
database, its WAL or a backup — and come back whole once unlocked; on a plain one a grep finds them (so the
grep would find them if they leaked)."""

import os

from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.evidence import records as evidence
from monitor.vault import keys
from tests.conftest import login, make_app, post, setup_trial
from tests.vault_util import PASSPHRASE, make_vault_app, unlocked

# A text file and a PDF that carry a name: found by a grep of the raw bytes if they were in clear.
NAME = "Ormund Thistlegrave, born 1979, detained at Kestrel police station"
TEXT = f"Medical report\n{NAME}\nbruises on both wrists\n".encode()
SECRETS = [NAME.encode(), b"bruises on both wrists"]


def raw_hits(folder) -> dict[str, list[bytes]]:
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


def attach_and_back_up(app, folder):
    setup = setup_trial(app, defendants=1)
    client = app.test_client()
    login(client, "oleg")
    import io

    response = post(
        client,
        f"/evidence/defendant/{setup['defendants'][0]['uuid']}",
        {"file": (io.BytesIO(TEXT), "medical report.txt"), "source": "family"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    backup = folder / "backups" / "laptop.sqlite"
    backup.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(backup)], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    return backup


def test_a_plain_installation_shows_the_file_to_a_grep(tmp_path):
    app = make_app(tmp_path)
    attach_and_back_up(app, tmp_path)
    hits = raw_hits(tmp_path)
    assert any(NAME.encode() in found for found in hits.values())


def test_an_encrypted_installation_keeps_no_clear_copy_of_the_file_anywhere(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    database = app.config["DATABASE"]
    held = connect(database)  # a connection open: the WAL is not checkpointed away
    try:
        backup = attach_and_back_up(app, tmp_path)
        assert os.path.getsize(database + "-wal") > 0, "the file should still be in the WAL"
        assert raw_hits(tmp_path) == {}
        row = next(held.query("SELECT * FROM evidence"))
        assert evidence.content(held, row) == TEXT  # unlocked, it is whole
    finally:
        held.close()
        keys.forget(database)
    assert raw_hits(tmp_path) == {}  # after the WAL was checkpointed into the database too
    key = keys.unlock(str(backup), PASSPHRASE)  # the backup carries the file, encrypted
    copy = keys.open_with_key(str(backup), key)
    try:
        assert bytes(copy.execute("SELECT content FROM evidence_blob").fetchone()[0]) == TEXT
    finally:
        copy.close()
        keys.forget(str(backup))


def test_audit_verify_checks_the_files_of_an_encrypted_installation(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    setup = setup_trial(app, defendants=1)
    db = connect(app.config["DATABASE"])
    try:
        oleg = users.get_by_username(db, "oleg")
        target = next(db.query("SELECT * FROM defendant WHERE uuid = ?", [setup["defendants"][0]["uuid"]]))
        evidence.attach(
            db, Actor(name="t"), oleg, "defendant", target, filename="r.txt", data=TEXT, max_bytes=1 << 20
        )
        db.execute("UPDATE evidence_blob SET content = ?", [TEXT.replace(b"both", b"one")])
        db.conn.commit()
    finally:
        db.close()
    keys.forget(app.config["DATABASE"])
    result = app.test_cli_runner().invoke(
        args=["audit-verify", "--passphrase-stdin"], input=PASSPHRASE + "\n"
    )
    assert result.exit_code == 1
    assert "Evidence bytes changed" in result.output and "r.txt" in result.output
