"""Witness persons of a trial and their appearances at sittings: reading, adding, merging, splitting.

A person (table ``witness``) is who the witness is: label, identity, side, anonymity and its safeguards,
police officer. An appearance (table ``witness_appearance``) is the person heard at one observation: what
they said (``testimony``, ``against``) and the appearance's checklist answers (subject = the appearance).
Every write goes through :mod:`monitor.records` inside one transaction, so it is versioned and audited.
"""

from sqlite_utils import Database

from .. import audit, records, sensitive
from ..audit import Actor
from ..db import atomic
from ..evidence import records as evidence
from .matching import PERSON_FIELDS


class WitnessError(ValueError):
    """A merge or split the rules refuse; the message is for the lead."""


# The per-hearing view every older reader knows: the appearance's id and uuid with the person's fields.
# ``recorded_by`` is the person's recorder (the identity gate's rule); the appearance's is kept apart.
APPEARANCE_SELECT = """
    SELECT witness_appearance.id, witness_appearance.uuid, witness_appearance.hearing_id,
           witness_appearance.trial_id, witness_appearance.against, witness_appearance.testimony,
           witness_appearance.created_at, witness_appearance.updated_at, witness_appearance.version,
           witness_appearance.recorded_by AS appearance_recorded_by,
           witness.id AS person_id, witness.uuid AS person_uuid, witness.recorded_by, witness.review,
           witness.label, witness.identity, witness.side, witness.anonymous, witness.anonymity_reason,
           witness.identity_known_to_defence, witness.voice_hidden, witness.image_hidden,
           witness.police_officer,
           (SELECT count(*) FROM witness_appearance AS a WHERE a.witness_id = witness.id) AS heard
    FROM witness_appearance JOIN witness ON witness.id = witness_appearance.witness_id
"""


def appearances_of_hearing(db: Database, hearing_id: int) -> list[dict]:
    return list(
        db.query(
            APPEARANCE_SELECT + " WHERE witness_appearance.hearing_id = ? ORDER BY witness_appearance.id",
            [hearing_id],
        )
    )


def appearance(db: Database, appearance_uuid: str) -> dict | None:
    return next(db.query(APPEARANCE_SELECT + " WHERE witness_appearance.uuid = ?", [appearance_uuid]), None)


def persons_of_trial(db: Database, trial_id: int) -> list[dict]:
    """The trial's witness persons (first heard first), each with ``appearances``: date, observer, status."""
    persons = list(db.query("SELECT * FROM witness WHERE trial_id = ? ORDER BY id", [trial_id]))
    rows = db.query(
        """
        SELECT witness_appearance.uuid, witness_appearance.witness_id, witness_appearance.testimony,
               hearing.uuid AS hearing_uuid, hearing.hearing_date, hearing.status,
               user.display_name AS observer_name, user.username AS observer_username
        FROM witness_appearance JOIN hearing ON hearing.id = witness_appearance.hearing_id
        JOIN user ON user.id = hearing.observer_id
        WHERE witness_appearance.trial_id = ? ORDER BY hearing.hearing_date, witness_appearance.id
        """,
        [trial_id],
    )
    by_person: dict[int, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["witness_id"], []).append(row)
    for person in persons:
        person["appearances"] = by_person.get(person["id"], [])
    persons.sort(key=lambda p: (p["appearances"][0]["hearing_date"] if p["appearances"] else "", p["id"]))
    return persons


def person(db: Database, person_uuid: str) -> dict | None:
    return records.get(db, "witness", person_uuid)


def add_appearance(
    db: Database, actor: Actor, hearing: dict, recorded_by: int, person_uuid: str | None = None
) -> dict:
    """The witness heard at this observation: a person of the trial heard again, or a new one."""
    with atomic(db):
        if person_uuid:
            found = person(db, person_uuid)
            if found is None or found["trial_id"] != hearing["trial_id"]:
                raise WitnessError("not a witness of this trial")
            if db.execute(
                "SELECT 1 FROM witness_appearance WHERE witness_id = ? AND hearing_id = ?",
                [found["id"], hearing["id"]],
            ).fetchone():
                raise WitnessError("already heard at this sitting")
        else:
            count = db.execute(
                "SELECT count(*) FROM witness WHERE trial_id = ?", [hearing["trial_id"]]
            ).fetchone()
            found = records.insert(
                db,
                "witness",
                actor,
                {"trial_id": hearing["trial_id"], "recorded_by": recorded_by, "label": f"W{count[0] + 1}"},
            )
        row = records.insert(
            db,
            "witness_appearance",
            actor,
            {
                "witness_id": found["id"],
                "hearing_id": hearing["id"],
                "trial_id": hearing["trial_id"],
                "recorded_by": recorded_by,
            },
        )
        made = appearance(db, row["uuid"])
        if made is None:
            raise LookupError(f"witness_appearance {row['uuid']} vanished inside its own transaction")
        return made


def remove_appearance(db: Database, actor: Actor, row: dict) -> None:
    """Remove an appearance (a draft's witness added by mistake) and its answers; the person too when it
    was heard nowhere else. Inside the caller's transaction."""
    db.execute(
        "DELETE FROM answer WHERE hearing_id = ? AND subject_uuid = ?", [row["hearing_id"], row["uuid"]]
    )
    kept = records.get(db, "witness_appearance", row["uuid"])
    db.execute("DELETE FROM witness_appearance WHERE id = ?", [row["id"]])
    audit.record(
        db,
        "witness_appearance.remove",
        actor,
        record_type="witness_appearance",
        record_uuid=row["uuid"],
        before=kept,
    )
    if not db.execute("SELECT 1 FROM witness_appearance WHERE witness_id = ?", [row["person_id"]]).fetchone():
        gone = records.existing(db, "witness", row["person_id"])
        evidence.remove_with(db, actor, "witness", row["person_id"])  # its files go with it
        _drop_person(db, actor, gone, "witness.remove")


# A lead's corrections ---------------------------------------------------------------------------------


def conflicts(keep: dict, other: dict) -> list[str]:
    """The person fields two persons hold different (non-empty) values in: the lead chooses each."""
    return [
        name
        for name in PERSON_FIELDS
        if keep[name] != other[name] and keep[name] not in ("", 0) and other[name] not in ("", 0)
    ]


def merge(db: Database, actor: Actor, keep: dict, other: dict, choices: dict[str, str]) -> dict:
    """Make ``other`` the same person as ``keep``: its appearances move, it is removed. ``choices`` says
    for each conflicting field which person's value stays ("keep" or "other"); a field set on only one
    of them keeps that value."""
    if keep["id"] == other["id"] or keep["trial_id"] != other["trial_id"]:
        raise WitnessError("two witnesses of the same trial are needed")
    with atomic(db):
        keep_now = records.get_by_id(db, "witness", keep["id"])
        other_now = records.get_by_id(db, "witness", other["id"])
        if keep_now is None or other_now is None:
            raise WitnessError("the witness is no longer there")
        keep, other = keep_now, other_now
        undecided = [n for n in conflicts(keep, other) if choices.get(n) not in ("keep", "other")]
        if undecided:
            raise WitnessError("choose a value for " + ", ".join(undecided))
        changes = {}
        for name in PERSON_FIELDS:
            if name in conflicts(keep, other):
                if choices[name] == "other":
                    changes[name] = other[name]
            elif keep[name] in ("", 0) and other[name] not in ("", 0):
                changes[name] = other[name]
        changes["review"] = ""
        moving = list(db.query("SELECT id, uuid FROM witness_appearance WHERE witness_id = ?", [other["id"]]))
        moved = [r["uuid"] for r in moving]
        for appearance_id in [r["id"] for r in moving]:
            row = records.existing(db, "witness_appearance", appearance_id)
            records.update(
                db, "witness_appearance", actor, row, {"witness_id": keep["id"]}, action="witness.merge"
            )
        records.update(db, "witness", actor, keep, changes, action="witness.merge")
        evidence.move(db, actor, "witness", other["id"], keep["id"])  # its files hang on the one kept
        _drop_person(
            db, actor, other, "witness.merged_away", {"merged_into": keep["uuid"], "appearances": moved}
        )
        return records.existing(db, "witness", keep["id"])


def split(db: Database, actor: Actor, appearance_uuid: str) -> dict:
    """Take one appearance off its person into a new person with the same fields (flagged for a look)."""
    with atomic(db):
        row = records.get(db, "witness_appearance", appearance_uuid)
        if row is None:
            raise WitnessError("no such appearance")
        source = records.existing(db, "witness", row["witness_id"])
        if (
            db.execute(
                "SELECT count(*) FROM witness_appearance WHERE witness_id = ?", [source["id"]]
            ).fetchone()[0]
            < 2
        ):
            raise WitnessError("this witness was heard only once")
        new = records.insert(
            db,
            "witness",
            actor,
            {
                "trial_id": source["trial_id"],
                "recorded_by": row["recorded_by"],
                **{name: source[name] for name in PERSON_FIELDS},
                "review": "",
            },
            action="witness.split",
        )
        records.update(
            db, "witness_appearance", actor, row, {"witness_id": new["id"]}, action="witness.split"
        )
        return new


def mark_reviewed(db: Database, actor: Actor, person_row: dict) -> dict:
    return records.update(db, "witness", actor, person_row, {"review": ""})


def person_uuids_of(db: Database, appearance_uuids: list[str]) -> dict[str, str]:
    """Appearance uuid → its person's uuid."""
    result = {}
    for start in range(0, len(appearance_uuids), 500):
        chunk = appearance_uuids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(
            f"SELECT witness_appearance.uuid, witness.uuid AS person FROM witness_appearance "  # noqa: S608
            "JOIN witness ON witness.id = witness_appearance.witness_id "
            f"WHERE witness_appearance.uuid IN ({marks})",
            chunk,
        ):
            result[row["uuid"]] = row["person"]
    return result


def _drop_person(db: Database, actor: Actor, person: dict, action: str, after: dict | None = None) -> None:
    """Delete a witness person row, its audit entry keeping what it held (identities as keyed hashes)."""
    db.execute("DELETE FROM witness WHERE id = ?", [person["id"]])
    audit.record(
        db,
        action,
        actor,
        record_type="witness",
        record_uuid=person["uuid"],
        before=sensitive.for_audit(db, "witness", {k: person[k] for k in PERSON_FIELDS}),
        after=after,
    )
