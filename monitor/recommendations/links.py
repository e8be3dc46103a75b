"""What an assessment's evidence links point at, and the number a findings link stands for.

A findings link names a count (``aggregate.resolve``'s path, e.g. ``torture.defendants_alleging``) and the
filters it was counted with (monitor/findings/filters.py's names). It is either *live* — counted again
from the observations whenever it is shown — or *frozen* at a moment: its count, denominator and date
are stored and never change, whatever is recorded later.
"""

import json

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import checklists, records
from ..findings import aggregate, labels
from ..findings.filters import FilterError, OptionArgs, scope_from
from ..findings.scope import Scope
from . import records as register

FILTER_NAMES = ("status", "trial", "court", "judge", "from", "to", "observer")
FILTER_LABELS = {
    "status": _l("Status"),
    "trial": _l("Trial"),
    "court": _l("Court"),
    "judge": _l("Judge"),
    "from": _l("From"),
    "to": _l("To"),
    "observer": _l("Observer"),
}


class Findings:
    """The mission's findings per set of filters, each counted once per request."""

    def __init__(self, db: Database, mission: dict):
        self.db, self.mission = db, mission
        self.checklist = checklists.of(mission)
        self._found: dict[str, dict] = {}

    def scope(self, filters: dict) -> Scope:
        return scope_from(self.mission, OptionArgs({k: tuple(v) for k, v in filters.items()}))

    def data(self, filters: dict) -> dict:
        key = json.dumps(filters, sort_keys=True)
        if key not in self._found:
            self._found[key] = aggregate.findings(self.db, self.scope(filters), self.checklist, self.mission)
        return self._found[key]

    def count(self, path: str, filters: dict) -> dict | None:
        """{"count", "of"} at ``path`` now, or None when the findings have no such count."""
        counted = aggregate.resolve(self.data(filters), path)
        return None if counted is None else {"count": counted["count"], "of": counted.get("of")}

    def paths(self, filters: dict | None = None) -> list[tuple[str, str]]:
        """(path, words) of every count a link may name: the fixed ones and each question's concerns."""
        data = self.data(filters or {})
        lang = current_language()
        found = [(path, str(title)) for path, title in labels.TITLES.items() if aggregate.resolve(data, path)]
        for entry in data["items"]:
            path = f"items.{entry['key']}.concern"
            found.append((path, labels.evidence_title(path, self.checklist, lang)))
        return found


def current_language() -> str:
    return str(get_locale() or "en")


def clean_filters(args) -> dict:
    """The filters of a query string or a form (``getlist``), as stored: name → list of values."""
    found = {}
    for name in FILTER_NAMES:
        values = [v.strip() for v in args.getlist(name) if v and v.strip()]
        if values:
            found[name] = values
    return found


def parse_filters(text: str) -> dict:
    """Filters written as a query string ("trial=…&from=2026-01-01"), as on the findings page's address."""
    from urllib.parse import parse_qs

    parsed = parse_qs((text or "").strip().lstrip("?"), keep_blank_values=False)
    unknown = sorted(set(parsed) - set(FILTER_NAMES))
    if unknown:
        raise ValueError(_("Unknown filter “%(name)s”.", name=unknown[0]))
    return {name: [v.strip() for v in values if v.strip()] for name, values in parsed.items() if values}


def describe_filters(db: Database, filters: dict) -> str:
    """The filters in words ("Trial: The Test trial; From: 2026-01-01"), or "all observations counted"."""
    parts = []
    for name in FILTER_NAMES:
        values = filters.get(name) or []
        if not values:
            continue
        if name == "trial":
            values = [_title(db, "trial", v, "title") for v in values]
        elif name == "observer":
            values = [_title(db, "user", v, "display_name") for v in values]
        parts.append(f"{FILTER_LABELS[name]}: {', '.join(values)}")
    return "; ".join(parts) or _("all submitted and approved observations")


def _title(db: Database, table: str, uuid: str, column: str) -> str:
    row = records.get(db, table, uuid)
    return (row[column] or uuid) if row else uuid


def finding_value(findings: Findings, link: dict) -> dict:
    """{"count", "of", "live", "as_of", "missing"} of a findings link."""
    if link["mode"] == "frozen":
        return {
            "count": link["frozen_count"],
            "of": link["frozen_of"],
            "live": False,
            "as_of": (link["frozen_at"] or "")[:10],
            "missing": False,
        }
    counted = findings.count(link["path"], json.loads(link["filters"] or "{}"))
    if counted is None:
        return {"count": None, "of": None, "live": True, "as_of": "", "missing": True}
    return {**counted, "live": True, "as_of": "", "missing": False}


def freeze(findings: Findings, path: str, filters: dict, now: str) -> dict:
    """The columns of a link frozen now: its count and denominator as they are at ``now``."""
    counted = findings.count(path, filters)
    if counted is None:
        raise ValueError(_("The findings have no count “%(path)s”.", path=path))
    return {"frozen_at": now, "frozen_count": counted["count"], "frozen_of": counted["of"]}


MODES = ("live", "frozen")
RECORD_KINDS = ("defendant", "allegation", "evidence", "statistic")


def finding_link(findings: Findings, path: str, filters_text: str, mode: str, note: str, now: str) -> dict:
    """The fields of a link to a findings number (ValueError with a message: nothing is linked). The
    page and the API both come here."""
    if mode not in MODES:
        raise ValueError(_("Choose live or frozen."))
    try:
        filters = parse_filters(filters_text)
        findings.scope(filters)  # refuses a malformed filter
    except FilterError as error:
        raise ValueError(_("A filter was not understood: %(error)s", error=str(error))) from None
    fields = {"kind": "finding", "path": path, "filters": filters, "mode": mode, "note": note.strip()}
    if mode == "frozen":
        return {**fields, **freeze(findings, path, filters, now)}
    if findings.count(path, filters) is None:
        raise ValueError(_("The findings have no count “%(path)s”.", path=path))
    return fields


def record_link(db: Database, mission: dict, kind: str, uuid: str, note: str) -> dict:
    """The fields of a link to a record of the mission (ValueError with a message: nothing is linked)."""
    target = target_of(db, mission, kind, uuid) if kind in RECORD_KINDS else None
    if target is None:
        raise ValueError(_("Choose a record of this mission."))
    return {"kind": kind, "target_uuid": target["uuid"], "note": note.strip()}


# The files a submission may cite: a case file's or a sitting's, not withdrawn. A file on a witness may
# name them and one on an allegation the perpetrators (monitor/permissions.py, evidence_rights): whoever
# reads the mission's recommendations must not learn even its name.
OPEN_FILES = (
    "evidence.withdrawn_at IS NULL AND (evidence.defendant_id IS NOT NULL OR evidence.sitting_id IS NOT NULL)"
)


def target_of(db: Database, mission: dict, kind: str, uuid: str) -> dict | None:
    """The record a link names, when it belongs to this mission (or its country): else None."""
    uuid = (uuid or "").strip().lower()
    if kind == "statistic":
        row = records.get(db, "official_statistic", uuid)
        return row if row and row["country"] == register.mission_country(db, mission["id"]) else None
    sql = {
        "defendant": "SELECT defendant.* FROM defendant JOIN trial ON trial.id = defendant.trial_id "
        "WHERE defendant.uuid = ? AND trial.mission_id = ?",
        "allegation": "SELECT allegation.* FROM allegation JOIN trial ON trial.id = allegation.trial_id "
        "WHERE allegation.uuid = ? AND trial.mission_id = ?",
        "evidence": "SELECT evidence.* FROM evidence JOIN trial ON trial.id = evidence.trial_id "  # noqa: S608
        f"WHERE evidence.uuid = ? AND trial.mission_id = ? AND {OPEN_FILES}",  # (constant pieces)
    }.get(kind)
    if sql is None:
        return None
    return next(db.query(sql, [uuid, mission["id"]]), None)


def choices(db: Database, mission: dict) -> dict[str, list[tuple[str, str]]]:
    """What a lead may link, per kind: (uuid, words)."""
    m = {"m": mission["id"]}
    defendants = [
        (r["uuid"], f"{r['name']} — {r['title']}")
        for r in db.query(
            "SELECT defendant.uuid, defendant.name, trial.title FROM defendant "
            "JOIN trial ON trial.id = defendant.trial_id WHERE trial.mission_id = :m "
            "ORDER BY trial.title, defendant.position",
            m,
        )
    ]
    allegations = [
        (r["uuid"], _allegation_words(r))
        for r in db.query(
            "SELECT allegation.uuid, allegation.alleged_by, hearing.hearing_date, trial.title, "
            "defendant.name AS defendant FROM allegation JOIN hearing ON hearing.id = allegation.hearing_id "
            "JOIN trial ON trial.id = allegation.trial_id "
            "LEFT JOIN defendant ON defendant.uuid = allegation.defendant_uuid "
            "WHERE trial.mission_id = :m AND hearing.status != 'draft' "
            "ORDER BY hearing.hearing_date, allegation.id",
            m,
        )
    ]
    documents = [
        (r["uuid"], f"{r['filename']} — {r['title']}")
        for r in db.query(
            "SELECT evidence.uuid, evidence.filename, trial.title FROM evidence "  # noqa: S608
            f"JOIN trial ON trial.id = evidence.trial_id WHERE trial.mission_id = :m AND {OPEN_FILES} "
            "ORDER BY evidence.id",
            m,
        )
    ]
    country = register.mission_country(db, mission["id"])
    statistics = [
        (r["uuid"], f"{r['what']}: {register.shown_value(r['value'])} ({r['period']})")
        for r in register.statistics(db, country)
    ]
    return {
        "defendant": defendants,
        "allegation": allegations,
        "evidence": documents,
        "statistic": statistics,
    }


def _allegation_words(row: dict) -> str:
    who = row["defendant"] if row["alleged_by"] == "defendant" and row["defendant"] else _("a witness")
    return _(
        "Allegation by %(who)s, %(date)s — %(trial)s", who=who, date=row["hearing_date"], trial=row["title"]
    )


def described(db: Database, findings: Findings, link: dict) -> dict:
    """A link as a page shows it: {"link", "words", "value" (for findings), "target"}."""
    found = {"link": link, "words": "", "value": None, "target": None}
    if link["kind"] == "finding":
        found["value"] = finding_value(findings, link)
        found["words"] = labels.evidence_title(link["path"], findings.checklist, current_language())
        found["filters"] = describe_filters(db, json.loads(link["filters"] or "{}"))
        return found
    target = target_of(db, findings.mission, link["kind"], link["target_uuid"])
    found["target"] = target
    if target is None:
        found["words"] = _("(no longer available)")
    elif link["kind"] == "statistic":
        value = register.shown_value(target["value"])
        found["words"] = f"{target['what']}: {value} ({target['period']}; {target['source']})"
    else:
        words = dict(choices_one(db, findings.mission, link["kind"], target["uuid"]))
        found["words"] = words.get(target["uuid"], target["uuid"])
    return found


def choices_one(db: Database, mission: dict, kind: str, uuid: str) -> list[tuple[str, str]]:
    return [c for c in choices(db, mission).get(kind, []) if c[0] == uuid]
