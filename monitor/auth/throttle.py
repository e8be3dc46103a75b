"""Login throttling kept in SQLite, so every server process sees the same counts."""

import time

from sqlite_utils import Database

from ..db import atomic

WINDOW_SECONDS = 60
KEEP_SECONDS = 24 * 3600


def is_throttled(db: Database, username: str, address: str, limit: int, now: float | None = None) -> bool:
    """True once ``limit`` failures were recorded in the last minute for this account or address."""
    since = (now or time.time()) - WINDOW_SECONDS
    row = next(
        db.query(
            """
            SELECT
              (SELECT count(*) FROM login_failure WHERE username = :u AND at > :since) AS by_account,
              (SELECT count(*) FROM login_failure WHERE address = :a AND at > :since) AS by_address
            """,
            {"u": username.lower(), "a": address, "since": since},
        )
    )
    return row["by_account"] >= limit or row["by_address"] >= limit


def record_failure(db: Database, username: str, address: str, now: float | None = None) -> None:
    """Count one failed sign-in; forget failures older than a day."""
    now = now or time.time()
    with atomic(db):
        db["login_failure"].insert({"at": now, "username": username.lower(), "address": address})
        db.execute("DELETE FROM login_failure WHERE at < ?", [now - KEEP_SECONDS])
