"""The data layer: connection settings, transactions and migrations."""

import sqlite3
import threading

import pytest

from monitor.db import atomic, connect
from monitor.migrations import migrations
from monitor.schema import init_db


def test_every_connection_has_the_safety_pragmas(app):
    db = connect(app.config["DATABASE"])
    pragmas = {
        p: db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("foreign_keys", "busy_timeout", "synchronous")
    }
    assert pragmas == {"foreign_keys": 1, "busy_timeout": 10_000, "synchronous": 2}  # 2 = FULL
    db.close()


def test_request_connection_has_the_pragmas_too(app):
    from monitor.db import get_db

    with app.test_request_context():
        db = get_db()
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert get_db() is db  # one connection per request


def test_init_db_enables_wal_and_is_safe_to_run_twice(tmp_path):
    path = str(tmp_path / "fresh.sqlite")
    applied = init_db(path)
    assert applied == [m.name for m in migrations._migrations]
    assert init_db(path) == []
    db = connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"user", "audit", "login_failure"} <= set(db.table_names())
    db.close()


def test_init_db_command_reports_what_it_did(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_atomic_rolls_back_everything_when_the_block_fails(db):
    db.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(ZeroDivisionError), atomic(db):
        db["t"].insert({"x": 1})
        db["t"].insert({"x": 2})
        1 / 0  # noqa: B018
    assert db["t"].count == 0


def test_atomic_takes_the_write_lock_up_front(app, db):
    """BEGIN IMMEDIATE: a second writer waits instead of failing halfway through its transaction."""
    other = sqlite3.connect(app.config["DATABASE"], timeout=0)
    with atomic(db), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()


def test_nested_atomic_blocks_use_savepoints(db):
    db.execute("CREATE TABLE t (x INTEGER)")
    with atomic(db):
        db["t"].insert({"x": 1})
        with pytest.raises(ValueError), atomic(db):
            db["t"].insert({"x": 2})
            raise ValueError
    assert [r["x"] for r in db["t"].rows] == [1]


def test_concurrent_writers_all_succeed(app):
    def write(n):
        handle = connect(app.config["DATABASE"])
        for i in range(20):
            with atomic(handle):
                handle.execute("INSERT INTO t VALUES (?)", [n * 100 + i])
        handle.close()

    setup = connect(app.config["DATABASE"])
    setup.execute("CREATE TABLE t (x INTEGER)")
    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert setup["t"].count == 80
    setup.close()
