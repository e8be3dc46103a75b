"""The stakeholder submission (issue #14): per theme, the recommendations the state received with its
responses and the mission's assessment of each, counted; the evidence of trial observation worded from
the findings; the official figures beside them (never mixed); the mission's new recommendations; a note
tying every number to its source. Built as a :class:`Report` of the same blocks as every report, so the
DOCX writer and the PDF (HTML) templates render it.

Made from the register and the findings, redacted: names in the mission's texts and in the linked records
go through the profile's rules (monitor/reports/redact.py) — in the public profile a defendant is named
by pseudonym and any name of the mission's records in a text is replaced; an allegation its observer
marked confidential is left out of partner and public submissions.
"""

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from docx import Document
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ...findings import labels, wording
from ...recommendations import links as linked
from ...recommendations import records as register
from .. import dataset
from ..redact import PROFILES, pseudonym_key, redact
from . import official
from .blocks import Block, Report, Section, Table, facts, note, profile_line, sentences, text

# The UPR's limit for a stakeholder's written submission (OHCHR, third and fourth cycle guidelines for
# relevant stakeholders): 2,815 words for an individual submission, 5,630 for a joint one; see
# docs/recommendations.md for what is counted.
WORD_LIMITS = {"individual": 2815, "joint": 5630}
STATUS_LABELS = {
    "implemented": _l("implemented"),
    "partially": _l("partially implemented"),
    "not_implemented": _l("not implemented"),
    "no_information": _l("no information"),
    "": _l("not yet assessed"),
}
RESPONSE_LABELS = {"supported": _l("Supported"), "noted": _l("Noted"), "": "—"}
BODY_LABELS = {
    "UPR": _l("Universal Periodic Review"),
    "CAT": _l("Committee against Torture"),
    "HRC": _l("Human Rights Committee"),
}


@dataclass
class Theme:
    title: str
    recommendations: list = field(default_factory=list)  # (recommendation, latest assessment or None)
    links: list = field(default_factory=list)  # the assessments' evidence links
    counts: dict = field(default_factory=dict)


@dataclass
class Submission:
    report: Report
    words: int
    limit: int
    themes: list


def themes(db: Database, mission: dict) -> list[Theme]:
    """The themes of the recommendations this mission assessed, each with every recommendation of the
    country under it (assessed or not) and the evidence linked to their assessments."""
    country = register.mission_country(db, mission["id"])
    if not country:
        return []
    assessed = register.assessments(db, mission["id"])
    found: dict[str, Theme] = {}
    rows = register.recommendations(db, country)
    for rec in rows:
        if rec["id"] in assessed:
            for title in rec["theme_list"] or [_("Other recommendations")]:
                found.setdefault(title, Theme(title))
    for rec in rows:
        latest = assessed.get(rec["id"], [None])[-1]
        for title in rec["theme_list"] or [_("Other recommendations")]:
            if title in found:
                found[title].recommendations.append((rec, latest))
                if latest is not None:
                    found[title].links.extend(register.links(db, latest["id"]))
    for theme in found.values():
        theme.counts = {status: 0 for status in STATUS_LABELS}
        for _rec, latest in theme.recommendations:
            theme.counts[latest["status"] if latest else ""] += 1
    return [found[title] for title in sorted(found, key=str.casefold)]


def counted(status: str, n: int) -> str:
    """ "3 implemented" in the plural form of the count (ru «3 выполнены», «5 выполнено»)."""
    forms = {
        "implemented": lambda: ngettext("%(num)d implemented", "%(num)d implemented", n),
        "partially": lambda: ngettext("%(num)d partially implemented", "%(num)d partially implemented", n),
        "not_implemented": lambda: ngettext("%(num)d not implemented", "%(num)d not implemented", n),
        "no_information": lambda: ngettext("%(num)d with no information", "%(num)d with no information", n),
        "": lambda: ngettext("%(num)d not yet assessed", "%(num)d not yet assessed", n),
    }
    return forms[status]()


def counts_sentence(counts: dict) -> str:
    """ "Of 10 recommendations: 3 implemented, 4 partially implemented, 3 not implemented." """
    total = sum(counts.values())
    parts = [
        counted(status, counts[status])
        for status in ("implemented", "partially", "not_implemented", "no_information", "")
        if counts[status] or status in ("implemented", "partially", "not_implemented")
    ]
    head = ngettext("Of %(num)d recommendation", "Of %(num)d recommendations", total)
    return f"{head}: {', '.join(parts)}."


class Notes:
    """The numbered notes: every number in the submission points to one, saying where it comes from."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, line: str) -> str:
        if line not in self.lines:
            self.lines.append(line)
        return f"[{self.lines.index(line) + 1}]"


def build(
    db: Database, mission: dict, lang: str, profile: str, instance_path: str, kind: str = "individual"
) -> Submission:
    """The submission in ``lang`` with ``profile`` applied."""
    if profile not in PROFILES:
        raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
    with force_locale(lang):
        return _build(db, mission, lang, profile, instance_path, kind)


def _build(db, mission, lang, profile, instance_path, kind) -> Submission:
    country = register.mission_country(db, mission["id"])
    findings = linked.Findings(db, mission)
    chosen = themes(db, mission)
    texts = register.theme_texts(db, mission["id"])
    # Everything written by hand, and every name a linked record shows, goes through the profile.
    pieces: dict[str, str] = {}
    for theme in chosen:
        pieces[f"new:{theme.title}"] = (texts.get(theme.title) or {}).get("new_recommendations", "")
        for _rec, latest in theme.recommendations:
            if latest:
                pieces[f"reasoning:{latest['uuid']}"] = latest["reasoning"]
        for link in theme.links:
            pieces[f"note:{link['uuid']}"] = link["note"]
            if link["kind"] == "evidence":
                target = linked.target_of(db, mission, "evidence", link["target_uuid"])
                pieces[f"file:{link['uuid']}"] = target["filename"] if target else ""
    data = dataset.load(
        db,
        mission,
        with_answers=False,
        tables=(
            "trials",
            "defendants",
            "hearings",
            "witnesses",
            "witness_persons",
            "witness_appearances",
            "allegations",
        ),
    )
    data["submission_texts"] = [{"piece_uuid": key, "text": value} for key, value in pieces.items()]
    data = redact(data, profile, pseudonym_key(instance_path) if profile == "public" else None)
    shown = {row["piece_uuid"]: row["text"] for row in data["submission_texts"]}
    names = {d["uuid"]: d["name"] for d in data["defendants"]}
    trials = {t["uuid"]: t["title"] for t in data["trials"]}
    kept_allegations = {a["uuid"]: a for a in data["allegations"]}
    mission_name = data["mission"]["name"]

    notes = Notes()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    everything = findings.data({})
    report = Report(
        kind="submission",
        lang=lang,
        title=_("Stakeholder submission to the Universal Periodic Review"),
        subtitle=_("Draft for %(country)s", country=country or "—"),
        mission=mission_name,
        profile=profile,
        profile_line=profile_line(profile),
        facts=[],
    )
    method = wording.method_sentence(everything["method"])
    source = notes.add(
        _(
            "Trial monitor findings of the mission “%(mission)s”, counted on %(date)s from %(filters)s.",
            mission=mission_name,
            date=today,
            filters=linked.describe_filters(db, {}),
        )
    )
    report.sections.append(
        Section(
            _("Introduction"),
            [
                text(
                    _(
                        "This submission draws on the trial observation of the mission “%(mission)s”. It "
                        "recalls the recommendations the State received, assesses how far each was "
                        "implemented, and sets out the evidence.",
                        mission=mission_name,
                    )
                ),
                text(f"{method} {source}"),
            ],
            ident="introduction",
        )
    )
    if not chosen:
        report.sections.append(
            Section(_("Recommendations"), [note(_("No recommendation has been assessed yet."))])
        )
    for number, theme in enumerate(chosen, 1):
        report.sections.extend(
            _theme_sections(
                db,
                number,
                theme,
                findings,
                notes,
                shown,
                names,
                trials,
                kept_allegations,
                mission,
                country,
                lang,
                today,
                everything,
            )
        )
    report.sections.append(
        Section(
            _("Sources of the numbers"),
            [text(f"[{i}] {line}") for i, line in enumerate(notes.lines, 1)],
            ident="notes",
        )
    )
    words = count_words(report)
    limit = WORD_LIMITS.get(kind, WORD_LIMITS["individual"])
    report.facts = [
        (_("Country"), country or "—"),
        (_("Mission"), mission_name),
        (_("Draft of"), today),
        (_("Words"), word_counter(words, limit)),
    ]
    report.audit_line = ""
    return Submission(report, words, limit, chosen)


def word_counter(words: int, limit: int) -> str:
    line = _(
        "%(words)s of %(limit)s words (the UPR limit for a stakeholder submission)",
        words=words,
        limit=f"{limit:,}",
    )
    if words > limit:
        line += " — " + _("%(over)s words too many", over=words - limit)
    return line


def count_words(report: Report) -> int:
    """The words of the submission's text and tables, as a word processor counts them (the notes are
    counted too: the OHCHR counts footnotes; see docs/recommendations.md)."""
    total = 0
    for section in report.sections:
        total += len(section.title.split())
        for block in section.blocks:
            if block.kind in ("text", "note"):
                total += len(str(block.content).split())
            elif block.kind == "sentences":
                total += sum(len(str(line).split()) for line in cast(list, block.content))
            elif block.kind == "table":
                table = cast(Table, block.content)
                total += sum(len(h.split()) for h in table.head)
                for row in table.rows:
                    cells = [row] if isinstance(row, str) else row
                    total += sum(len(str(getattr(c, "text", c)).split()) for c in cells)
    return total


def _theme_sections(
    db,
    number,
    theme,
    findings,
    notes,
    shown,
    names,
    trials,
    allegations,
    mission,
    country,
    lang,
    today,
    everything,
) -> list[Section]:
    sections = [Section(f"{number}. {theme.title}", [], ident=f"theme-{number}")]
    # The recommendations received, their responses and the assessment of each.
    rows = []
    reasons = []
    for rec, latest in theme.recommendations:
        words = rec["text"] + (f" ({rec['recommending_state']})" if rec["recommending_state"] else "")
        ref = " ".join(x for x in (rec["body"], rec["identifier"] or "", f"({rec['cycle']})") if x)
        rows.append(
            [
                ref,
                words,
                str(RESPONSE_LABELS.get(rec["response"], rec["response"])),
                str(STATUS_LABELS[latest["status"] if latest else ""]),
            ]
        )
        reasoning = shown.get(f"reasoning:{latest['uuid']}", "") if latest else ""
        if reasoning:
            reasons.append(text(f"{ref} — {STATUS_LABELS[latest['status']]}: {reasoning}"))
    head = [_("Recommendation"), _("Text"), _("Response"), _("Assessment")]
    sections.append(
        Section(
            _("Previous recommendations and their implementation"),
            [
                text(counts_sentence(theme.counts)),
                Block("table", Table(head, rows, widths=(0.14, 0.56, 0.12, 0.18), css="recommendations")),
                *reasons,
            ],
            level=3,
        )
    )
    # The evidence of the trial observation.
    lines, seen = [], set()
    statistics = []
    for link in theme.links:
        if link["kind"] == "finding":
            key = (link["path"], link["filters"], link["mode"], link["frozen_at"])
            if key in seen:
                continue
            seen.add(key)
            value = linked.finding_value(findings, link)
            if value["missing"]:
                continue
            filters = json.loads(link["filters"] or "{}")
            title = labels.evidence_title(link["path"], findings.checklist, lang)
            when = (
                _("frozen on %(date)s", date=value["as_of"])
                if not value["live"]
                else _("counted on %(date)s", date=today)
            )
            marker = notes.add(
                _(
                    "Trial monitor findings: “%(title)s”, %(filters)s; %(when)s.",
                    title=title,
                    filters=linked.describe_filters(db, filters),
                    when=when,
                )
            )
            line = finding_sentence(link["path"], value, findings.checklist, lang)
            extra = shown.get(f"note:{link['uuid']}", "")
            lines.append(f"{line} {marker}" + (f" {extra}" if extra else ""))
            if link["path"].startswith("torture.") and link["mode"] != "frozen":
                follow = findings.data(filters)["torture"].get("follow_up")
                if follow:
                    lines.append(follow_up_sentence(follow, findings.data(filters)["torture"]) + f" {marker}")
        elif link["kind"] == "statistic":
            target = linked.target_of(db, mission, "statistic", link["target_uuid"])
            if target and target not in statistics:
                statistics.append(target)
        elif link["kind"] == "defendant":
            target = linked.target_of(db, mission, "defendant", link["target_uuid"])
            if target and target["uuid"] in names:
                trial = _trial_title(db, target["trial_id"], trials)
                marker = notes.add(
                    _(
                        "Case file of %(name)s (%(trial)s), kept by the mission.",
                        name=names[target["uuid"]],
                        trial=trial,
                    )
                )
                extra = shown.get(f"note:{link['uuid']}", "")
                lines.append(
                    _("The case of %(name)s (%(trial)s).", name=names[target["uuid"]], trial=trial)
                    + (f" {extra}" if extra else "")
                    + f" {marker}"
                )
        elif link["kind"] == "allegation":
            kept = allegations.get(link["target_uuid"])
            if kept:
                target = linked.target_of(db, mission, "allegation", link["target_uuid"])
                trial = _trial_title(db, target["trial_id"], trials) if target else ""
                marker = notes.add(
                    _(
                        "An allegation recorded by the mission's observers at a hearing (%(trial)s).",
                        trial=trial,
                    )
                )
                extra = shown.get(f"note:{link['uuid']}", "")
                lines.append(
                    (extra or _("An allegation of torture or ill-treatment raised in court.")) + f" {marker}"
                )
        elif link["kind"] == "evidence":
            filename = shown.get(f"file:{link['uuid']}", "")
            if filename:
                marker = notes.add(_("Document “%(name)s”, held by the mission.", name=filename))
                extra = shown.get(f"note:{link['uuid']}", "")
                lines.append((extra or _("A document held by the mission.")) + f" {marker}")
    for stat in register.statistics(db, country, theme.title):
        if stat["theme_list"] and stat not in statistics:
            statistics.append(stat)
    sections.append(
        Section(
            _("Evidence from trial observation"),
            [sentences(lines)]
            if lines
            else [note(_("No evidence has been linked to these assessments yet."))],
            level=3,
        )
    )
    if statistics:
        rows = []
        for stat in statistics:
            marker = notes.add(
                _("%(source)s, retrieved on %(date)s.", source=stat["source"], date=stat["retrieved_on"])
            )
            rows.append(
                [
                    stat["what"],
                    f"{register.shown_value(stat['value'])} {marker}",
                    stat["period"],
                    stat["source"],
                ]
            )
        sections.append(
            Section(
                _("Official figures"),
                [official.caveat(), Block("table", official.table(rows))],
                level=3,
            )
        )
    new = shown.get(f"new:{theme.title}", "")
    if new:
        sections.append(
            Section(
                _("Recommendations"),
                [sentences([line.strip() for line in new.splitlines() if line.strip()])],
                level=3,
            )
        )
    return sections


def _trial_title(db, trial_id, trials: dict) -> str:
    row = next(db.query("SELECT uuid FROM trial WHERE id = ?", [trial_id]), None)
    return trials.get(row["uuid"], "") if row else ""


def finding_sentence(path: str, value: dict, checklist, lang: str) -> str:
    """One linked number as a sentence: a question's finding in the catalogs' words, else its title."""
    parts = path.split(".")
    if parts[0] == "items" and len(parts) == 3 and parts[2] == "concern":
        try:
            item = checklist.item(parts[1])
        except KeyError:
            item = None
        finding = (
            (item.finding.get(lang) if item is not None and getattr(item, "finding", None) else "")
            .strip()
            .rstrip(".")
        )
        if finding and value["of"] is not None:
            return wording.item_sentence(item.scope, value["count"], value["of"], finding, lang) + "."
    title = labels.evidence_title(path, checklist, lang)
    if value["of"] is None:
        return _("%(title)s: %(count)s.", title=title, count=value["count"])
    return _("%(title)s: %(count)s of %(total)s.", title=title, count=value["count"], total=value["of"])


FOLLOW_UP_LABELS = {
    "complaint_lodged": _l("a complaint was lodged"),
    "investigation_opened": _l("an investigation was opened"),
    "investigation_refused": _l("an investigation was refused"),
}


def follow_up_sentence(follow: dict, torture: dict) -> str:
    """What became of the allegations after the courtroom (the findings' ``torture.follow_up``, when the
    findings carry it): "Of 27 people who alleged torture: a complaint was lodged for 5, …"."""
    total = wording.number(torture.get("persons_alleging", {}))
    parts = []
    for key, value in follow.items():
        count = wording.number(value)
        label = FOLLOW_UP_LABELS.get(key, key.replace("_", " "))
        parts.append(f"{label}: {count}")
    return _(
        "After the courtroom, of %(total)s people who alleged torture or ill-treatment — %(parts)s.",
        total=total,
        parts="; ".join(parts),
    )


# Files ---------------------------------------------------------------------------------------------------


def to_docx(submission: Submission) -> bytes:
    """The submission as a Word document to edit (the same blocks as the PDF)."""
    from .. import docx as writer

    report = submission.report
    with force_locale(report.lang):
        document = Document()
        writer._properties(document, report)
        writer._styles(document, report.lang)
        writer._page(document.sections[0], landscape=False)
        writer._running(document.sections[0], report)
        writer._front(document, report)
        for section in report.sections:
            document.add_heading(section.title, level=min(section.level - 1, 3))
            for block in section.blocks:
                writer._block(document, block, wide=False)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_html(submission: Submission) -> str:
    from .html import stylesheet

    report = submission.report
    with force_locale(report.lang):
        template = current_app.jinja_env.get_template("reports/_base.html")
        return template.render(report=report, stylesheet=stylesheet(report))


def to_pdf(submission: Submission) -> bytes:
    import os

    from ..pdf import to_pdf as print_pdf

    return print_pdf(to_html(submission), os.path.dirname(str(current_app.static_folder)))


def filename(mission: dict, submission: Submission, fmt: str) -> str:
    from ..build import slug

    report = submission.report
    stem = slug(report.mission, "mission") if report.profile != "public" else mission["uuid"][:8]
    return f"{stem}-submission-{report.profile}-{report.lang}.{fmt}"


__all__ = ["WORD_LIMITS", "build", "count_words", "facts", "to_docx", "to_pdf"]
