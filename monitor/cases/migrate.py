"""Migration step m012: the v1 answers to case items become the defendants' case files.

Every answer to a case item (:func:`monitor.checklists.case_keys`) about a defendant of the observation's
trial becomes a history entry of that defendant's case fact, in the order of the sittings (source
"observed", learned at its observation; an answer whose source said counsel or documents keeps that). The
latest answer from an approved observation that says something (not blank, not "not observed") becomes the
current value, else the latest such from a submitted one; drafts and returned ones stay history only.
Nothing is deleted: the answers stay where they are. Every record made is audited (actor "system").

m012_case_file calls this: once released its behaviour must not change (a later step adds, never edits).
"""

import logging
from itertools import groupby

from sqlite_utils import Database

from .. import audit, records
from ..checklists import case_keys
from ..ids import natural_uuid

logger = logging.getLogger(__name__)

# An answer's v1 provenance → the case file's source (blank or "observed": seen at the sitting).
PROVENANCE_SOURCE = {"counsel": "counsel", "documents": "other"}
UNINFORMATIVE = ("", "not_observed")
CURRENT_FROM = ("approved", "submitted")  # the statuses whose answers may become the current value


def move_v1_answers(db: Database) -> dict:
    """Make the case facts and their history from the answers; return (and log) the counts."""
    keys = sorted(case_keys())
    counts = {"answers": 0, "blank": 0, "facts": 0, "current": 0, "disagreements": 0}
    if not keys:
        return counts
    rows = db.query(
        f"""
        SELECT answer.uuid AS answer_uuid, answer.item_key, answer.value, answer.note, answer.provenance,
               answer.updated_at, hearing.uuid AS hearing_uuid, hearing.status, hearing.hearing_date,
               hearing.observer_id, defendant.id AS defendant_id, defendant.uuid AS defendant_uuid
        FROM answer JOIN hearing ON hearing.id = answer.hearing_id
        JOIN defendant ON defendant.uuid = answer.subject_uuid AND defendant.trial_id = hearing.trial_id
        WHERE answer.item_key IN ({",".join("?" * len(keys))})
        ORDER BY defendant.id, answer.item_key, hearing.hearing_date, hearing.id
        """,  # noqa: S608 (placeholders only)
        keys,
    )
    for (_defendant, _key), group in groupby(rows, key=lambda r: (r["defendant_id"], r["item_key"])):
        answers = list(group)
        said = [a for a in answers if a["value"] or a["note"]]
        counts["blank"] += len(answers) - len(said)
        if not said:
            continue
        _make_fact(db, said, counts)
    if counts["answers"]:
        audit.record(db, "migration.case_file", audit.SYSTEM, after=counts)
    logger.info("case file: %s", counts)
    return counts


def _current(answers: list[dict]) -> dict | None:
    for status in CURRENT_FROM:
        told = [a for a in answers if a["status"] == status and a["value"] not in UNINFORMATIVE]
        if told:
            return told[-1]
    return None


def _make_fact(db: Database, answers: list[dict], counts: dict) -> None:
    current = _current(answers)
    first = answers[0]
    fact = records.insert(
        db,
        "case_fact",
        audit.SYSTEM,
        {
            "uuid": natural_uuid(first["defendant_uuid"], first["item_key"]),
            "defendant_id": first["defendant_id"],
            "item_key": first["item_key"],
            "recorded_by": (current or answers[-1])["observer_id"],
            **(_values(current) if current else {}),
        },
        action="case_fact.migrate",
    )
    counts["facts"] += 1
    counts["current"] += current is not None
    for answer in answers:
        records.insert(
            db,
            "case_fact_history",
            audit.SYSTEM,
            {
                "uuid": natural_uuid(answer["answer_uuid"], "case_fact_history"),
                "case_fact_id": fact["id"],
                **_values(answer),
                "recorded_by": answer["observer_id"],
                "recorded_at": answer["updated_at"],
                "changed_by": answer["observer_id"],
                "reason": f"v1 answer at the observation of {answer['hearing_date']} ({answer['status']})",
                "answer_uuid": answer["answer_uuid"],
            },
            action="case_fact_history.migrate",
        )
        counts["answers"] += 1
    told = {a["value"] for a in answers if a["status"] in CURRENT_FROM and a["value"] not in UNINFORMATIVE}
    counts["disagreements"] += len(told) > 1


def _values(answer: dict) -> dict:
    return {
        "value": answer["value"],
        "note": answer["note"],
        "source": PROVENANCE_SOURCE.get(answer["provenance"], "observed"),
        "learned_at_hearing_uuid": answer["hearing_uuid"],
    }
