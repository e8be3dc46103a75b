"""The only module that opens database connections.

One connection per request (stored on ``g``), with the PRAGMAs every connection needs; writes that
belong together go through :func:`atomic`, which takes the write lock up front (``BEGIN IMMEDIATE``)
so two server processes never deadlock halfway through a transaction.
"""

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from .vault import keys

BUSY_TIMEOUT_MS = 10_000
# What a connection may raise: the standard library's sqlite3 (plain installations) or SQLCipher's.
ERRORS = (sqlite3.Error, *keys.ERRORS)
INTEGRITY_ERRORS = (sqlite3.IntegrityError, keys.sqlcipher3.IntegrityError)


def connect(path: str) -> Database:
    """Open ``path`` with foreign keys on, a busy timeout and fully synchronous commits.

    An encrypted installation's database opens with the key held in memory (:mod:`monitor.vault.keys`);
    while it is locked this raises :class:`monitor.vault.keys.Locked`."""
    if keys.is_encrypted(path):
        conn = keys.open_connection(path, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA synchronous = FULL")
    return db


_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}
_PLAIN = (str, int, float, bytes, type(None))  # written as they are


def insert_row(db: Database, table: str, row: dict) -> int:
    """Insert one row as sqlite-utils' ``Table.insert`` writes it (dicts and lists as JSON, dates as ISO
    text) and return its rowid — without the schema look-ups that method makes on every call, which cost
    more than the insert itself on the hot paths (every record, every audit entry, every imported row).

    ``table`` and the row's keys are the caller's own names (never input); the table must exist."""
    columns = tuple(row)
    sql = _INSERTS.get((table, columns))
    if sql is None:
        names = ", ".join(f"[{c}]" for c in columns)
        sql = f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        _INSERTS[(table, columns)] = sql
    cursor = db.conn.execute(sql, [v if type(v) in _PLAIN else jsonify_if_needed(v) for v in row.values()])
    return cursor.lastrowid or 0


def get_db() -> Database:
    """The current request's connection, opened on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.rollback()  # a request that failed mid-write leaves nothing half-done
        db.close()


@contextlib.contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """Run the block as one ``BEGIN IMMEDIATE`` transaction (a savepoint when already inside one)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        _before_commit(db)
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def _before_commit(db: Database) -> None:
    """What must commit with the transaction's writes: the findings counts they changed (issue #16)."""
    from .findings.summary import upkeep

    upkeep(db)


def utcnow() -> str:
    """Now, as the UTC ISO-8601 text every table stores (second precision is too coarse for notes)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
