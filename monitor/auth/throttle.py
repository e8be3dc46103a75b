"""Login throttling kept in SQLite, so every server process sees the same counts.

A password is only checked after a slot was reserved for it: :func:`reserve` counts the failures of the
last minute and records the attempt in one ``BEGIN IMMEDIATE`` transaction, so parallel attempts (any
number of them, on any process) cannot all pass the count before any of them is recorded. A successful
attempt gives its slot back (:func:`release`).
"""

import time

from sqlite_utils import Database

from ..db import atomic

WINDOW_SECONDS = 60
KEEP_SECONDS = 24 * 3600


def _counts(db: Database, username: str, address: str, since: float, up_to: int | None = None) -> dict:
    """Failures since ``since`` for this account and for this address (up to row ``up_to`` if given)."""
    last = "AND id <= :up_to" if up_to is not None else ""
    return next(
        db.query(
            f"""
            SELECT
              (SELECT count(*) FROM login_failure WHERE username = :u AND at > :since {last}) AS by_account,
              (SELECT count(*) FROM login_failure WHERE address = :a AND at > :since {last}) AS by_address
            """,  # noqa: S608 (a constant condition, values as parameters)
            {"u": username.lower(), "a": address, "since": since, "up_to": up_to},
        )
    )


def is_throttled(db: Database, username: str, address: str, limit: int, now: float | None = None) -> bool:
    """True once ``limit`` failures were recorded in the last minute for this account or address."""
    row = _counts(db, username, address, (now or time.time()) - WINDOW_SECONDS)
    return row["by_account"] >= limit or row["by_address"] >= limit


def record_failure(db: Database, username: str, address: str, now: float | None = None) -> int:
    """Count one failed sign-in; forget failures older than a day. Returns the failure's row id."""
    now = now or time.time()
    with atomic(db):
        failure = {"at": now, "username": username.lower(), "address": address}
        row_id = db.table("login_failure").insert(failure).last_pk
        if row_id is None:
            raise RuntimeError("SQLite gave no row id for a failed sign-in")
        db.execute("DELETE FROM login_failure WHERE at < ?", [now - KEEP_SECONDS])
    return row_id


def reserve(db: Database, username: str, address: str, limit: int, now: float | None = None) -> int | None:
    """Count and record one attempt in one write transaction: its row id, or None when throttled.

    The attempt counts as a failure until :func:`release` gives the slot back."""
    with atomic(db):
        if is_throttled(db, username, address, limit, now):
            return None
        return record_failure(db, username, address, now)


def release(db: Database, reservation: int) -> None:
    """The attempt succeeded: it no longer counts as a failure."""
    with atomic(db):
        db.execute("DELETE FROM login_failure WHERE id = ?", [reservation])


def fills_last_slot(db: Database, reservation: int, limit: int) -> bool:
    """True when this failure is the one that starts the throttle (the ``limit``-th of the minute), so
    exactly one audit row says the throttle started, however many attempts it then turns away."""
    row = next(db.query("SELECT * FROM login_failure WHERE id = ?", [reservation]), None)
    if row is None:
        return False
    counts = _counts(db, row["username"], row["address"], row["at"] - WINDOW_SECONDS, up_to=reservation)
    return counts["by_account"] == limit or counts["by_address"] == limit
