"""Court sittings (trial + date + session) and the lead's reconciliation of their observations.

A ``hearing`` row is one observer's record of a sitting (pages call it an *observation*). A sitting's uuid
is natural (:func:`monitor.ids.natural_uuid` of trial uuid, date, session), so two laptops that start
observing the same sitting offline make the same record and sync merges them.
"""

from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import records
from ..audit import Actor
from ..db import atomic
from ..ids import natural_uuid

# Observations whose answers count (the findings' default): drafts and returned ones do not.
COUNTED = ("submitted", "approved")
NOT_ANSWERED = ("", "not_observed")
MAX_SESSION = 9
MAX_REASON = 2000


class SittingError(ValueError):
    """A reconciliation the rules refuse; the message is for the lead."""


def sitting_uuid(trial_uuid: str, sitting_date: str, session: int = 1) -> str:
    return natural_uuid(trial_uuid, sitting_date, str(int(session)))


def find(db: Database, trial_id: int, sitting_date: str, session: int = 1) -> dict | None:
    return next(
        db.query(
            "SELECT * FROM sitting WHERE trial_id = ? AND sitting_date = ? AND session = ?",
            [trial_id, sitting_date, int(session)],
        ),
        None,
    )


def sitting_for(
    db: Database, actor: Actor, trial: dict, sitting_date: str, session: int = 1
) -> tuple[dict, bool]:
    """The sitting of ``trial`` on that date and session, made when it is not there yet; and whether it
    was made now (``False``: an observation started now joins a sitting already observed)."""
    with atomic(db):
        existing = find(db, trial["id"], sitting_date, session)
        if existing is not None:
            return existing, False
        row = records.insert(
            db,
            "sitting",
            actor,
            {
                "uuid": sitting_uuid(trial["uuid"], sitting_date, session),
                "trial_id": trial["id"],
                "sitting_date": sitting_date,
                "session": int(session),
            },
        )
        return row, True


def sittings_of_trial(db: Database, trial_id: int) -> list[dict]:
    """A trial's sittings, newest first, with how many observations each has (and how many count)."""
    return list(
        db.query(
            """
            SELECT sitting.*, count(hearing.id) AS observations,
                   count(hearing.id) FILTER (WHERE hearing.status IN ('submitted', 'approved')) AS counted
            FROM sitting LEFT JOIN hearing ON hearing.sitting_id = sitting.id
            WHERE sitting.trial_id = ? GROUP BY sitting.id
            ORDER BY sitting.sitting_date DESC, sitting.session DESC
            """,
            [trial_id],
        )
    )


def observations(db: Database, sitting_id: int) -> list[dict]:
    """The observations of a sitting with their observers' names, oldest first."""
    return list(
        db.query(
            """
            SELECT hearing.*, user.display_name AS observer_name, user.uuid AS observer_uuid
            FROM hearing JOIN user ON user.id = hearing.observer_id
            WHERE hearing.sitting_id = ? ORDER BY hearing.created_at, hearing.id
            """,
            [sitting_id],
        )
    )


def others_on(db: Database, hearing: dict) -> list[dict]:
    """The other observations of the same sitting as ``hearing``."""
    if not hearing.get("sitting_id"):
        return []
    return [o for o in observations(db, hearing["sitting_id"]) if o["id"] != hearing["id"]]


def how_observed(db: Database, sitting_uuid: str, checklist=None) -> dict | None:
    """The sitting as a report on one observation of it states it: its date and session, how many counted
    observations it has, and on how many items they disagree that no lead has reconciled yet."""
    sitting = records.get(db, "sitting", sitting_uuid) if sitting_uuid else None
    if sitting is None:
        return None
    counted = [o for o in observations(db, sitting["id"]) if o["status"] in COUNTED]
    rows = disagreements(db, sitting, checklist) if len(counted) > 1 else []
    return {
        "sitting_date": sitting["sitting_date"],
        "session": sitting["session"],
        "observations": len(counted),
        "disputed_open": sum(1 for r in rows if r["disputed"] and r["reconciled"] is None),
    }


# Reconciliation -----------------------------------------------------------------------------------


def reconciliations(db: Database, sitting_id: int) -> dict[tuple[str, str], dict]:
    rows = db.query(
        """
        SELECT reconciliation.*, user.display_name AS decided_by_name FROM reconciliation
        JOIN user ON user.id = reconciliation.decided_by WHERE sitting_id = ?
        """,
        [sitting_id],
    )
    return {(r["subject_uuid"], r["item_key"]): r for r in rows}


def home_fields(checklist) -> dict[str, str]:
    """The sitting items of a checklist that declares units whose fact is a field of each observation
    (``home: sitting.<field>``, e.g. public access): item key → field. Observers record the field; where
    two observations of one sitting differ, that is a disagreement like any answer's."""
    if checklist is None or not checklist.declares_units:
        return {}
    return {
        item.key: item.home.partition(".")[2]
        for item in checklist.items_at("sitting")
        if item.home and item.home.startswith("sitting.")
    }


def _field_answers(db: Database, sitting_id: int, fields: dict[str, str]) -> list[dict]:
    """The home fields of the sitting's counted observations, in the shape of answers."""
    rows = []
    for key, field in fields.items():
        rows += [
            {"subject_uuid": "", "item_key": key, "value": r["value"] or "", "note": r["note"] or ""}
            | {"hearing_id": r["id"]}
            for r in db.query(
                f"SELECT id, [{field}] AS value, access_note AS note FROM hearing "  # noqa: S608 (field from the checklist loader's closed list)
                "WHERE sitting_id = :s AND status IN ('submitted', 'approved')",
                {"s": sitting_id},
            )
        ]
    return rows


def _counted_answers(db: Database, sitting_id: int, checklist=None) -> list[dict]:
    """Every answer of the sitting's counted observations, less those about a defendant absent there,
    and the observations' fields that are the home of a sitting item (see :func:`home_fields`)."""
    return _field_answers(db, sitting_id, home_fields(checklist)) + list(
        db.query(
            """
            SELECT answer.subject_uuid, answer.item_key, answer.value, answer.note, answer.hearing_id
            FROM answer JOIN hearing ON hearing.id = answer.hearing_id
            WHERE hearing.sitting_id = :s AND hearing.status IN ('submitted', 'approved')
              AND NOT EXISTS (
                SELECT 1 FROM hearing_defendant
                JOIN defendant ON defendant.id = hearing_defendant.defendant_id
                WHERE hearing_defendant.hearing_id = answer.hearing_id AND hearing_defendant.present = 0
                  AND defendant.uuid = answer.subject_uuid)
            ORDER BY answer.subject_uuid, answer.item_key
            """,
            {"s": sitting_id},
        )
    )


def disagreements(db: Database, sitting: dict, checklist=None) -> list[dict]:
    """Per (subject, item) where the counted observations gave different answers (blanks and "not
    observed" aside), or where a lead has already reconciled: every observation's answer and note, and
    the reconciled answer if any. Open ones (not reconciled) first."""
    counted = [o for o in observations(db, sitting["id"]) if o["status"] in COUNTED]
    by_id = {o["id"]: o for o in counted}
    grouped: dict[tuple[str, str], dict[int, dict]] = {}
    for answer in _counted_answers(db, sitting["id"], checklist):
        grouped.setdefault((answer["subject_uuid"], answer["item_key"]), {})[answer["hearing_id"]] = answer
    decided = reconciliations(db, sitting["id"])
    rows = []
    for key in sorted(set(grouped) | set(decided)):
        answers = grouped.get(key, {})
        values = {a["value"] for a in answers.values() if a["value"] not in NOT_ANSWERED}
        if len(values) < 2 and key not in decided:
            continue
        rows.append(
            {
                "subject_uuid": key[0],
                "item_key": key[1],
                "answers": [
                    {
                        "observation": o,
                        "value": answers[o["id"]]["value"] if o["id"] in answers else "",
                        "note": answers[o["id"]]["note"] if o["id"] in answers else "",
                    }
                    for o in counted
                ],
                "values": sorted(values),
                "disputed": len(values) > 1,
                "reconciled": decided.get(key),
            }
        )
    rows.sort(key=lambda r: r["reconciled"] is not None)
    return [r for r in rows if r["answers"] and (by_id or r["reconciled"])]


def reconcile(
    db: Database,
    actor: Actor,
    sitting: dict,
    checklist,
    decided_by: int,
    subject_uuid: str,
    item_key: str,
    value: str,
    reason: str,
) -> dict:
    """Record (or change) the lead's reconciled answer for one item of a sitting, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise SittingError(_l("Give the reason for this answer."))
    if len(reason) > MAX_REASON:
        raise SittingError(_l("The reason is too long."))
    try:
        item = checklist.item(item_key)
    except KeyError as error:
        raise SittingError(_l("No such question.")) from error
    try:
        if item.home:  # a field of the observations (home_fields): one of the item's values
            if value not in item.values():
                raise ValueError(value)
        else:
            value = item.validate(value)
    except ValueError as error:
        raise SittingError(_l("Choose one of the answers.")) from error
    with atomic(db):
        subjects = {
            a["subject_uuid"]
            for a in _counted_answers(db, sitting["id"], checklist)
            if a["item_key"] == item.key
        }
        if subject_uuid not in subjects:
            raise SittingError(_l("This question was not answered at this sitting."))
        existing = reconciliations(db, sitting["id"]).get((subject_uuid, item.key))
        changes = {"value": value, "reason": reason, "decided_by": decided_by}
        if existing is None:
            return records.insert(
                db,
                "reconciliation",
                actor,
                {"sitting_id": sitting["id"], "subject_uuid": subject_uuid, "item_key": item.key, **changes},
            )
        row = records.existing(db, "reconciliation", existing["id"])
        return records.update(db, "reconciliation", actor, row, changes)


def open_sittings(db: Database, mission_id: int, checklist=None) -> list[dict]:
    """The mission's sittings where counted observations disagree on an item a lead has not reconciled,
    with how many such items each has; oldest sitting first. With the mission's ``checklist``, the
    observations' fields that are a sitting item's home count too (see :func:`home_fields`)."""
    # keys and fields from the checklist loader's closed lists (model.HOME_FIELDS)
    fields = "".join(
        f"""
            UNION ALL
            SELECT hearing.sitting_id, '', '{key}' FROM hearing JOIN trial ON trial.id = hearing.trial_id
            WHERE trial.mission_id = :m AND hearing.status IN ('submitted', 'approved')
              AND coalesce(hearing.[{field}], '') NOT IN ('', 'not_observed')
            GROUP BY hearing.sitting_id HAVING count(DISTINCT hearing.[{field}]) > 1"""  # noqa: S608
        for key, field in home_fields(checklist).items()
    )
    rows = db.query(
        """
        WITH shared AS (  -- only a sitting with two counted observations or more can disagree
            SELECT hearing.sitting_id FROM hearing JOIN trial ON trial.id = hearing.trial_id
            WHERE trial.mission_id = :m AND hearing.status IN ('submitted', 'approved')
              AND hearing.sitting_id IS NOT NULL
            GROUP BY hearing.sitting_id HAVING count(*) > 1
        ),
        per AS (
            SELECT hearing.sitting_id, answer.subject_uuid, answer.item_key
            FROM hearing CROSS JOIN answer ON answer.hearing_id = hearing.id
            WHERE hearing.sitting_id IN (SELECT sitting_id FROM shared)
              AND hearing.status IN ('submitted', 'approved')
              AND answer.value NOT IN ('', 'not_observed')
              AND NOT EXISTS (
                SELECT 1 FROM hearing_defendant
                JOIN defendant ON defendant.id = hearing_defendant.defendant_id
                WHERE hearing_defendant.hearing_id = answer.hearing_id AND hearing_defendant.present = 0
                  AND defendant.uuid = answer.subject_uuid)
            GROUP BY hearing.sitting_id, answer.subject_uuid, answer.item_key
            HAVING count(DISTINCT answer.value) > 1
            {fields}
        )
        SELECT sitting.*, trial.title AS trial_title, trial.uuid AS trial_uuid, count(*) AS open
        FROM per JOIN sitting ON sitting.id = per.sitting_id JOIN trial ON trial.id = sitting.trial_id
        WHERE NOT EXISTS (SELECT 1 FROM reconciliation r WHERE r.sitting_id = per.sitting_id
                          AND r.subject_uuid = per.subject_uuid AND r.item_key = per.item_key)
        GROUP BY sitting.id ORDER BY sitting.sitting_date, sitting.session
        """.replace("{fields}", fields),
        {"m": mission_id},
    )
    return list(rows)
