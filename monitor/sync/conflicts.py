"""The conflict queue: a record changed on two machines waits here until a lead chooses, field by field.

Nothing is overwritten when a conflict is found. The lead sees both versions side by side and picks,
for every field that differs, the version here or the incoming one (or all of one side); the merged
record is written as a new version, and the choice is audited. Answers and presence of a hearing are
fields of their own, so two observers' answers can be merged one question at a time.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from .. import audit, records
from ..audit import Actor
from ..cases.records import keep_earlier
from ..db import atomic, utcnow
from .content import KINDS, Reader, content_hash, label
from .importer import installed_checklist, write_over

SIDES = ("local", "incoming")


class ConflictError(ValueError):
    """The resolution cannot be applied (already resolved, or the record changed since); says why."""


def open_conflicts(db: Database, mission_ids: list[int] | None) -> list[dict]:
    """Open conflicts, oldest first; only in these missions unless ``mission_ids`` is None (administrator)."""
    where, params = "sync_conflict.status = 'open'", []
    if mission_ids is not None:
        where += f" AND sync_conflict.mission_id IN ({','.join('?' * len(mission_ids)) or 'NULL'})"
        params = mission_ids
    return list(
        db.query(
            "SELECT sync_conflict.*, mission.name AS mission_name, mission.uuid AS mission_uuid "  # noqa: S608 (placeholders only)
            f"FROM sync_conflict LEFT JOIN mission ON mission.id = sync_conflict.mission_id WHERE {where} "
            "ORDER BY sync_conflict.id",
            params,
        )
    )


def get(db: Database, conflict_uuid: str) -> dict | None:
    return records.get(db, "sync_conflict", conflict_uuid)


def flatten(content: dict) -> dict[str, Any]:
    """A record's content as ``field → value``; a hearing's presence and answers one entry each."""
    flat: dict[str, Any] = {}  # JSON values
    for key, value in content.items():
        if key == "presence":
            flat.update({f"presence/{uuid}": present for uuid, present in value.items()})
        elif key == "answers":
            flat.update({f"answers/{a[0]}|{a[1]}": list(a[2:]) for a in value})
        else:
            flat[key] = value
    return flat


def unflatten(flat: dict[str, Any]) -> dict:
    content: dict = {}
    presence, answers = {}, []
    for key, value in flat.items():
        if key.startswith("presence/"):
            presence[key.removeprefix("presence/")] = value
        elif key.startswith("answers/"):
            subject, _bar, item = key.removeprefix("answers/").partition("|")
            answers.append([subject, item, *value])
        else:
            content[key] = value
    if "observer_uuid" in content:  # a hearing
        content["presence"] = dict(sorted(presence.items()))
        content["answers"] = sorted(answers, key=lambda a: (a[0], a[1]))
    return content


def title(conflict: dict) -> str:
    """The record's name as it is here (a defendant's name, a hearing's date…)."""
    return label(conflict["record_type"], sides(conflict)[0])


def sides(conflict: dict) -> tuple[dict, dict]:
    return json.loads(conflict["local"]), json.loads(conflict["incoming"])


def differing(conflict: dict) -> list[dict]:
    """The fields that differ: ``{"field", "local", "incoming"}`` (a missing answer is ``None``)."""
    local, incoming = (flatten(side) for side in sides(conflict))
    return [
        {"field": key, "local": local.get(key), "incoming": incoming.get(key)}
        for key in sorted(set(local) | set(incoming))
        if local.get(key) != incoming.get(key)
    ]


def resolve(
    db: Database,
    actor: Actor,
    user: dict,
    conflict: dict,
    choices: dict[str, str],
    checklist_for: Callable = installed_checklist,
) -> dict:
    """Write the merged record (``choices``: field → 'local' | 'incoming' for every differing field)."""
    fields = differing(conflict)
    missing = [f["field"] for f in fields if choices.get(f["field"]) not in SIDES]
    if missing:
        raise ConflictError(f"Choose a version for every field that differs ({len(missing)} left).")
    kind = KINDS[conflict["record_type"]]
    with atomic(db):
        current = records.existing(db, "sync_conflict", conflict["id"])
        if current["status"] != "open":
            raise ConflictError("This conflict was already resolved.")
        local_row = records.get(db, kind.name, conflict["record_uuid"])
        # removed here since (a witness or allegation taken off its draft hearing) is a change too
        if local_row is None or content_hash(Reader(db).content(kind, local_row)) != conflict["local_hash"]:
            raise ConflictError(
                "The record changed here after the conflict was found; it needs a fresh look. "
                "Reload the page."
            )
        local, incoming = (flatten(side) for side in sides(conflict))
        merged = dict(local)
        for field in fields:
            if choices[field["field"]] == "incoming":
                if field["incoming"] is None:
                    merged.pop(field["field"], None)
                else:
                    merged[field["field"]] = field["incoming"]
            elif field["local"] is None:
                merged.pop(field["field"], None)
        content = unflatten(merged)
        result_hash = content_hash(content)
        if result_hash != conflict["local_hash"]:
            if kind.name == "case_fact" and (local_row["value"] or local_row["note"]):
                keep_earlier(db, actor, local_row, user["id"], "sync conflict resolved")  # nothing lost
            write_over(db, user, actor, checklist_for, kind, local_row, content)
        db.execute(
            "INSERT OR IGNORE INTO sync_seen (uuid, hash) VALUES (?, ?)",
            [conflict["record_uuid"], conflict["incoming_hash"]],
        )
        taken = sorted(f["field"] for f in fields if choices[f["field"]] == "incoming")
        resolution = {"incoming_fields": taken, "local_fields": len(fields) - len(taken), "hash": result_hash}
        db.table("sync_conflict").update(
            current["id"],
            {
                "status": "resolved",
                "resolution": audit.canonical_json(resolution),
                "resolved_by": user["uuid"],
                "resolved_at": utcnow(),
            },
        )
        audit.record(
            db,
            "sync.resolve",
            actor,
            record_type=kind.name,
            record_uuid=conflict["record_uuid"],
            before={"hash": conflict["local_hash"], "incoming_hash": conflict["incoming_hash"]},
            after={"conflict": conflict["uuid"], **resolution},
        )
    return resolution


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def names(db: Database, conflict: dict) -> dict[str, str]:
    """Names for the uuids a conflict shows (defendants, accounts, witnesses), so a lead reads people."""
    found = json.dumps(sorted(set(UUID_TEXT.findall(conflict["local"] + conflict["incoming"]))))
    result = {}
    for table, column in (("defendant", "name"), ("user", "display_name"), ("witness", "label")):
        for row in db.query(
            f"SELECT uuid, [{column}] AS name FROM [{table}] "  # noqa: S608 (constant names)
            "WHERE uuid IN (SELECT value FROM json_each(?))",
            [found],
        ):
            result[row["uuid"]] = row["name"]
    return result
