"""One entry point for every report: load, redact, count, render — ``build_report``."""

import os
import re
import unicodedata
from datetime import UTC, datetime

from flask import current_app
from sqlite_utils import Database

from .. import audit, checklists
from ..checklists import LANGUAGES
from ..evidence import records as evidence
from ..findings.aggregate import findings, matrix
from ..findings.scope import Scope
from ..follow_up import legal
from ..observe import sittings
from . import dataset, docx, exports, pdf, render
from .redact import PROFILES, pseudonym_key, redact
from .render import official

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
PER_HEARING = ("presence", "answers", "witnesses", "witness_appearances", "allegations", "notes", "reviews")
# What each report shows (the mission report states findings counted in SQL, and names people).
NEEDS = {
    "hearing": tuple(table for table in dataset.TABLES if table != "case_fact_history"),
    "trial": (
        "trials",
        "defendants",
        "sittings",
        "hearings",
        "presence",
        "witnesses",
        "allegations",
        "case_facts",
    ),
    "mission": ("trials", "defendants", "hearings"),
}


def narrow(data: dict, trial_uuid: str | None = None, hearing_uuid: str | None = None) -> dict:
    """The dataset cut down to one trial, or to one hearing (and its trial and defendants)."""
    data = dict(data)
    if hearing_uuid:
        data["hearings"] = [h for h in data["hearings"] if h["uuid"] == hearing_uuid]
        trial_uuid = data["hearings"][0]["trial_uuid"]
    data["trials"] = [t for t in data["trials"] if t["uuid"] == trial_uuid]
    data["defendants"] = [d for d in data["defendants"] if d["trial_uuid"] == trial_uuid]
    data["hearings"] = [h for h in data["hearings"] if h["trial_uuid"] == trial_uuid]
    kept = {h["uuid"] for h in data["hearings"]}
    for table in PER_HEARING:
        data[table] = [row for row in data.get(table, []) if row["hearing_uuid"] in kept]
    sittings = {h["sitting_uuid"] for h in data["hearings"]}
    data["sittings"] = [s for s in data.get("sittings", []) if s["uuid"] in sittings]
    data["reconciliations"] = [r for r in data.get("reconciliations", []) if r["sitting_uuid"] in sittings]
    persons = {w["person_uuid"] for w in data["witness_appearances"]}
    data["witness_persons"] = [p for p in data.get("witness_persons", []) if p["uuid"] in persons]
    defendants = {d["uuid"] for d in data["defendants"]}
    for table in ("case_facts", "case_fact_history"):
        data[table] = [f for f in data.get(table, []) if f["defendant_uuid"] in defendants]
    return data


def export_facts(db: Database) -> dict:
    """When the report was made, and the audit chain's head at that moment (its integrity line)."""
    chain = audit.verify(db)
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {"at": at, "audit_head": chain.head, "audit_rows": chain.rows, "audit_ok": chain.ok}


def pseudonymised_findings(found: dict, data: dict) -> dict:
    """The findings with every name taken from the redacted dataset (the findings read the database)."""
    names = render.people(data)
    found["custody"]["defendants"] = [
        {**d, "name": names.get(d["uuid"], render.DASH)} for d in found["custody"]["defendants"]
    ]
    if "matrix" in found:
        found["matrix"]["defendants"] = [
            {**d, "name": names.get(d["uuid"], render.DASH)} for d in found["matrix"]["defendants"]
        ]
    return found


def checklist_of(record: dict):
    """The checklist a hearing was answered with, or a mission's; :class:`ValueError` if it is missing."""
    try:
        return checklists.get(
            record["checklist_id"],
            record["checklist_version"],
            extra_dirs=current_app.config["CHECKLIST_DIRS"],
        )
    except KeyError as error:
        raise ValueError(str(error.args[0])) from error


def slug(value: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:40] or fallback


def build_report(
    db: Database,
    mission: dict,
    kind: str,
    fmt: str,
    profile: str,
    lang: str,
    instance_path: str,
    hearing_uuid: str | None = None,
    trial_uuid: str | None = None,
) -> tuple[bytes, str, str]:
    """The report as (content, mimetype, suggested file name); :class:`ValueError` saying what is wrong.

    Needs an app context (configuration, templates, translations). ``instance_path`` holds the
    pseudonym key of the public profile.
    """
    if kind not in render.KINDS:
        raise ValueError(f"unknown report kind {kind!r}; use one of {', '.join(render.KINDS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    # The record reported on ("" when the kind has none; any uuid given for another kind is not used).
    hearing_key = trial_key = ""
    if kind == "hearing":
        if not hearing_uuid:
            raise ValueError("a hearing report needs the hearing's uuid")
        hearing_key = hearing_uuid.strip().lower()
    if kind == "trial":
        if not trial_uuid:
            raise ValueError("a trial report needs the trial's uuid")
        trial_key = trial_uuid.strip().lower()
    # Only a hearing report lists answers; the trial and mission reports state findings computed in SQL.
    data = dataset.load(
        db,
        mission,
        trial_uuid=trial_key if kind == "trial" else None,
        hearing_uuid=hearing_key if kind == "hearing" else None,
        with_answers=kind == "hearing",
        tables=NEEDS[kind],
    )
    if kind == "hearing" and not any(h["uuid"] == hearing_key for h in data["hearings"]):
        raise ValueError(
            f"no submitted hearing {hearing_key} in mission {mission['name']!r} "
            "(drafts have no report; a hearing of another mission is refused)"
        )
    if kind == "trial" and not any(t["uuid"] == trial_key for t in data["trials"]):
        raise ValueError(f"no trial {trial_key} in mission {mission['name']!r}")
    data = redact(data, profile, pseudonym_key(instance_path) if profile == "public" else None)
    data["export"] = export_facts(db)
    found = None
    if kind == "hearing":
        data = narrow(data, hearing_uuid=hearing_key)
        hearing = data["hearings"][0]
        checklist = checklist_of(hearing)
        data["sitting"] = sittings.how_observed(db, hearing["sitting_uuid"], checklist)
        name = f"hearing-{hearing['hearing_date']}-{hearing_key[:8]}"
    else:
        checklist = checklist_of(mission)
        scope = Scope(mission["id"], trial_uuids=(trial_key,) if trial_key else ())
        found = findings(db, scope, checklist, mission)
        if kind == "mission":  # a trial × right summary, from the findings (render/matrix.py)
            name = "findings"
        else:  # the defendant × right matrix of this trial's defendants
            found["matrix"] = matrix(db, scope, checklist)
            data = narrow(data, trial_uuid=trial_key)
            title = "" if profile == "public" else data["trials"][0]["title"]
            name = f"trial-{slug(title, trial_key[:8])}"
        found = pseudonymised_findings(found, data)
    if kind != "hearing":  # files are listed in an annex, never embedded (monitor/evidence/report.py)
        scope_uuid = trial_key if kind == "trial" else None
        data["evidence"] = evidence.annex(db, mission["id"], scope_uuid, profile=profile)
        if kind == "trial":  # the lead's legal assessment (monitor/follow_up/legal.py)
            data["legal_assessment"] = legal.for_report(db, trial_key, checklist, profile)
    if kind == "mission":  # the official figures of its country, in a section of their own
        data["official_statistics"] = official.for_report(db, mission)
    # No name in a public file's name (a title or a mission may name a person, or a place): uuids only.
    mission_stem = exports.stem(data["mission"], profile) if profile == "public" else None
    filename = f"{mission_stem or slug(data['mission']['name'], 'mission')}-{name}-{profile}-{lang}.{fmt}"
    if fmt == "docx":
        content = docx.to_docx(kind, data, lang, found, checklist, profile)
    else:
        html = render.render_html(kind, data, lang, findings=found, checklist=checklist)
        del data, found  # WeasyPrint needs the memory more
        if fmt == "html":
            content = html.encode()
        else:
            static = current_app.static_folder
            if static is None:
                raise RuntimeError("the app has no static folder: the report's stylesheet is in it")
            content = pdf.to_pdf(html, os.path.dirname(static))
    return content, FORMATS[fmt], filename


def record_export(db: Database, actor: audit.Actor, mission: dict, **choices) -> None:
    """One audit entry per export: which report, format, profile, language and record."""
    audit.record(
        db, "report.export", actor, record_type="mission", record_uuid=mission["uuid"], after=choices
    )
