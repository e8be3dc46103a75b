"""The register: a country's recommendations, a mission's assessments of them and the evidence linked,
official statistics, and which country a mission reports on.

Every write goes through monitor.records (a version and an audit entry each) inside ``db.atomic``.
"""

import json
import math
import re

from sqlite_utils import Database

from .. import audit, records
from ..audit import Actor
from ..db import atomic
from ..ids import natural_uuid

BODIES = ("UPR", "CAT", "HRC")
RESPONSES = ("supported", "noted")
STATUSES = ("implemented", "partially", "not_implemented", "no_information")
LINK_KINDS = ("finding", "defendant", "allegation", "evidence", "statistic")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 4000
MAX_REASONING = 8000


def country_code(value: str) -> str:
    """``value`` as an ISO 3166-1 alpha-2 code ("kz" → "KZ"); :class:`ValueError` if it is not one."""
    code = (value or "").strip().upper()
    if not COUNTRY.match(code):
        raise ValueError(f"{value!r} is not a two-letter country code (ISO 3166-1 alpha-2), e.g. KZ")
    return code


def themes_of(value: str | None) -> list[str]:
    """A JSON list of themes as a list ([] when empty)."""
    return [str(t) for t in records.as_list(value)]


def themes_given(value) -> list:
    """The themes a form or the API gives: one per line (text), or already a list."""
    return split_themes(value) if isinstance(value, str) else list(value or [])


def split_themes(text: str) -> list[str]:
    """Themes written in one cell or field, separated by ";" or new lines; blanks and repeats dropped."""
    found: list[str] = []
    for part in re.split(r"[;\n]", text or ""):
        part = " ".join(part.split())
        if part and part not in found:
            found.append(part)
    return found


def recommendation_uuid(country: str, body: str, identifier: str, cycle: str, text: str) -> str:
    """The same recommendation imported twice (or on two machines) is one record: its uuid comes from
    its identifier in the public database, or — without one — from its cycle and its words."""
    if identifier:
        return natural_uuid("recommendation", country, body, identifier)
    return natural_uuid("recommendation", country, body, cycle, " ".join(text.split()))


# A mission's country -----------------------------------------------------------------------------------


def mission_country(db: Database, mission_id: int) -> str:
    """The country code a mission reports on ('' until a lead sets it)."""
    row = next(db.query("SELECT country_code FROM mission_country WHERE mission_id = ?", [mission_id]), None)
    return row["country_code"] if row else ""


def set_mission_country(db: Database, actor: Actor, mission: dict, code: str) -> None:
    code = country_code(code)
    with atomic(db):
        row = next(db.query("SELECT * FROM mission_country WHERE mission_id = ?", [mission["id"]]), None)
        if row is None:
            records.insert(
                db,
                "mission_country",
                actor,
                {
                    "uuid": natural_uuid("mission_country", mission["uuid"]),
                    "mission_id": mission["id"],
                    "country_code": code,
                },
            )
        else:
            records.update(db, "mission_country", actor, row, {"country_code": code})


# Recommendations -------------------------------------------------------------------------------------


def recommendation_fields(fields: dict) -> dict:
    """Checked and normalised columns of a recommendation; :class:`ValueError` naming the field."""
    body = (fields.get("body") or "UPR").strip().upper()
    if body not in BODIES:
        raise ValueError(f"body: {body!r} is not one of {', '.join(BODIES)}")
    response = (fields.get("response") or "").strip().lower()
    if response not in ("", *RESPONSES):
        raise ValueError(f"response: {response!r} is not one of {', '.join(RESPONSES)}")
    text = (fields.get("text") or "").strip()
    cycle = (fields.get("cycle") or "").strip()
    if not text:
        raise ValueError("text: the recommendation's words are missing")
    if not cycle:
        raise ValueError("cycle: the review cycle is missing")
    if len(text) > MAX_TEXT:
        raise ValueError(f"text: at most {MAX_TEXT} characters")
    themes = themes_given(fields.get("themes"))
    return {
        "country": country_code(fields.get("country", "")),
        "body": body,
        "cycle": cycle,
        "session": (fields.get("session") or "").strip(),
        "identifier": (fields.get("identifier") or "").strip(),
        "recommending_state": (fields.get("recommending_state") or "").strip(),
        "text": text,
        "response": response,
        "themes": json.dumps(list(themes), ensure_ascii=False),
        "document": (fields.get("document") or "").strip(),
    }


def save_recommendation(
    db: Database, actor: Actor, fields: dict, existing: dict | None = None
) -> tuple[dict, str]:
    """Create or change one recommendation: (row, "created" | "updated" | "unchanged").

    Without ``existing`` the record is found by its natural uuid (or its identifier): importing the same
    recommendation again changes nothing."""
    columns = recommendation_fields(fields)
    with atomic(db):
        if existing is None:
            uuid = recommendation_uuid(
                columns["country"], columns["body"], columns["identifier"], columns["cycle"], columns["text"]
            )
            existing = records.get(db, "recommendation", uuid)
            if existing is None and columns["identifier"]:
                existing = next(
                    db.query(
                        "SELECT * FROM recommendation WHERE country = ? AND body = ? AND identifier = ?",
                        [columns["country"], columns["body"], columns["identifier"]],
                    ),
                    None,
                )
            if existing is None:
                return records.insert(db, "recommendation", actor, {"uuid": uuid, **columns}), "created"
        clash = columns["identifier"] and next(
            db.query(
                "SELECT id FROM recommendation WHERE country = ? AND body = ? AND identifier = ? AND id != ?",
                [columns["country"], columns["body"], columns["identifier"], existing["id"]],
            ),
            None,
        )
        if clash:
            raise ValueError(
                f"identifier: another {columns['body']} recommendation is {columns['identifier']}"
            )
        after = records.update(db, "recommendation", actor, existing, columns)
        return after, "unchanged" if after["version"] == existing["version"] else "updated"


def recommendations(
    db: Database, country: str, body: str = "", cycle: str = "", theme: str = ""
) -> list[dict]:
    """A country's recommendations (of one body, cycle, theme when asked), in the order of the reports."""
    rows = db.query(
        "SELECT * FROM recommendation WHERE country = :c AND (:b = '' OR body = :b) "
        "AND (:y = '' OR cycle = :y) ORDER BY body = 'UPR' DESC, body, cycle, identifier, id",
        {"c": country, "b": body, "y": cycle},
    )
    found = []
    for row in rows:
        row["theme_list"] = themes_of(row["themes"])
        if theme and theme not in row["theme_list"]:
            continue
        found.append(row)
    return found


def cycles(db: Database, country: str) -> list[str]:
    return [
        r["cycle"]
        for r in db.query("SELECT DISTINCT cycle FROM recommendation WHERE country = ? ORDER BY 1", [country])
    ]


def all_themes(db: Database, country: str) -> list[str]:
    seen: list[str] = []
    for row in db.query("SELECT themes FROM recommendation WHERE country = ? ORDER BY id", [country]):
        for theme in themes_of(row["themes"]):
            if theme not in seen:
                seen.append(theme)
    return sorted(seen, key=str.casefold)


# Assessments -----------------------------------------------------------------------------------------


def assessment_uuid(mission: dict, recommendation: dict, cycle: str) -> str:
    return natural_uuid("assessment", mission["uuid"], recommendation["uuid"], cycle)


def assessments(db: Database, mission_id: int) -> dict[int, list[dict]]:
    """recommendation id → the mission's assessments of it (newest cycle last)."""
    found: dict[int, list[dict]] = {}
    for row in db.query("SELECT * FROM assessment WHERE mission_id = ? ORDER BY cycle, id", [mission_id]):
        found.setdefault(row["recommendation_id"], []).append(row)
    return found


def latest_assessment(db: Database, mission_id: int, recommendation_id: int) -> dict | None:
    return next(
        db.query(
            "SELECT * FROM assessment WHERE mission_id = ? AND recommendation_id = ? "
            "ORDER BY cycle DESC, id DESC",
            [mission_id, recommendation_id],
        ),
        None,
    )


def save_assessment(
    db: Database,
    actor: Actor,
    mission: dict,
    recommendation: dict,
    user: dict,
    cycle: str,
    status: str,
    reasoning: str,
) -> dict:
    """The mission's assessment of a recommendation for one cycle, created or changed."""
    cycle = (cycle or "").strip()
    if not cycle:
        raise ValueError("cycle: say which review cycle the assessment is for")
    if status not in STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    if len(reasoning or "") > MAX_REASONING:
        raise ValueError(f"reasoning: at most {MAX_REASONING} characters")
    fields = {"status": status, "reasoning": (reasoning or "").strip(), "assessed_by": user["id"]}
    with atomic(db):
        row = next(
            db.query(
                "SELECT * FROM assessment WHERE mission_id = ? AND recommendation_id = ? AND cycle = ?",
                [mission["id"], recommendation["id"], cycle],
            ),
            None,
        )
        if row is None:
            return records.insert(
                db,
                "assessment",
                actor,
                {
                    "uuid": assessment_uuid(mission, recommendation, cycle),
                    "mission_id": mission["id"],
                    "recommendation_id": recommendation["id"],
                    "cycle": cycle,
                    **fields,
                },
            )
        return records.update(db, "assessment", actor, row, fields)


def links(db: Database, assessment_id: int) -> list[dict]:
    return list(
        db.query("SELECT * FROM assessment_link WHERE assessment_id = ? ORDER BY id", [assessment_id])
    )


def add_link(db: Database, actor: Actor, assessment: dict, fields: dict) -> dict:
    """One piece of evidence linked to an assessment (the caller has checked what it points at)."""
    if fields.get("kind") not in LINK_KINDS:
        raise ValueError(f"kind: {fields.get('kind')!r} is not one of {', '.join(LINK_KINDS)}")
    row = {
        "assessment_id": assessment["id"],
        "kind": fields["kind"],
        "target_uuid": fields.get("target_uuid", ""),
        "path": fields.get("path", ""),
        "filters": json.dumps(fields.get("filters") or {}, sort_keys=True),
        "mode": fields.get("mode", ""),
        "frozen_at": fields.get("frozen_at"),
        "frozen_count": fields.get("frozen_count"),
        "frozen_of": fields.get("frozen_of"),
        "note": (fields.get("note") or "").strip(),
    }
    with atomic(db):
        return records.insert(db, "assessment_link", actor, row)


def remove_link(db: Database, actor: Actor, link: dict) -> None:
    """Unlink one piece of evidence; the audit log keeps what the link was."""
    with atomic(db):
        db.execute("DELETE FROM assessment_link WHERE id = ?", [link["id"]])
        audit.record(
            db,
            "assessment_link.delete",
            actor,
            record_type="assessment_link",
            record_uuid=link["uuid"],
            before={k: v for k, v in link.items() if k not in records.NOT_AUDITED},
        )


# Official statistics ---------------------------------------------------------------------------------


def statistic_fields(fields: dict) -> dict:
    what = (fields.get("what") or "").strip()
    if not what:
        raise ValueError("what: say what the figure counts")
    try:
        value = float(str(fields.get("value", "")).replace(" ", "").replace(",", "."))
    except ValueError:
        raise ValueError("value: a number, e.g. 662") from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise ValueError("value: a number, e.g. 662")
    for name in ("period", "source", "retrieved_on"):
        if not (fields.get(name) or "").strip():
            raise ValueError(f"{name}: missing")
    for name, most in (("what", 500), ("period", 200), ("source", 500), ("retrieved_on", 10)):
        if len(str(fields.get(name) or "").strip()) > most:
            raise ValueError(f"{name}: at most {most} characters")
    themes = themes_given(fields.get("themes"))
    return {
        "country": country_code(fields.get("country", "")),
        "what": what,
        "value": value,
        "period": fields["period"].strip(),
        "source": fields["source"].strip(),
        "retrieved_on": str(fields["retrieved_on"]).strip(),
        "themes": json.dumps(list(themes), ensure_ascii=False),
    }


def save_statistic(db: Database, actor: Actor, fields: dict, existing: dict | None = None) -> dict:
    columns = statistic_fields(fields)
    with atomic(db):
        if existing is None:
            return records.insert(db, "official_statistic", actor, columns)
        return records.update(db, "official_statistic", actor, existing, columns)


def statistics(db: Database, country: str, theme: str = "") -> list[dict]:
    found = []
    for row in db.query(
        "SELECT * FROM official_statistic WHERE country = ? ORDER BY what, period, id", [country]
    ):
        row["theme_list"] = themes_of(row["themes"])
        if theme and row["theme_list"] and theme not in row["theme_list"]:
            continue
        found.append(row)
    return found


def shown_value(value: float) -> str:
    """A figure as written: 662, not 662.0; 12.5 stays."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# The submission's per-theme text ----------------------------------------------------------------------


def theme_texts(db: Database, mission_id: int) -> dict[str, dict]:
    return {
        r["theme"]: r for r in db.query("SELECT * FROM submission_theme WHERE mission_id = ?", [mission_id])
    }


def save_theme_text(db: Database, actor: Actor, mission: dict, theme: str, text: str) -> dict:
    text = (text or "").strip()
    if len(text) > MAX_REASONING:
        raise ValueError(f"new recommendations: at most {MAX_REASONING} characters")
    with atomic(db):
        row = theme_texts(db, mission["id"]).get(theme)
        if row is None:
            return records.insert(
                db,
                "submission_theme",
                actor,
                {
                    "uuid": natural_uuid("submission_theme", mission["uuid"], theme),
                    "mission_id": mission["id"],
                    "theme": theme,
                    "new_recommendations": text,
                },
            )
        return records.update(db, "submission_theme", actor, row, {"new_recommendations": text})
