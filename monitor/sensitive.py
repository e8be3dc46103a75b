"""Sensitive fields: which they are, the keyed hash the audit log keeps instead of them, and withholding.

The fields the hearing's field specs mark ``sensitive`` — an anonymous witness's identity, the
perpetrators an allegation names — never enter the audit log in clear. The log keeps
``hmac-sha256:<hex>``: an HMAC-SHA256 of the value under a key made for this installation and kept in
its instance folder (``audit.key``, owner-only; no export, bundle or backup carries it). Equal values
give equal hashes, so the log still shows that a value changed or came back; without the key a guessed
name cannot be checked against the log (a plain SHA-256 of a name can: try the names).

Who may *receive* these values is decided in :mod:`monitor.permissions`; this module only knows which
fields they are and how to take them out of a record, a hearing snapshot or an audit entry.
"""

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from functools import cache

from flask import current_app, has_app_context
from sqlite_utils import Database

from . import private_files

KEY_FILE = "audit.key"
PREFIX = "hmac-sha256:"
# Columns holding a whole hearing as JSON (a kept revision): their sections name the record types inside.
SNAPSHOTS = {("hearing_revision", "snapshot")}
SECTIONS = {"hearing": "hearing", "witnesses": "witness", "allegations": "allegation"}
# A witness's identity is only protected while the witness is anonymous (the gate's rule).
ONLY_IF_ANONYMOUS = {("witness", "identity")}

_keys: dict[str, bytes] = {}


@cache
def fields() -> dict[str, frozenset[str]]:
    """Record type → its sensitive fields, from the field specs (``sensitive=True``)."""
    from .observe.fields import TARGETS  # the specs are plain data; imported late to keep layers apart

    return {
        table: frozenset(name for name, spec in specs.items() if spec.sensitive)
        for table, specs in TARGETS.items()
        if any(spec.sensitive for spec in specs.values())
    }


def names() -> frozenset[str]:
    """Every sensitive field name, whatever the record type ("identity", "perpetrators")."""
    return frozenset().union(*fields().values())


# The key and the hash -------------------------------------------------------------------------------


def _instance_folder(db: Database) -> str:
    """The app's instance folder; outside the app (a script on the database file), the file's folder."""
    if has_app_context():
        return current_app.instance_path
    path = db.execute("PRAGMA database_list").fetchone()[2]
    if not path:
        raise RuntimeError("an in-memory database has no instance folder for the audit key")
    return os.path.dirname(os.path.abspath(path))


def key_path(folder: str) -> str:
    return os.path.join(folder, KEY_FILE)


def audit_key(db: Database) -> bytes:
    """This installation's audit key, made on first use: 32 random bytes, owner-only, never exported."""
    folder = _instance_folder(db)
    if folder not in _keys:
        path = key_path(folder)
        if not os.path.exists(path):
            _create_key(path)
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
        if len(text) != 64:
            raise RuntimeError(f"{path} is damaged: it should hold 64 hexadecimal characters")
        _keys[folder] = bytes.fromhex(text)
    return _keys[folder]


def _create_key(path: str) -> None:
    """Write the key whole before it appears under its name, so a second process never reads half of it."""
    private_files.create_once(path, secrets.token_hex(32))  # another process's, if first, is kept


def keyed_hash(db: Database, value) -> str:
    """``hmac-sha256:<hex>`` of a value under this installation's key ('' and None stay as they are)."""
    if value in ("", None):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return PREFIX + hmac.new(audit_key(db), text.encode(), hashlib.sha256).hexdigest()


# What the audit log keeps ---------------------------------------------------------------------------


def for_audit(db: Database, table: str, values: dict) -> dict:
    """A record's values as the audit log may keep them: sensitive fields (also inside a kept hearing
    snapshot) replaced by their keyed hash. Every sensitive field is hashed, anonymous or not."""
    sensitive = fields().get(table, frozenset())
    kept = {}
    for name, value in values.items():
        if name in sensitive:
            value = keyed_hash(db, value)
        elif (table, name) in SNAPSHOTS and isinstance(value, str) and value:
            value = snapshot_text(map_snapshot(value, lambda t, _u, record: _hash_record(db, t, record)))
        kept[name] = value
    return kept


def _hash_record(db: Database, table: str, record: dict) -> None:
    for name in fields().get(table, ()):
        if name in record:
            record[name] = keyed_hash(db, record[name])


def snapshot_text(snapshot: dict) -> str:
    """A hearing snapshot as the revision stores it (sorted keys, UTF-8 kept)."""
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def map_snapshot(snapshot: str | dict, change: Callable[[str, str | None, dict], None]) -> dict:
    """A copy of a hearing snapshot (its JSON text or the dict) with ``change(table, uuid, record)``
    applied to the hearing and to every witness and allegation in it (``uuid`` None for the hearing)."""
    data = json.loads(snapshot) if isinstance(snapshot, str) else json.loads(json.dumps(snapshot))
    if not isinstance(data, dict):
        return data
    for section, table in SECTIONS.items():
        part = data.get(section)
        if not isinstance(part, dict):
            continue
        if section == "hearing":
            change(table, None, part)
            continue
        for record_uuid, record in part.items():
            if isinstance(record, dict):
                change(table, record_uuid, record)
    return data


def withheld_from(table: str, record: dict) -> list[str]:
    """The sensitive fields of this record that a reader without the right must not get (those with
    a value; a witness's identity only while the witness is anonymous)."""
    found = []
    for name in sorted(fields().get(table, ())):
        if not record.get(name):
            continue
        if (table, name) in ONLY_IF_ANONYMOUS and not record.get("anonymous"):
            continue
        found.append(name)
    return found


def carries_clear_value(entry: dict) -> bool:
    """Whether an audit entry's before/after holds a sensitive value that is not keyed-hashed: an entry
    written before keyed hashes (clear, or a plain SHA-256 a guessed name can be checked against)."""
    sensitive = names()

    def clear(value, key: str = "") -> bool:
        if isinstance(value, dict):
            return any(clear(v, str(k)) for k, v in value.items())
        if isinstance(value, list):
            return any(clear(v) for v in value)
        if not isinstance(value, str) or not value:
            return False
        # a hearing's autosave names a field "witness:<uuid>:identity"
        if key.rsplit(":", 1)[-1] in sensitive and not value.startswith(PREFIX):
            return True
        if value[0] in "{[":  # a snapshot kept as JSON text
            try:
                return clear(json.loads(value))
            except ValueError:
                return False
        return False

    for side in ("before", "after"):
        value = entry.get(side)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if clear(value):
            return True
    return False


def masked_entry(db: Database, entry: dict) -> dict:
    """An audit entry as a page may show it: a sensitive value an older entry keeps in clear (or as a
    plain SHA-256) shown as its keyed hash. The stored row is never changed (the chain and the triggers
    forbid it); only what is shown is. Entries written since keyed hashes came are returned unchanged."""
    if not carries_clear_value(entry):
        return entry
    sensitive = names()

    def mask(value, key: str = ""):
        if isinstance(value, dict):
            return {k: mask(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        if not isinstance(value, str) or not value:
            return value
        if key.rsplit(":", 1)[-1] in sensitive and not value.startswith(PREFIX):
            return keyed_hash(db, value)
        if value[0] in "{[":
            try:
                return json.dumps(mask(json.loads(value)), ensure_ascii=False, sort_keys=True)
            except ValueError:
                return value
        return value

    shown = dict(entry)
    for side in ("before", "after"):
        if isinstance(entry.get(side), str):
            with contextlib.suppress(ValueError):
                shown[side] = json.dumps(mask(json.loads(entry[side])), ensure_ascii=False, sort_keys=True)
    return shown
