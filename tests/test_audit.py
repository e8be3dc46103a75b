"""The hash-chained, append-only audit log."""

import sqlite3
import threading
from pathlib import Path

import pytest

from monitor import audit
from monitor.audit import Actor
from monitor.db import connect
from tests.conftest import make_user


def test_each_row_carries_the_hash_of_the_one_before(db):
    first = audit.record(db, "test.one", Actor(name="ann"), record_uuid="u1", after={"a": 1})
    second = audit.record(db, "test.two", Actor(name="ann"), before={"a": 1}, after={"a": 2})
    assert first["prev_hash"] == audit.GENESIS
    assert second["prev_hash"] == first["hash"]
    result = audit.verify(db)
    assert result.ok and result.rows == 2 and result.head == second["hash"]


@pytest.mark.parametrize("statement", ["UPDATE audit SET action = 'x'", "DELETE FROM audit"])
def test_the_table_refuses_update_and_delete(db, statement):
    audit.record(db, "test.entry")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)
    assert audit.verify(db).ok


def test_audit_verify_names_the_row_whose_bytes_were_changed(app, runner):
    """Flip one byte of one row in the database file itself, as someone with the file could."""
    db = connect(app.config["DATABASE"])
    for n in range(5):
        audit.record(db, "test.entry", Actor(name=f"witness-marker-{n}"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert runner.invoke(args=["audit-verify"]).exit_code == 0

    path = app.config["DATABASE"]
    data = bytearray(Path(path).read_bytes())
    at = data.find(b"witness-marker-3")
    assert at > 0 and data.count(b"witness-marker-3") == 1
    data[at] = ord("W")
    Path(path).write_bytes(bytes(data))

    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "BROKEN at row 4" in result.output
    assert "changed" in result.output


def test_a_removed_row_is_detected(db):
    for n in range(3):
        audit.record(db, f"test.{n}")
    db.execute("DROP TRIGGER audit_no_delete")  # what an attacker with the file could do
    db.execute("DELETE FROM audit WHERE id = 2")
    result = audit.verify(db)
    assert not result.ok and result.first_bad_id == 3 and result.reason == "missing"


def test_concurrent_writers_keep_one_unbroken_chain(app):
    def write(n):
        handle = connect(app.config["DATABASE"])
        for i in range(15):
            audit.record(handle, "test.concurrent", Actor(name=f"writer {n}"), after={"i": i})
        handle.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db = connect(app.config["DATABASE"])
    result = audit.verify(db)
    assert result.ok and result.rows == 60
    db.close()


def test_account_changes_are_audited_without_the_password_hash(app, db):
    user = make_user(app, "auditee")
    row = next(db.query("SELECT * FROM audit WHERE action = 'user.create'"))
    assert row["record_uuid"] == user["uuid"]
    assert "password" not in row["after"] and user["password_hash"] not in row["after"]
    assert "auditee" in row["after"]
