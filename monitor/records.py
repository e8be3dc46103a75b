"""Records that travel between machines: uuid, timestamps, version, and an audit entry for every change.

Every area's data functions create and change their rows through :func:`insert` and :func:`update`, so
no write escapes the audit log and every change bumps ``version`` and ``updated_at`` the same way. The
audit entry keeps a keyed hash of every sensitive field (a witness's identity, named perpetrators, also
inside a kept hearing snapshot), never the value: see :mod:`monitor.sensitive`.
"""

import json
import uuid as uuidlib
from typing import Any

from sqlite_utils import Database

from . import audit, sensitive
from .audit import Actor
from .db import atomic, insert_row, utcnow

# Columns kept out of the audit log's before/after (bookkeeping, or recorded elsewhere).
NOT_AUDITED = {"id", "created_at", "updated_at", "version"}


def get(db: Database, table: str, record_uuid: str) -> dict | None:
    """One row by uuid (``table`` is always a constant from the caller, never user input)."""
    return _one(db, f"SELECT * FROM [{table}] WHERE uuid = ?", record_uuid)  # noqa: S608


def get_by_id(db: Database, table: str, row_id: int) -> dict | None:
    return _one(db, f"SELECT * FROM [{table}] WHERE id = ?", row_id)  # noqa: S608


def _one(db: Database, sql: str, key: object) -> dict | None:
    """The row as a dict, or None — read straight from the connection: these two look-ups run for every
    record written or imported, and ``Database.query`` parses each statement's text again."""
    cursor = db.conn.execute(sql, (key,))
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def existing(db: Database, table: str, row_id: int) -> dict:
    """A row the caller knows is there (just written, read inside the same transaction, or named by a
    foreign key): a missing one is a broken database, never a user's 404."""
    row = get_by_id(db, table, row_id)
    if row is None:
        raise LookupError(f"{table} {row_id} is missing where it must be")
    return row


def _audited(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in NOT_AUDITED}


def insert(
    db: Database, table: str, actor: Actor, fields: dict[str, Any], *, action: str | None = None
) -> dict:
    """Insert a new record with a fresh uuid; audit it as ``<table>.create``."""
    now = utcnow()
    row = {"uuid": str(uuidlib.uuid4()), "created_at": now, "updated_at": now, "version": 1, **fields}
    with atomic(db):
        row["id"] = insert_row(db, table, row)
        audit.record(
            db,
            action or f"{table}.create",
            actor,
            record_type=table,
            record_uuid=row["uuid"],
            after=sensitive.for_audit(db, table, _audited(row)),
        )
    return row


def update(
    db: Database, table: str, actor: Actor, row: dict, changes: dict[str, Any], *, action: str | None = None
) -> dict:
    """Apply the fields that really change; bump version; audit before/after of those fields only.

    ``row`` is re-read inside the transaction, so a concurrent writer's change is never lost silently.
    """
    with atomic(db):
        current = existing(db, table, row["id"])
        changed = {k: v for k, v in changes.items() if current[k] != v}
        if not changed:
            return current
        db.table(table).update(
            current["id"], {**changed, "updated_at": utcnow(), "version": current["version"] + 1}
        )
        audit.record(
            db,
            action or f"{table}.update",
            actor,
            record_type=table,
            record_uuid=current["uuid"],
            before=sensitive.for_audit(db, table, {k: current[k] for k in changed}),
            after=sensitive.for_audit(db, table, changed),
        )
        return existing(db, table, current["id"])


def as_list(value: str | None) -> list:
    """A JSON list column as a Python list ([] when empty or damaged)."""
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []
