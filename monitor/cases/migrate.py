"""Migration step m012: the v1 answers to case items become the defendants' case files.

Every answer to a case item (:func:`monitor.checklists.case_keys`) about a defendant of the observation's
trial becomes a history entry of that defendant's case fact, in the order of the sittings (source
"observed", learned at its observation; an answer whose source said counsel or documents keeps that). The
latest answer from an approved observation that says something (not blank, not "not observed") becomes the
current value, else the latest such from a submitted one; drafts and returned ones stay history only.
Nothing is deleted: the answers stay where they are. Every case fact made is audited (actor "system"),
its entry vouching for its history entries by their number and SHA-256.

m012_case_file calls this: once released its behaviour must not change (a later step adds, never edits).
"""

import hashlib
import logging
from itertools import groupby

from sqlite_utils import Database

from .. import audit, records
from ..checklists import case_keys
from ..db import utcnow
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
    """One case fact (audited through records.py) and its history, written in one statement; a second
    audit entry holds the number of history entries and the SHA-256 of their content, so the chain vouches
    for every one of them without an entry each (a full-size mission has millions)."""
    current = _current(answers)
    first = answers[0]
    fact_uuid = natural_uuid(first["defendant_uuid"], first["item_key"])
    now = utcnow()
    history = [
        {
            "uuid": natural_uuid(answer["answer_uuid"], "case_fact_history"),
            **_values(answer),
            "recorded_by": answer["observer_id"],
            "recorded_at": answer["updated_at"],
            "changed_by": answer["observer_id"],
            "reason": f"v1 answer at the observation of {answer['hearing_date']} ({answer['status']})",
            "answer_uuid": answer["answer_uuid"],
        }
        for answer in answers
    ]
    digest = hashlib.sha256(audit.canonical_json(history).encode()).hexdigest()
    fact = records.insert(
        db,
        "case_fact",
        audit.SYSTEM,
        {
            "uuid": fact_uuid,
            "defendant_id": first["defendant_id"],
            "item_key": first["item_key"],
            "recorded_by": (current or answers[-1])["observer_id"],
            **(_values(current) if current else {}),
        },
        action="case_fact.migrate",
    )
    db.conn.executemany(
        INSERT_HISTORY,
        [(fact["id"], *(entry[name] for name in HISTORY_COLUMNS), now, now) for entry in history],
    )
    audit.record(
        db,
        "case_fact_history.migrate",
        audit.SYSTEM,
        record_type="case_fact",
        record_uuid=fact_uuid,
        after={
            "entries": len(history),
            "sha256": digest,
            "uuids": "natural_uuid(answer_uuid, 'case_fact_history')",
        },
    )
    counts["facts"] += 1
    counts["current"] += current is not None
    counts["answers"] += len(history)
    told = {a["value"] for a in answers if a["status"] in CURRENT_FROM and a["value"] not in UNINFORMATIVE}
    counts["disagreements"] += len(told) > 1


HISTORY_COLUMNS = (
    "uuid",
    "value",
    "note",
    "source",
    "learned_at_hearing_uuid",
    "recorded_by",
    "recorded_at",
    "changed_by",
    "reason",
    "answer_uuid",
)
INSERT_HISTORY = (
    f"INSERT INTO case_fact_history (case_fact_id, {', '.join(HISTORY_COLUMNS)}, created_at, updated_at, "  # noqa: S608
    f"version) VALUES (?, {', '.join('?' * len(HISTORY_COLUMNS))}, ?, ?, 1)"
)


def _values(answer: dict) -> dict:
    return {
        "value": answer["value"],
        "note": answer["note"],
        "source": PROVENANCE_SOURCE.get(answer["provenance"], "observed"),
        "learned_at_hearing_uuid": answer["hearing_uuid"],
    }
