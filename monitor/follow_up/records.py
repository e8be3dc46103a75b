"""A torture allegation's follow-up: dated events, each with its source, appended by a lead.

Events are a history: a new event is appended; one entered by mistake is *withdrawn* (a versioned,
audited change that keeps the row, who withdrew it, when and why) and no longer counts; it is never
edited or deleted, so what the mission said at any time can be read back (docs/follow_up.md).
"""

import json
from datetime import date

from sqlite_utils import Database

from .. import records
from ..audit import Actor
from ..db import atomic, utcnow

KINDS = (
    "complaint_lodged",
    "investigation_refused",
    "investigation_opened",
    "closed_without_charge",
    "charges_brought",
    "officials_convicted",
    "officials_acquitted",
    "reprisal",
    "un_communication",
    "un_decision",
    "other",
)
UN_BODIES = ("CAT", "HRC", "SRT", "WGAD", "other")
UN_KINDS = ("un_communication", "un_decision")
MAX_SOURCE, MAX_REFERENCE, MAX_NOTE, MAX_REASON = 300, 200, 2000, 500
# What an API client or bundle may set on an event.
FIELDS = ("kind", "event_date", "un_body", "reference", "source", "note")


class FollowUpError(ValueError):
    """Why an event was refused (``code`` names the field); nothing was saved."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def allegation_trial(db: Database, allegation: dict) -> dict:
    return records.existing(db, "trial", allegation["trial_id"])


def followable(db: Database, allegation: dict) -> bool:
    """An allegation whose observation was submitted at least once (a first draft's may still go)."""
    hearing = records.get_by_id(db, "hearing", allegation["hearing_id"])
    return bool(hearing and hearing["submitted_at"])


def clean(values: dict, today: str | None = None) -> dict:
    """The event's fields checked and trimmed; :class:`FollowUpError` naming the first that is wrong."""
    out = {name: str(values.get(name) or "").strip() for name in FIELDS}
    if out["kind"] not in KINDS:
        raise FollowUpError("kind")
    try:
        when = date.fromisoformat(out["event_date"])
    except ValueError:
        raise FollowUpError("event_date") from None
    if len(out["event_date"]) != 10 or when.isoformat() > (today or date.today().isoformat()):
        raise FollowUpError("event_date")
    if out["kind"] in UN_KINDS:
        if out["un_body"] not in UN_BODIES:
            raise FollowUpError("un_body")
    elif out["un_body"] and out["un_body"] not in UN_BODIES:
        raise FollowUpError("un_body")
    if not out["source"]:
        raise FollowUpError("source")
    for name, limit in (("source", MAX_SOURCE), ("reference", MAX_REFERENCE), ("note", MAX_NOTE)):
        if len(out[name]) > limit:
            raise FollowUpError(name)
    return out


def add(db: Database, actor: Actor, user: dict, allegation: dict, values: dict, uuid: str = "") -> dict:
    """Append one event to ``allegation``'s follow-up (the caller has checked ``user`` may)."""
    fields = clean(values)
    if not followable(db, allegation):
        raise FollowUpError("draft")
    extra = {"uuid": uuid} if uuid else {}
    with atomic(db):
        return records.insert(
            db,
            "follow_up",
            actor,
            {
                **extra,
                "allegation_uuid": allegation["uuid"],
                "trial_id": allegation["trial_id"],
                **fields,
                "recorded_by": user["id"],
            },
        )


def withdraw(db: Database, actor: Actor, event: dict, reason: str) -> dict:
    reason = (reason or "").strip()
    if not reason:
        raise FollowUpError("reason")
    if len(reason) > MAX_REASON:
        raise FollowUpError("reason_long")
    with atomic(db):
        current = records.existing(db, "follow_up", event["id"])
        if current["withdrawn_at"]:
            raise FollowUpError("withdrawn")
        return records.update(
            db,
            "follow_up",
            actor,
            current,
            {"withdrawn_at": utcnow(), "withdrawn_reason": reason},
            action="follow_up.withdraw",
        )


EVENT_SQL = """
    SELECT follow_up.*, user.display_name AS recorded_by_name, user.username AS recorded_by_username,
           user.uuid AS recorded_by_uuid, trial.uuid AS trial_uuid
    FROM follow_up JOIN user ON user.id = follow_up.recorded_by JOIN trial ON trial.id = follow_up.trial_id
"""


def events(db: Database, allegation_uuids, withdrawn: bool = True) -> list[dict]:
    """The events of these allegations, oldest first (by the date they happened, then entered)."""
    condition = "" if withdrawn else "AND follow_up.withdrawn_at IS NULL "
    sql = (
        f"{EVENT_SQL} WHERE follow_up.allegation_uuid IN (SELECT value FROM json_each(?)) {condition}"  # noqa: S608 (constants)
        "ORDER BY follow_up.event_date, follow_up.id"
    )
    rows = db.query(sql, [json.dumps(sorted(set(allegation_uuids)))])
    return [
        {**row, "recorded_by_name": row["recorded_by_name"] or row["recorded_by_username"]} for row in rows
    ]


ALLEGATION_SQL = """
    SELECT allegation.*, hearing.uuid AS hearing_uuid, hearing.hearing_date, hearing.observer_id,
           hearing.submitted_at, trial.uuid AS trial_uuid, trial.title AS trial_title,
           defendant.name AS defendant_name, coalesce(witness.uuid, '') AS person_uuid,
           coalesce(witness.label, '') AS witness_label
    FROM allegation JOIN hearing ON hearing.id = allegation.hearing_id
    JOIN trial ON trial.id = allegation.trial_id
    LEFT JOIN defendant ON defendant.uuid = allegation.defendant_uuid AND allegation.alleged_by = 'defendant'
    LEFT JOIN witness_appearance ON witness_appearance.uuid = allegation.witness_uuid
    LEFT JOIN witness ON witness.id = witness_appearance.witness_id
"""


def person_of(row: dict) -> str:
    """The person an allegation is of: the defendant, or the witness person (their uuid)."""
    if row["alleged_by"] == "defendant":
        return row["defendant_uuid"]
    return row["person_uuid"] or row["witness_uuid"]


def mission_allegations(db: Database, mission_id: int) -> list[dict]:
    """Every allegation of the mission whose observation was submitted, with whom it is of."""
    rows = db.query(
        ALLEGATION_SQL + "WHERE trial.mission_id = ? AND hearing.submitted_at IS NOT NULL "
        "ORDER BY trial.title, hearing.hearing_date, allegation.id",
        [mission_id],
    )
    return [{**row, "person": person_of(row)} for row in rows]


def allegation_row(db: Database, allegation_id: int) -> dict:
    row = next(db.query(ALLEGATION_SQL + "WHERE allegation.id = ?", [allegation_id]))
    return {**row, "person": person_of(row)}


def defendant_allegations(db: Database, defendant_uuid: str) -> list[dict]:
    rows = db.query(
        ALLEGATION_SQL + "WHERE allegation.alleged_by = 'defendant' AND allegation.defendant_uuid = ? "
        "AND hearing.submitted_at IS NOT NULL ORDER BY hearing.hearing_date, allegation.id",
        [defendant_uuid],
    )
    return [{**row, "person": person_of(row)} for row in rows]
