"""Behind every count: who the people are, and the hearings and answers where it was observed."""

import json

from sqlite_utils import Database

from .aggregate import _hearings_cte
from .scope import Scope


def people(db: Database, uuids: list[str]) -> dict[str, dict]:
    """What each uuid in a count is: a defendant, a witness, a sitting, a hearing or an allegation."""
    found: dict[str, dict] = {}
    if not uuids:
        return found
    params = {"uuids": json.dumps(uuids)}
    queries = {
        "defendant": "SELECT defendant.uuid, defendant.name AS label, trial.title AS trial FROM defendant "
        "JOIN trial ON trial.id = defendant.trial_id",
        "witness": "SELECT witness.uuid, 'W ' || witness.label AS label, trial.title AS trial FROM witness "
        "JOIN trial ON trial.id = witness.trial_id",
        "hearing": "SELECT hearing.uuid, hearing.hearing_date AS label, trial.title AS trial FROM hearing "
        "JOIN trial ON trial.id = hearing.trial_id",
        "sitting": "SELECT sitting.uuid, sitting.sitting_date AS label, trial.title AS trial FROM sitting "
        "JOIN trial ON trial.id = sitting.trial_id",
        "allegation": "SELECT allegation.uuid, hearing.hearing_date AS label, trial.title AS trial "
        "FROM allegation JOIN hearing ON hearing.id = allegation.hearing_id "
        "JOIN trial ON trial.id = allegation.trial_id",
        "trial": "SELECT trial.uuid, trial.title AS label, '' AS trial FROM trial",
    }
    for kind, sql in queries.items():
        table = kind
        for row in db.query(f"{sql} WHERE {table}.uuid IN (SELECT value FROM json_each(:uuids))", params):  # noqa: S608
            found[row["uuid"]] = {**row, "kind": kind}
    return found


def answers(db: Database, scope: Scope, item_key: str, units: list[str]) -> dict[str, list[dict]]:
    """For each person (or sitting) counted on an item: the answers in the observations in scope."""
    cte, params = _hearings_cte(scope)
    rows = db.query(
        f"""
        WITH {cte}
        SELECT CASE answer.subject_uuid WHEN '' THEN h.sitting_uuid ELSE answer.subject_uuid END AS unit,
               h.uuid AS hearing_uuid, h.hearing_date, user.display_name AS observer,
               answer.value, answer.note, answer.provenance
        FROM answer JOIN h ON h.id = answer.hearing_id JOIN user ON user.id = h.observer_id
        WHERE answer.item_key = :item AND answer.value NOT IN ('', 'not_observed')
        ORDER BY h.hearing_date
        """,  # noqa: S608
        {**params, "item": item_key},
    )
    wanted = set(units)
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        if row["unit"] in wanted:
            grouped.setdefault(row["unit"], []).append(row)
    return grouped


def allegations(db: Database, scope: Scope) -> dict[str, list[dict]]:
    """The allegations in scope, by allegation uuid and by the person who made them."""
    cte, params = _hearings_cte(scope)
    rows = db.query(
        f"""
        WITH {cte}
        SELECT allegation.*, h.uuid AS hearing_uuid, h.hearing_date, user.display_name AS observer,
               (SELECT witness.uuid FROM witness_appearance
                JOIN witness ON witness.id = witness_appearance.witness_id
                WHERE witness_appearance.uuid = allegation.witness_uuid) AS witness_person_uuid
        FROM allegation JOIN h ON h.id = allegation.hearing_id JOIN user ON user.id = h.observer_id
        ORDER BY h.hearing_date
        """,  # noqa: S608
        params,
    )
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        for key in (row["uuid"], row["defendant_uuid"], row["witness_uuid"], row["witness_person_uuid"]):
            if key:
                grouped.setdefault(key, []).append(row)
    return grouped
