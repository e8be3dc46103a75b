"""Hearings and everything recorded in them: presence, answers, witnesses, allegations, notes, reviews."""

import json
import uuid as uuidlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import audit, records, sensitive
from ..audit import Actor
from ..db import atomic, utcnow
from ..evidence import records as evidence
from ..witnesses import matching
from ..witnesses import records as witness_records
from . import fields, sittings

MAX_BATCH = 500  # changes in one autosave (page or API)
MAX_NOTE = 5000  # characters in one running note


def typed_at(value) -> str:
    """The client's typing time when it is plausible (within a day of the server's clock), else now."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if moment.tzinfo is None or abs(moment - datetime.now(UTC)) > timedelta(days=1):
            raise ValueError
    except ValueError:
        return utcnow()
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


EDITABLE = ("draft",)
LOCKED_MESSAGE = "this hearing is locked; start a correction first"


class HearingError(ValueError):
    """A change the rules refuse (e.g. editing a submitted hearing)."""


# Reading ------------------------------------------------------------------------------------------


def hearings_of_trial(db: Database, trial_id: int, observer_id: int | None = None) -> list[dict]:
    """A trial's hearings, newest first; only one observer's when ``observer_id`` is given."""
    where, params = (
        ("AND hearing.observer_id = ?", [trial_id, observer_id]) if observer_id else ("", [trial_id])
    )
    return list(
        db.query(
            f"""
            SELECT hearing.*, user.display_name AS observer_name FROM hearing
            JOIN user ON user.id = hearing.observer_id
            WHERE hearing.trial_id = ? {where} ORDER BY hearing_date DESC, hearing.id DESC
            """,  # noqa: S608 (fixed SQL pieces only)
            params,
        )
    )


STATUS_ORDER = (
    "CASE hearing.status WHEN 'returned' THEN 0 WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 ELSE 3 END"
)


def hearings_for_observer(db: Database, user_id: int, limit: int = 200) -> list[dict]:
    """An observer's hearings: returned first, then drafts, submitted, approved; newest first within."""
    return list(
        db.query(
            f"""
            SELECT hearing.*, trial.title AS trial_title, trial.uuid AS trial_uuid FROM hearing
            JOIN trial ON trial.id = hearing.trial_id
            WHERE hearing.observer_id = ?
            ORDER BY {STATUS_ORDER}, hearing_date DESC, hearing.id DESC LIMIT ?
            """,  # noqa: S608
            [user_id, limit],
        )
    )


def review_queue(db: Database, user: dict) -> list[dict]:
    """Submitted hearings in the missions this user leads (every mission for an administrator)."""
    member = (
        "AND trial.mission_id IN (SELECT mission_id FROM mission_member WHERE user_id = :u AND role = 'lead')"
    )
    if user["role"] == "admin":
        member = ""
    return list(
        db.query(
            f"""
            SELECT hearing.*, trial.title AS trial_title, trial.uuid AS trial_uuid,
                   mission.name AS mission_name, user.display_name AS observer_name
            FROM hearing JOIN trial ON trial.id = hearing.trial_id
            JOIN mission ON mission.id = trial.mission_id JOIN user ON user.id = hearing.observer_id
            WHERE hearing.status = 'submitted' {member}
            ORDER BY hearing.submitted_at
            """,  # noqa: S608
            {"u": user["id"]},
        )
    )


def presence(db: Database, hearing_id: int) -> list[dict]:
    """Every defendant of the trial with ``present`` for this hearing, in the trial's order."""
    return list(
        db.query(
            """
            SELECT defendant.*, coalesce(hearing_defendant.present, 0) AS present
            FROM hearing JOIN defendant ON defendant.trial_id = hearing.trial_id
            LEFT JOIN hearing_defendant ON hearing_defendant.hearing_id = hearing.id
                 AND hearing_defendant.defendant_id = defendant.id
            WHERE hearing.id = ? ORDER BY defendant.position, defendant.id
            """,
            [hearing_id],
        )
    )


def answers(db: Database, hearing_id: int) -> dict[tuple[str, str], dict]:
    rows = db.query("SELECT * FROM answer WHERE hearing_id = ?", [hearing_id])
    return {(row["subject_uuid"], row["item_key"]): row for row in rows}


def witnesses(db: Database, hearing_id: int) -> list[dict]:
    """The witnesses heard at this observation: each appearance (its uuid) with its person's fields."""
    return witness_records.appearances_of_hearing(db, hearing_id)


def persons_to_hear_again(db: Database, hearing: dict) -> list[dict]:
    """The trial's witness persons not yet heard at this observation, with the dates they were heard
    (label and dates only: never an identity)."""
    return [
        {"uuid": p["uuid"], "label": p["label"], "dates": [a["hearing_date"] for a in p["appearances"]]}
        for p in witness_records.persons_of_trial(db, hearing["trial_id"])
        if all(a["hearing_uuid"] != hearing["uuid"] for a in p["appearances"])
    ]


def allegations(db: Database, hearing_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM allegation WHERE hearing_id = ? ORDER BY id", [hearing_id]))


def notes(db: Database, hearing_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM note WHERE hearing_id = ? ORDER BY typed_at, id", [hearing_id]))


def reviews(db: Database, hearing_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT review.*, user.display_name AS reviewer_name FROM review
            JOIN user ON user.id = review.reviewer_id WHERE hearing_id = ? ORDER BY review.id
            """,
            [hearing_id],
        )
    )


def revisions(db: Database, hearing_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT hearing_revision.*, user.display_name AS author_name FROM hearing_revision
            JOIN user ON user.id = hearing_revision.author_id WHERE hearing_id = ? ORDER BY number
            """,
            [hearing_id],
        )
    )


def unanswered(hearing_answers: dict, present: list[dict], items: list) -> dict[str, int]:
    """For each present defendant (by uuid), how many defendant-scope items have no answer yet."""
    return {
        d["uuid"]: sum(1 for item in items if not hearing_answers.get((d["uuid"], item.key), {}).get("value"))
        for d in present
    }


# Writing ------------------------------------------------------------------------------------------


def start_hearing(
    db: Database,
    actor: Actor,
    trial: dict,
    mission: dict,
    observer: dict,
    hearing_date: str,
    session: int = 1,
) -> dict:
    """A new draft hearing (an observation of the sitting of that date and session, made if new),
    answered with the mission's checklist; every defendant marked present. Whether it joins a sitting
    already observed: :func:`sittings.others_on`."""
    with atomic(db):
        sitting, _made = sittings.sitting_for(db, actor, trial, hearing_date, session)
        hearing = records.insert(
            db,
            "hearing",
            actor,
            {
                "trial_id": trial["id"],
                "observer_id": observer["id"],
                "hearing_date": hearing_date,
                "sitting_id": sitting["id"],
                "checklist_id": mission["checklist_id"],
                "checklist_version": mission["checklist_version"],
            },
        )
        db.execute(
            "INSERT INTO hearing_defendant (hearing_id, defendant_id, present) "
            "SELECT ?, id, 1 FROM defendant WHERE trial_id = ?",
            [hearing["id"], trial["id"]],
        )
    return hearing


def editable(hearing: dict) -> bool:
    """Whether its observer may change the hearing now; a locked one opens only by a correction (the sync
    importer asks the same of every record a bundle brings)."""
    return hearing["status"] in EDITABLE


def kept_snapshot(db: Database, hearing: dict) -> str:
    """What a correction keeps of the hearing as it stands: the text of its revision's ``snapshot``."""
    return json.dumps(snapshot(db, hearing), ensure_ascii=False, sort_keys=True)


def _require_editable(hearing: dict) -> None:
    if not editable(hearing):
        raise HearingError(LOCKED_MESSAGE)


def _audit_value(db: Database, spec: fields.Field | None, value):
    """What the audit log keeps of a saved value: a sensitive one only as its keyed hash."""
    if spec is not None and spec.sensitive and value:
        return sensitive.keyed_hash(db, value)
    return value


def changes(target: str, fields: dict, uuid: str | None = None) -> list[dict]:
    """Autosave changes setting ``fields`` of the hearing (or of the witness/allegation ``uuid``)."""
    base = {"target": target, **({"uuid": uuid} if uuid else {})}
    return [{**base, "field": name, "value": value} for name, value in fields.items()]


def save_changes(db: Database, actor: Actor, hearing: dict, checklist, changes: list[dict]) -> list[dict]:
    """Apply an autosave batch in one transaction; return the refused changes with a message each.

    A change is ``{"id": client id, "target": "hearing"|"presence"|"answer"|"witness"|"allegation", …}``.
    Valid changes are saved even when others in the batch are refused, so nothing typed is lost; one
    audit entry records the whole batch.
    """
    errors, before, after = [], {}, {}
    with atomic(db):
        current = records.existing(db, "hearing", hearing["id"])
        _require_editable(current)
        context = _Context(db, current, actor)
        for change in changes:
            try:
                path, old, new, spec = context.apply(change, checklist)
            except ValueError as error:  # a value the rules refuse: its message is for the observer
                errors.append({"id": _change_id(change), "message": error})
                continue
            except (KeyError, TypeError, AttributeError):  # no such field, question or record here
                errors.append(
                    {"id": _change_id(change), "message": _l("This field could not be saved here.")}
                )
                continue
            if old != new:
                before[path], after[path] = _audit_value(db, spec, old), _audit_value(db, spec, new)
        if after:
            db.execute(
                "UPDATE hearing SET updated_at = ?, version = version + 1 WHERE id = ?",
                [utcnow(), current["id"]],
            )
            audit.record(
                db,
                "hearing.save",
                actor,
                record_type="hearing",
                record_uuid=current["uuid"],
                before=before,
                after=after,
            )
    return errors


def _change_id(change) -> str | None:
    """The client's id of a change, echoed back only when it is a short plain string."""
    if isinstance(change, dict) and isinstance(change.get("id"), str) and len(change["id"]) <= 200:
        return change["id"]
    return None


class _Context:
    """What one autosave batch may touch: this hearing's own defendants, witnesses and allegations."""

    def __init__(self, db: Database, hearing: dict, actor: Actor):
        self.db, self.hearing, self.actor = db, hearing, actor
        self.defendants = {d["uuid"]: d for d in presence(db, hearing["id"])}
        self.witnesses = {w["uuid"]: w for w in witnesses(db, hearing["id"])}
        self.allegations = {a["uuid"]: a for a in allegations(db, hearing["id"])}

    def apply(self, change: dict, checklist):
        target = change["target"]
        if target == "presence":
            return self._presence(change)
        if target == "answer":
            return self._answer(change, checklist)
        if target not in ("hearing", "witness", "allegation"):
            raise ValueError("unknown target")
        spec = fields.TARGETS[target][change["field"]]
        value = spec.clean(change["value"])
        if target == "hearing":
            if spec.name == "hearing_date" and not value:
                raise ValueError(_l("A hearing needs a date."))
            row, table = self.hearing, "hearing"
        else:
            pool = self.witnesses if target == "witness" else self.allegations
            row, table = pool[change["uuid"]], target
        if spec.kind == "refs":
            value = [v for v in value if v in self.defendants]
        if (
            target == "allegation"
            and spec.name == "defendant_uuid"
            and value
            and value not in self.defendants
        ):
            raise ValueError(_l("Choose from the list."))
        if target == "allegation" and spec.name == "witness_uuid" and value and value not in self.witnesses:
            raise ValueError(_l("Choose from the list."))
        stored = json.dumps(value, ensure_ascii=False) if spec.kind in ("multi", "refs") else value
        old = row[spec.name]
        write_table, write_id = table, row["id"]
        if (
            target == "witness"
        ):  # who the witness is belongs to the person; what they said, to this appearance
            write_table, write_id = "witness_appearance", row["id"]
            if spec.name in matching.PERSON_FIELDS:
                if old != stored and row["recorded_by"] != self.hearing["observer_id"]:
                    raise ValueError(
                        _l("Only the observer who first recorded this witness, or a lead, can change this.")
                    )
                write_table, write_id = "witness", row["person_id"]
        if old != stored:
            extra = "" if table == "hearing" else ", updated_at = :now, version = version + 1"
            self.db.execute(
                f"UPDATE [{write_table}] SET [{spec.name}] = :value{extra} WHERE id = :id",  # noqa: S608 (names from specs)
                {"value": stored, "id": write_id, "now": utcnow()},
            )
            row[spec.name] = stored
            if table == "hearing" and spec.name == "hearing_date":
                self._move_to_sitting(stored)
        return f"{table}:{row['uuid']}:{spec.name}", old, stored, spec

    def _move_to_sitting(self, hearing_date: str) -> None:
        """A changed date moves the observation to the sitting of that date (same session), made if new."""
        trial = records.existing(self.db, "trial", self.hearing["trial_id"])
        current = (
            records.existing(self.db, "sitting", self.hearing["sitting_id"])
            if self.hearing.get("sitting_id")
            else None
        )
        session = current["session"] if current else 1
        sitting, _made = sittings.sitting_for(self.db, self.actor, trial, hearing_date, session)
        self.db.execute("UPDATE hearing SET sitting_id = ? WHERE id = ?", [sitting["id"], self.hearing["id"]])
        self.hearing["sitting_id"] = sitting["id"]

    def _presence(self, change: dict):
        defendant = self.defendants[change["defendant"]]
        present = int(bool(change["value"]))
        self.db.execute(
            "INSERT INTO hearing_defendant (hearing_id, defendant_id, present) VALUES (?, ?, ?) "
            "ON CONFLICT (hearing_id, defendant_id) DO UPDATE SET present = excluded.present",
            [self.hearing["id"], defendant["id"], present],
        )
        old, defendant["present"] = defendant["present"], present
        return f"presence:{defendant['uuid']}", old, present, None

    def _answer(self, change: dict, checklist):
        item = checklist.item(change["item"])
        subject = change.get("subject", "")
        expected = {"hearing": {""}, "defendant": self.defendants, "witness": self.witnesses}[item.scope]
        if item.scope == "witness" and item.unit == "witness":  # about the person, not one appearance
            expected = {*self.witnesses, *(w["person_uuid"] for w in self.witnesses.values())}
        if subject not in expected:
            raise ValueError(_l("This question does not belong here."))
        spec = fields.ANSWER[change["field"]]
        value = item.validate(change["value"]) if spec.name == "value" else spec.clean(change["value"])
        existing = next(
            self.db.query(
                "SELECT * FROM answer WHERE hearing_id = ? AND subject_uuid = ? AND item_key = ?",
                [self.hearing["id"], subject, item.key],
            ),
            None,
        )
        now = utcnow()
        if existing is None:
            row = {"value": "", "note": "", "provenance": "", spec.name: value}
            self.db.execute(
                "INSERT INTO answer (hearing_id, subject_uuid, item_key, value, note, provenance, uuid, "
                "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [
                    self.hearing["id"],
                    subject,
                    item.key,
                    row["value"],
                    row["note"],
                    row["provenance"],
                    str(uuidlib.uuid4()),
                    now,
                    now,
                ],
            )
            old = ""
        else:
            old = existing[spec.name]
            if old != value:
                column = spec.name  # from the field specs, never from the request
                sql = f"UPDATE answer SET [{column}] = ?, updated_at = ?, version = version + 1 WHERE id = ?"  # noqa: S608
                self.db.execute(sql, [value, now, existing["id"]])
        return f"answer:{subject}:{item.key}:{spec.name}", old, value, spec


def add_witness(
    db: Database, actor: Actor, hearing: dict, recorded_by: int, person_uuid: str | None = None
) -> dict:
    """A witness heard at this observation: a person of the trial heard again (``person_uuid``) or a new
    person. Returns the appearance as :func:`witnesses` reads it."""
    with atomic(db):
        _require_editable(records.existing(db, "hearing", hearing["id"]))
        try:
            return witness_records.add_appearance(db, actor, hearing, recorded_by, person_uuid)
        except witness_records.WitnessError as error:
            raise HearingError(str(error)) from error


def add_allegation(db: Database, actor: Actor, hearing: dict) -> dict:
    with atomic(db):
        _require_editable(records.existing(db, "hearing", hearing["id"]))
        return records.insert(
            db, "allegation", actor, {"hearing_id": hearing["id"], "trial_id": hearing["trial_id"]}
        )


def remove(db: Database, actor: Actor, hearing: dict, table: str, record_uuid: str) -> None:
    """Remove a witness or allegation added by mistake (drafts only; the audit log keeps it)."""
    if table not in ("witness", "allegation"):
        raise HearingError("unknown record type")
    with atomic(db):
        _require_editable(records.existing(db, "hearing", hearing["id"]))
        if table == "witness":
            row = witness_records.appearance(db, record_uuid)
            if row is None or row["hearing_id"] != hearing["id"]:
                raise HearingError("not part of this hearing")
            witness_records.remove_appearance(db, actor, row)
            db.execute(
                "UPDATE hearing SET updated_at = ?, version = version + 1 WHERE id = ?",
                [utcnow(), hearing["id"]],
            )
            return
        row = records.get(db, table, record_uuid)
        if row is None or row["hearing_id"] != hearing["id"]:
            raise HearingError("not part of this hearing")
        evidence.remove_with(db, actor, "allegation", row["id"])  # its files go with it
        db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row["id"]])  # noqa: S608
        # the hearing's contents changed: its version says so (findings and sync notice by versions)
        db.execute(
            "UPDATE hearing SET updated_at = ?, version = version + 1 WHERE id = ?", [utcnow(), hearing["id"]]
        )
        kept = sensitive.for_audit(db, table, row)
        audit.record(db, f"{table}.remove", actor, record_type=table, record_uuid=record_uuid, before=kept)


def add_note(db: Database, actor: Actor, hearing: dict, author_id: int, text: str, typed_at: str) -> dict:
    with atomic(db):
        _require_editable(records.existing(db, "hearing", hearing["id"]))
        return records.insert(
            db,
            "note",
            actor,
            {"hearing_id": hearing["id"], "author_id": author_id, "typed_at": typed_at, "text": text},
        )


def submit(db: Database, actor: Actor, hearing: dict) -> dict:
    with atomic(db):
        current = records.existing(db, "hearing", hearing["id"])
        _require_editable(current)
        return records.update(
            db,
            "hearing",
            actor,
            current,
            {"status": "submitted", "submitted_at": utcnow()},
            action="hearing.submit",
        )


def start_correction(db: Database, actor: Actor, hearing: dict, author_id: int, reason: str) -> dict:
    """Keep the hearing as it stands as a numbered revision, then open it for editing again.

    The revision keeps the whole snapshot; its audit entry (``hearing.correction``, written by
    :func:`records.insert`) keeps the snapshot with every sensitive field as its keyed hash."""
    with atomic(db):
        current = records.existing(db, "hearing", hearing["id"])
        if editable(current):
            raise HearingError("this hearing is already open for editing")
        number = len(revisions(db, current["id"])) + 1
        records.insert(
            db,
            "hearing_revision",
            actor,
            {
                "hearing_id": current["id"],
                "number": number,
                "reason": reason,
                "snapshot": kept_snapshot(db, current),
                "author_id": author_id,
            },
            action="hearing.correction",
        )
        return records.update(db, "hearing", actor, current, {"status": "draft"}, action="hearing.reopen")


def review(
    db: Database,
    actor: Actor,
    hearing: dict,
    reviewer_id: int,
    decision: str,
    comment: str,
    answer_uuid: str = "",
) -> dict:
    """A lead approves or returns a submitted hearing, or comments on it or on one answer."""
    with atomic(db):
        current = records.existing(db, "hearing", hearing["id"])
        if decision in ("approved", "returned") and current["status"] != "submitted":
            raise HearingError("only a submitted hearing can be approved or returned")
        if answer_uuid and not next(
            db.query("SELECT 1 FROM answer WHERE uuid = ? AND hearing_id = ?", [answer_uuid, current["id"]]),
            None,
        ):
            raise HearingError("no such answer in this hearing")
        entry = records.insert(
            db,
            "review",
            actor,
            {
                "hearing_id": current["id"],
                "reviewer_id": reviewer_id,
                "decision": decision,
                "comment": comment,
                "answer_uuid": answer_uuid,
            },
        )
        if decision in ("approved", "returned"):
            records.update(db, "hearing", actor, current, {"status": decision}, action=f"hearing.{decision}")
        return entry


# Revisions ------------------------------------------------------------------------------------------

SNAPSHOT_HEARING_FIELDS = tuple(fields.HEARING)


def snapshot(db: Database, hearing: dict) -> dict:
    """Everything the observer recorded, as plain data, for keeping and comparing versions."""
    return {
        "hearing": {name: hearing[name] for name in SNAPSHOT_HEARING_FIELDS},
        "presence": {d["uuid"]: d["present"] for d in presence(db, hearing["id"])},
        "answers": {
            f"{subject}|{key}": {k: row[k] for k in ("value", "note", "provenance")}
            for (subject, key), row in answers(db, hearing["id"]).items()
        },
        "witnesses": {
            w["uuid"]: {name: w[name] for name in fields.WITNESS} for w in witnesses(db, hearing["id"])
        },
        "allegations": {
            a["uuid"]: {name: a[name] for name in fields.ALLEGATION} for a in allegations(db, hearing["id"])
        },
        "notes": {
            n["uuid"]: {"typed_at": n["typed_at"], "text": n["text"]} for n in notes(db, hearing["id"])
        },
    }


def _flatten(data: dict, prefix: tuple = ()) -> dict[tuple, object]:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, (*prefix, key)))
        else:
            flat[(*prefix, key)] = value
    return flat


def withheld_paths(snapshots: list[dict], receives: Callable[[str, str], bool]) -> set[tuple]:
    """The (section, uuid, field) of every sensitive value in these snapshots that a reader may not get:
    ``receives(table, record uuid)`` says whether they may (an anonymous witness's identity, named
    perpetrators; a witness's identity is protected if it was anonymous in any of the snapshots)."""
    hidden = set()
    for snapshot in snapshots:
        for section, table in sensitive.SECTIONS.items():
            if section == "hearing":
                continue
            for record_uuid, record in snapshot.get(section, {}).items():
                for name in sensitive.withheld_from(table, record):
                    if not receives(table, record_uuid):
                        hidden.add((section, record_uuid, name))
    return hidden


def differences(old: dict, new: dict) -> list[dict]:
    """What changed between two snapshots: one row per field, with the value before and after."""
    before, after = _flatten(old), _flatten(new)
    rows = []
    for path in sorted(set(before) | set(after)):
        if before.get(path, "") != after.get(path, "") and not (not before.get(path) and not after.get(path)):
            rows.append({"path": path, "before": before.get(path, ""), "after": after.get(path, "")})
    return rows
