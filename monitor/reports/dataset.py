"""A mission's records as plain tables — what reports and data exports are made from.

Drafts are left out: they are unfinished work, not observations. Every row keeps its uuid, so the
tables join on uuids (integer ids never leave the machine).
"""

import json

from sqlite_utils import Database

TABLES = (
    "trials",
    "defendants",
    "hearings",
    "presence",
    "answers",
    "witnesses",
    "allegations",
    "notes",
    "reviews",
)
COUNTED = ("submitted", "returned", "approved")


def _rows(db: Database, sql: str, params: dict) -> list[dict]:
    return list(db.query(sql, params))


def load(
    db: Database,
    mission: dict,
    statuses: tuple[str, ...] = COUNTED,
    *,
    trial_uuid: str | None = None,
    hearing_uuid: str | None = None,
    with_answers: bool = True,
) -> dict:
    """Everything recorded in the mission's non-draft hearings, as lists of dicts keyed by table.

    ``trial_uuid`` / ``hearing_uuid`` keep only that trial's or that hearing's hearings (and what was
    recorded in them); ``with_answers=False`` leaves the checklist answers out — the mission report
    states findings computed in SQL and does not need millions of answers in memory.
    """
    params = {
        "mission": mission["id"],
        "statuses": json.dumps([s for s in statuses if s != "draft"]),
        "trial": trial_uuid,
        "hearing": hearing_uuid,
    }
    hearing_ids = (
        "SELECT hearing.id FROM hearing JOIN trial ON trial.id = hearing.trial_id "
        "WHERE trial.mission_id = :mission AND hearing.status IN (SELECT value FROM json_each(:statuses)) "
        "AND (:trial IS NULL OR trial.uuid = :trial) AND (:hearing IS NULL OR hearing.uuid = :hearing)"
    )
    data = {
        "mission": {
            k: mission[k]
            for k in (
                "uuid",
                "name",
                "country",
                "description",
                "start_date",
                "end_date",
                "checklist_id",
                "checklist_version",
            )
        },
        "trials": _rows(
            db,
            "SELECT uuid, title, court, case_number, judges, prosecutor, charges, status FROM trial "
            "WHERE mission_id = :mission ORDER BY title",
            params,
        ),
        "defendants": _rows(
            db,
            """
            SELECT defendant.uuid, trial.uuid AS trial_uuid, defendant.position, defendant.name,
                   defendant.pseudonym,
                   defendant.sex, defendant.age, defendant.charges, defendant.apprehended_at,
                   defendant.arrest_registered_at, defendant.first_judge_at, defendant.pretrial_detention,
                   defendant.counsel, defendant.counsel_from, defendant.verdict, defendant.sentence,
                   defendant.sentence_months, defendant.conviction_basis
            FROM defendant JOIN trial ON trial.id = defendant.trial_id
            WHERE trial.mission_id = :mission ORDER BY trial.title, defendant.position
            """,
            params,
        ),
        "hearings": _rows(
            db,
            f"""
            SELECT hearing.uuid, trial.uuid AS trial_uuid, hearing.hearing_date, hearing.start_time,
                   hearing.end_time, hearing.courtroom, hearing.judge, hearing.public_access,
                   hearing.observers_admitted, hearing.access_note, hearing.present, hearing.summary,
                   hearing.status, hearing.checklist_id, hearing.checklist_version, hearing.submitted_at,
                   user.uuid AS observer_uuid, user.display_name AS observer
            FROM hearing JOIN trial ON trial.id = hearing.trial_id JOIN user ON user.id = hearing.observer_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, hearing.id
            """,  # noqa: S608 (fixed SQL)
            params,
        ),
        "presence": _rows(
            db,
            f"""
            SELECT hearing.uuid AS hearing_uuid, defendant.uuid AS defendant_uuid, hearing_defendant.present
            FROM hearing_defendant JOIN hearing ON hearing.id = hearing_defendant.hearing_id
            JOIN defendant ON defendant.id = hearing_defendant.defendant_id
            WHERE hearing.id IN ({hearing_ids})
            """,  # noqa: S608
            params,
        ),
        "answers": _rows(
            db,
            f"""
            SELECT answer.uuid, hearing.uuid AS hearing_uuid, answer.subject_uuid, answer.item_key,
                   answer.value, answer.note, answer.provenance
            FROM answer JOIN hearing ON hearing.id = answer.hearing_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, answer.id
            """,  # noqa: S608
            params,
        )
        if with_answers
        else [],
        "witnesses": _rows(
            db,
            f"""
            SELECT witness.uuid, hearing.uuid AS hearing_uuid, witness.label, witness.identity, witness.side,
                   witness.anonymous, witness.anonymity_reason, witness.identity_known_to_defence,
                   witness.voice_hidden, witness.image_hidden, witness.police_officer, witness.against,
                   witness.testimony
            FROM witness JOIN hearing ON hearing.id = witness.hearing_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, witness.id
            """,  # noqa: S608
            params,
        ),
        "allegations": _rows(
            db,
            f"""
            SELECT allegation.*, hearing.uuid AS hearing_uuid FROM allegation
            JOIN hearing ON hearing.id = allegation.hearing_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, allegation.id
            """,  # noqa: S608
            params,
        ),
        "notes": _rows(
            db,
            f"""
            SELECT note.uuid, hearing.uuid AS hearing_uuid, note.typed_at, note.text, note.publishable
            FROM note JOIN hearing ON hearing.id = note.hearing_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY note.typed_at
            """,  # noqa: S608
            params,
        ),
        "reviews": _rows(
            db,
            f"""
            SELECT review.uuid, hearing.uuid AS hearing_uuid, review.decision, review.comment,
                   review.answer_uuid, review.created_at, user.display_name AS reviewer
            FROM review JOIN hearing ON hearing.id = review.hearing_id
            JOIN user ON user.id = review.reviewer_id
            WHERE hearing.id IN ({hearing_ids}) ORDER BY review.id
            """,  # noqa: S608
            params,
        ),
    }
    for allegation in data["allegations"]:
        for key in ("id", "hearing_id", "trial_id"):
            allegation.pop(key, None)
    return data
