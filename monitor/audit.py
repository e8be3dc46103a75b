"""The append-only, hash-chained audit log.

Every row stores the SHA-256 of the row before it (``prev_hash``) and of its own canonical JSON
(``hash``), so changing, removing or reordering any row breaks the chain from that row on. SQLite
triggers (see the migrations) refuse UPDATE and DELETE on the table. Appending reads the last hash
and inserts inside one ``BEGIN IMMEDIATE`` transaction, so concurrent writers cannot fork the chain.

The chain cannot show that its end was cut off, or that someone with the file rewrote and re-chained it:
``anchors.py`` writes the head outside the database, and ``audit-verify`` checks against it.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .db import atomic, insert_row, utcnow

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "actor_uuid",
    "actor_name",
    "address",
    "action",
    "record_type",
    "record_uuid",
    "before",
    "after",
    "prev_hash",
)


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where: the 'who' of every audit row."""

    uuid: str | None = None
    name: str | None = None
    address: str | None = None


SYSTEM = Actor(name="system")


# One encoder for every call: ``json.dumps`` with these options builds a new encoder each time, which cost
# more than the encoding of an audit row (verify, every audit entry written, every import).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(value)


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical_json({k: row[k] for k in HASHED_FIELDS}).encode()).hexdigest()


def record(
    db: Database,
    action: str,
    actor: Actor = SYSTEM,
    *,
    record_type: str | None = None,
    record_uuid: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> dict:
    """Append one entry to the chain (inside the caller's transaction when there is one)."""
    if not db.conn.in_transaction:
        with atomic(db):
            return record(
                db,
                action,
                actor,
                record_type=record_type,
                record_uuid=record_uuid,
                before=before,
                after=after,
            )
    # Inside a transaction (``BEGIN IMMEDIATE`` holds the write lock): no other writer can come between the
    # read of the last entry and this insert, and one INSERT needs no savepoint of its own.
    last = next(db.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1"), None)
    row = {
        "id": (last["id"] + 1) if last else 1,
        "at": utcnow(),
        "actor_uuid": actor.uuid,
        "actor_name": actor.name,
        "address": actor.address,
        "action": action,
        "record_type": record_type,
        "record_uuid": record_uuid,
        "before": None if before is None else canonical_json(before),
        "after": None if after is None else canonical_json(after),
        "prev_hash": last["hash"] if last else GENESIS,
    }
    row["hash"] = row_hash(row)
    insert_row(db, "audit", row)
    return row


# Why a row breaks the chain: code → English text for the command line (the page translates the codes).
REASONS = {
    "missing": "the row before it is missing",
    "order": "it does not follow the row before it",
    "changed": "its content was changed",
}


@dataclass
class Verification:
    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""
    head: str = GENESIS


def verify(db: Database) -> Verification:
    """Walk the chain from the first row; stop at the first row that does not fit."""
    previous, expected_id, count = GENESIS, 1, 0
    columns = ", ".join(HASHED_FIELDS)  # constant column names, no user input
    # tuples straight from the connection: the walk reads every row of the log, for every report
    for values in db.conn.execute(f"SELECT {columns}, hash FROM audit ORDER BY id"):  # noqa: S608
        row = dict(zip(HASHED_FIELDS, values[:-1], strict=True))
        if row["id"] != expected_id:
            return Verification(False, count, row["id"], "missing", previous)
        if row["prev_hash"] != previous:
            return Verification(False, count, row["id"], "order", previous)
        if hashlib.sha256(canonical_json(row).encode()).hexdigest() != values[-1]:
            return Verification(False, count, row["id"], "changed", previous)
        previous, expected_id, count = values[-1], expected_id + 1, count + 1
    return Verification(True, count, head=previous)


def recent(db: Database, limit: int = 200, before_id: int | None = None) -> list[dict]:
    """The newest entries first, for the administrator's audit page."""
    where, params = ("WHERE id < ?", [before_id]) if before_id else ("", [])
    sql = f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT {int(limit)}"  # noqa: S608 (no user text)
    return list(db.query(sql, params))
