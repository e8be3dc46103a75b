"""Observation reports — a hearing, a trial, a mission's findings — laid out once, rendered as HTML.

A report is built only from a *redacted* dataset (``redact.redact``), never from the database, so it
cannot show what its profile removed. :func:`prepare` turns the dataset (and the findings) into plain
blocks — facts, tables, sentences, charts — in the chosen language; the Jinja templates in
``templates/reports/`` and the DOCX writer (``docx.py``) both render those blocks, so every format says
the same thing.
"""

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..checklists import LANGUAGES
from ..findings import charts
from ..i18n import LANGUAGE_NAMES
from ..missions.labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)
from ..observe.fields import ALLEGATION, HEARING, PROVENANCE, WITNESS
from .redact import PROFILES

KINDS = ("hearing", "trial", "mission")
NOT_ANSWERED = ("", "not_observed")  # as the findings count them
DASH = "—"


# The blocks a report is made of -----------------------------------------------------------------------


@dataclass
class Cell:
    """A table cell: ``tone`` shades it (concern, warning, fine), ``note`` is a smaller second line."""

    text: str
    tone: str = ""
    note: str = ""


@dataclass
class Table:
    """Rows of cells (str or :class:`Cell`); a row that is a plain str is a group heading across the table."""

    head: list[str]
    rows: list
    widths: tuple[float, ...] = ()  # shares of the width, one per column
    numeric: tuple[int, ...] = ()  # columns aligned right
    css: str = ""
    bands: list = field(default_factory=list)  # (label, columns spanned) above the head
    ident: str = ""  # set when the report is rendered: the id its column widths are styled by


@dataclass
class Block:
    """``facts`` (label, value pairs), ``table``, ``sentences``, ``text``, ``note``, ``chart`` or
    ``integrity`` (the audit line)."""

    kind: str
    content: object


@dataclass
class Section:
    title: str
    blocks: list[Block]
    level: int = 2
    ident: str = ""
    landscape: bool = False

    def __post_init__(self):
        self.blocks = [block for block in self.blocks if block is not None]


@dataclass
class Report:
    kind: str
    lang: str
    title: str
    subtitle: str
    mission: str
    profile: str
    profile_line: str
    facts: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    refs: set = field(default_factory=set)  # every legal reference cited, for the annex


def facts(*pairs) -> Block:
    """Label–value pairs; a pair with no value (removed by the profile, or never written) is left out."""
    return Block("facts", [(str(label), str(value)) for label, value in pairs if value not in ("", None)])


def sentences(lines) -> Block:
    return Block("sentences", [line for line in lines if line])


def text(value: str) -> Block:
    return Block("text", value)


def note(value: str) -> Block:
    return Block("note", value)


# Small formatting helpers ---------------------------------------------------------------------------


def profile_line(profile: str) -> str:
    """The sentence every report carries on its first page: which redaction profile made it."""
    return {
        "internal": _(
            "Profile: internal — complete record, including the identities of anonymous witnesses and "
            "named perpetrators. Not for distribution."
        ),
        "partner": _("Profile: partner — identities of anonymous witnesses and named perpetrators removed."),
        "public": _("Profile: public — names replaced by pseudonyms; free text removed."),
    }[profile]


def when(value: str | None) -> str:
    """An ISO date-time as "2026-01-04 13:00" (with "UTC" when it is a server time); a date stays a date."""
    if not value:
        return DASH
    return value.replace("T", " ")[:16] + (" UTC" if value.endswith("Z") else "")


def hours_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    delta = datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))
    return round(delta.total_seconds() / 3600, 1)


def hours(value: float | None) -> str:
    if value is None:
        return DASH
    return _("%(h)s h", h=f"{value:.1f}".rstrip("0").rstrip("."))


def choice(spec, value) -> str:
    return str(spec.choices.get(value, value)) if value else DASH


def several(spec, value: str | None, labels: dict | None = None) -> str:
    codes = json.loads(value or "[]")
    return ", ".join(str((labels or spec.choices).get(code, code)) for code in codes) or DASH


def yes_no(value) -> str:
    return _("Yes") if value else _("No")


def of(count: dict) -> str:
    """A findings number as "3 of 8" (or "3" without a denominator)."""
    if count.get("of") is None:
        return str(count["count"])
    return _("%(count)s of %(total)s", count=count["count"], total=count["of"])


def cited(report: Report, line: str, refs) -> str:
    """A finding with its legal references, remembered for the annex."""
    refs = list(refs)
    report.refs.update(refs)
    line = line.rstrip()
    if refs:
        line = f"{line.rstrip('.')} ({'; '.join(refs)})"
    return line if line.endswith(".") else line + "."


def status_label(status: str) -> str:
    labels = {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "returned": _("Returned"),
        "approved": _("Approved"),
    }
    return labels.get(status, status)


def people(data: dict) -> dict[str, str]:
    """Defendant uuid → the name this profile may show (a pseudonym in public reports)."""
    return {d["uuid"]: d["name"] or DASH for d in data["defendants"]}


def _about(data: dict, lang: str) -> Section:
    """Who made the report, when, with which profile, and the audit log's state at that moment."""
    export = data.get("export", {})
    blocks = [
        text(profile_line(data["profile"])),
        facts(
            (_("Language"), LANGUAGE_NAMES.get(lang, lang)),
            (_("Exported"), export.get("at", "")),
            (_("Made with"), _("Trial monitor")),
        ),
    ]
    if export.get("audit_head"):
        state = _("intact") if export.get("audit_ok", True) else _("BROKEN")
        blocks.append(
            Block(
                "integrity",
                _(
                    "Audit log at the time of export: %(rows)s entries, hash chain %(state)s; head hash:",
                    rows=export.get("audit_rows", DASH),
                    state=state,
                )
                + " "
                + export["audit_head"],
            )
        )
    return Section(_("About this report"), blocks, ident="about")


# Hearing report -------------------------------------------------------------------------------------


def answer_table(checklist, scope: str, subject: str, answers: dict, lang: str) -> tuple[Table, int]:
    """The answers about one subject, by stage, with their legal references; and how many are blank."""
    rows, blank = [], 0
    for stage, items in checklist.by_stage(scope):
        stage_rows = []
        for item in items:
            answer = answers.get((subject, item.key))
            if not answer or answer["value"] in NOT_ANSWERED:
                blank += 1
                continue
            source = PROVENANCE.get(answer["provenance"], "") if answer["provenance"] else ""
            remark = answer["note"] + (f" ({source})" if source else "")
            concern = item.is_concern(answer["value"])
            stage_rows.append(
                [
                    Cell(item.label.get(lang), note=" · ".join(item.refs)),
                    Cell(item.value_label(answer["value"], lang), tone="concern" if concern else ""),
                    remark.strip(),
                ]
            )
        if stage_rows:
            rows.append(stage.label.get(lang))
            rows += stage_rows
    table = Table([_("Question"), _("Answer"), _("Note")], rows, widths=(0.6, 0.15, 0.25), css="answers")
    return table, blank


def _answers_blocks(checklist, scope, subject, answers, lang) -> list[Block]:
    table, blank = answer_table(checklist, scope, subject, answers, lang)
    blocks = [Block("table", table)] if table.rows else [note(_("No question was answered."))]
    if blank and table.rows:
        blocks.append(
            note(
                ngettext(
                    "%(num)d question not answered or not observed.",
                    "%(num)d questions not answered or not observed.",
                    blank,
                )
            )
        )
    return blocks


def hearing_report(data: dict, lang: str, checklist) -> Report:
    hearing = data["hearings"][0]
    trial = next(t for t in data["trials"] if t["uuid"] == hearing["trial_uuid"])
    names = people(data)
    profile = data["profile"]
    withheld = _("Withheld in this edition")
    times = "–".join(t for t in (hearing["start_time"], hearing["end_time"]) if t)
    report = Report(
        "hearing",
        lang,
        _("Hearing report"),
        f"{trial['title']} · {hearing['hearing_date']}",
        data["mission"]["name"],
        profile,
        profile_line(profile),
        facts(
            (_("Mission"), data["mission"]["name"]),
            (_("Trial"), trial["title"]),
            (_("Court"), trial["court"]),
            (_("Case number"), trial["case_number"]),
            (_("Date"), f"{hearing['hearing_date']} {times}".strip()),
            (HEARING["courtroom"].label, hearing["courtroom"]),
            (HEARING["judge"].label, hearing["judge"]),
            (_("Observer"), hearing["observer"]),
            (_("Checklist"), f"{checklist.title.get(lang)}, v{checklist.version}"),
            (_("Status"), status_label(hearing["status"])),
        ).content,
    )
    answers = {(a["subject_uuid"], a["item_key"]): a for a in data["answers"]}
    presence = [(names.get(p["defendant_uuid"], DASH), p["present"]) for p in data["presence"]]
    report.sections.append(
        Section(
            _("Public access"),
            [
                facts(
                    (
                        HEARING["public_access"].label,
                        choice(HEARING["public_access"], hearing["public_access"]),
                    ),
                    (
                        HEARING["observers_admitted"].label,
                        choice(HEARING["observers_admitted"], hearing["observers_admitted"]),
                    ),
                    (HEARING["access_note"].label, hearing["access_note"]),
                )
            ],
            ident="access",
        )
    )
    report.sections.append(
        Section(
            _("Presence"),
            [
                facts(
                    (_("Defendants present"), ", ".join(n for n, here in presence if here) or DASH),
                    (_("Absent"), ", ".join(n for n, here in presence if not here)),
                    (HEARING["present"].label, hearing["present"]),
                )
            ],
            ident="presence",
        )
    )
    if hearing["summary"]:
        report.sections.append(Section(HEARING["summary"].label, [text(hearing["summary"])], ident="summary"))
    report.sections.append(
        Section(
            _("Checklist answers"),
            [
                note(
                    _("Answers that raise a concern are shaded; the legal standards are under each question.")
                )
            ],
            ident="answers",
        )
    )
    report.sections.append(
        Section(
            _("The hearing as a whole"),
            _answers_blocks(checklist, "hearing", "", answers, lang),
            level=3,
        )
    )
    answered = {a["subject_uuid"] for a in data["answers"]}
    for defendant in data["defendants"]:  # in the order of the indictment
        if defendant["uuid"] in answered:
            blocks = _answers_blocks(checklist, "defendant", defendant["uuid"], answers, lang)
            title = _("Answers for %(name)s", name=names[defendant["uuid"]])
            report.sections.append(Section(title, blocks, level=3))
    report.sections.append(Section(_("Witnesses heard"), [], ident="witnesses"))
    for witness in data["witnesses"]:
        identity = witness["identity"] or (withheld if profile != "internal" else "")
        title = _("Witness %(label)s", label=witness["label"])
        if witness["anonymous"]:
            title += f" ({_('anonymous')})"
        report.sections.append(
            Section(
                title,
                [
                    facts(
                        (WITNESS["identity"].label, identity),
                        (WITNESS["side"].label, choice(WITNESS["side"], witness["side"])),
                        (WITNESS["anonymous"].label, yes_no(witness["anonymous"])),
                        (WITNESS["anonymity_reason"].label, witness["anonymity_reason"]),
                        (
                            WITNESS["identity_known_to_defence"].label,
                            choice(
                                WITNESS["identity_known_to_defence"], witness["identity_known_to_defence"]
                            ),
                        ),
                        (WITNESS["voice_hidden"].label, yes_no(witness["voice_hidden"])),
                        (WITNESS["image_hidden"].label, yes_no(witness["image_hidden"])),
                        (
                            WITNESS["police_officer"].label,
                            choice(WITNESS["police_officer"], witness["police_officer"]),
                        ),
                        (WITNESS["against"].label, several(WITNESS["against"], witness["against"], names)),
                        (WITNESS["testimony"].label, witness["testimony"]),
                    ),
                    *_answers_blocks(checklist, "witness", witness["uuid"], answers, lang),
                ],
                level=3,
            )
        )
    if not data["witnesses"]:
        report.sections[-1].blocks.append(note(_("No witness recorded.")))
    report.sections.append(Section(_("Torture and ill-treatment allegations"), [], ident="allegations"))
    witnesses = {w["uuid"]: _("Witness %(label)s", label=w["label"]) for w in data["witnesses"]}
    for number, allegation in enumerate(data["allegations"], 1):
        who = names.get(allegation["defendant_uuid"]) or witnesses.get(allegation["witness_uuid"], "")
        alleged_by = choice(ALLEGATION["alleged_by"], allegation["alleged_by"])
        pairs = [(ALLEGATION["alleged_by"].label, f"{alleged_by}: {who}" if who else alleged_by)]
        for name, spec in ALLEGATION.items():
            if name in ("alleged_by", "defendant_uuid", "witness_uuid"):
                continue
            value = allegation.get(name, "")
            if name == "perpetrators" and profile != "internal":
                pairs.append((spec.label, withheld))
            elif spec.kind == "multi":
                pairs.append((spec.label, several(spec, value) if json.loads(value or "[]") else ""))
            elif spec.kind == "choice":
                pairs.append((spec.label, choice(spec, value) if value else ""))
            else:
                pairs.append((spec.label, value))
        title = _("Allegation %(n)d", n=number) + (f" — {who}" if who else "")
        report.sections.append(Section(title, [facts(*pairs)], level=3))
    if not data["allegations"]:
        report.sections[-1].blocks.append(note(_("No allegation recorded.")))
    rows = [[n["typed_at"][11:16], n["text"]] for n in data["notes"]]
    report.sections.append(
        Section(
            _("Running notes"),
            [Block("table", Table([_("Time (UTC)"), _("Note")], rows, widths=(0.12, 0.88)))]
            if rows
            else [note(_("No notes."))],
            ident="notes",
        )
    )
    decisions = {"approved": _("approved"), "returned": _("returned"), "comment": _("commented")}
    history = [
        [
            when(r["created_at"]),
            r["reviewer"] or DASH,
            decisions.get(r["decision"], r["decision"]),
            r["comment"],
        ]
        for r in data["reviews"]
    ]
    review = [
        facts((_("Status"), status_label(hearing["status"])), (_("Submitted"), when(hearing["submitted_at"])))
    ]
    if history:
        head = [_("Date"), _("Reviewer"), _("Decision"), _("Comment")]
        review.append(Block("table", Table(head, history, widths=(0.2, 0.2, 0.15, 0.45))))
    else:
        review.append(note(_("Not reviewed yet.")))
    report.sections.append(Section(_("Review status and history"), review, ident="review"))
    report.sections.append(_about(data, lang))
    return report


# Findings as sentences (trial and mission reports) ---------------------------------------------------


def item_sentence(report: Report, item, entry: dict, lang: str) -> str:
    """ "3 of 8 defendants were not promptly told … (ICCPR 9(2))." as the findings page words it."""
    concern, total = entry["concern"]["count"], entry["observed"]["count"]
    finding = item.finding.get(lang) if getattr(item, "finding", None) else ""
    finding = finding.strip().rstrip(".")
    if item.scope == "defendant":
        line = ngettext(
            "%(count)s of %(total)s defendant %(finding)s",
            "%(count)s of %(total)s defendants %(finding)s",
            total,
            count=concern,
            total=total,
            finding=finding,
        )
    elif item.scope == "witness":
        line = ngettext(
            "%(count)s of %(total)s witness %(finding)s",
            "%(count)s of %(total)s witnesses %(finding)s",
            total,
            count=concern,
            total=total,
            finding=finding,
        )
    else:
        line = ngettext(
            "In %(count)s of %(total)s hearing, %(finding)s",
            "In %(count)s of %(total)s hearings, %(finding)s",
            total,
            count=concern,
            total=total,
            finding=finding,
        )
    if not finding:
        answers = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
        line = f"{line.strip().rstrip(',')}: {item.label.get(lang)} — {answers}"
    return cited(report, line, entry["refs"])


def method_sentence(found: dict) -> str:
    m = found["method"]
    return _(
        "Based on %(hearings)s hearings in %(trials)s trials, observed by %(observers)d observers between "
        "%(first)s and %(last)s; %(defendants)s defendants were seen in court.",
        hearings=m["hearings"]["count"],
        trials=m["trials"]["count"],
        observers=m["observers"],
        first=m["first_date"] or DASH,
        last=m["last_date"] or DASH,
        defendants=m["defendants_observed"]["count"],
    )


def key_findings(report: Report, found: dict) -> list[str]:
    t, a, c = found["torture"], found["anonymous_witnesses"], found["custody"]
    return [
        cited(
            report,
            _(
                "%(count)s of %(total)s defendants seen in court alleged torture or ill-treatment",
                count=t["defendants_alleging"]["count"],
                total=t["defendants_alleging"]["of"],
            ),
            ["CAT 1", "CAT 16", "ICCPR 7"],
        ),
        cited(
            report,
            _(
                "%(count)s of %(total)s witnesses heard said they had been tortured or ill-treated",
                count=t["witnesses_alleging"]["count"],
                total=t["witnesses_alleging"]["of"],
            ),
            ["ICCPR 7", "ICCPR 14(3)(g)"],
        ),
        cited(
            report,
            _(
                "The court ordered an investigation into %(count)s of %(total)s allegations",
                count=t["investigation_ordered"]["count"],
                total=t["allegations"]["count"],
            ),
            ["CAT 12", "CAT 13"],
        ),
        cited(
            report,
            _(
                "Evidence was excluded after %(count)s of %(total)s allegations; it was relied on in the "
                "judgment after %(relied)s",
                count=t["evidence_excluded"]["count"],
                total=t["allegations"]["count"],
                relied=t["relied_on"]["count"],
            ),
            ["CAT 15"],
        ),
        cited(
            report,
            _(
                "The convictions of %(count)s of %(total)s convicted defendants rested mainly on the "
                "testimony of an anonymous witness",
                count=a["convictions_resting_on_anonymous"]["count"],
                total=a["convictions_resting_on_anonymous"]["of"],
            ),
            ["ICCPR 14(3)(e)"],
        ),
        cited(
            report,
            _(
                "%(count)s of %(total)s defendants were brought before a judge more than 48 hours after "
                "their actual apprehension; %(over72)s after more than 72 hours",
                count=c["judge_over_48"]["count"],
                total=c["judge_over_48"]["of"],
                over72=c["judge_over_72"]["count"],
            ),
            ["ICCPR 9(3)", "GC35 ¶33"],
        ),
    ]


def concern_sections(report: Report, found: dict, checklist, lang: str, tables: bool) -> list[Section]:
    """One subsection per stage: the sentences of the items with a concern, and (``tables``) every item."""
    entries = {entry["key"]: entry for entry in found["items"]}
    numbers = question_numbers(checklist)
    units = {"defendant": _("Defendants"), "hearing": _("Hearings"), "witness": _("Witnesses")}
    result = []
    for stage in checklist.stages:
        items = [item for item in checklist.items if item.stage == stage.key and item.key in entries]
        if not items:
            continue
        lines = [
            item_sentence(report, item, entries[item.key], lang)
            for item in items
            if entries[item.key]["concern"]["count"]
        ]
        blocks = [sentences(lines)] if lines else [note(_("No concern was recorded at this stage."))]
        if tables:
            rows = []
            for item in items:
                entry = entries[item.key]
                report.refs.update(item.refs)
                concern = entry["concern"]["count"]
                rows.append(
                    [
                        str(numbers[item.key]),
                        item.label.get(lang),
                        units[item.scope],
                        Cell(str(concern), tone="concern" if concern else ""),
                        str(entry["observed"]["count"]),
                        "; ".join(item.refs),
                    ]
                )
            head = [_("No."), _("Question"), _("Counted"), _("Concerns"), _("Observed"), _("Standards")]
            table = Table(
                head, rows, widths=(0.05, 0.44, 0.12, 0.11, 0.11, 0.17), numeric=(0, 3, 4), css="items"
            )
            blocks.append(Block("table", table))
        elif not lines:
            continue
        result.append(Section(stage.label.get(lang), blocks, level=3, ident=f"stage-{stage.key}"))
    return result


def question_numbers(checklist) -> dict[str, int]:
    """Every question's number in the report: the order of the checklist."""
    return {item.key: number for number, item in enumerate(checklist.items, 1)}


def custody_rows(data: dict) -> list[list]:
    """Per defendant: apprehension, registration, first judge, lawyer — hours from apprehension, flagged."""
    rows = []
    for d in data["defendants"]:
        to_registration = hours_between(d["apprehended_at"], d["arrest_registered_at"])
        to_judge = hours_between(d["apprehended_at"], d["first_judge_at"])
        to_counsel = hours_between(d["apprehended_at"], d["counsel_from"])
        judge_tone = "concern" if (to_judge or 0) > 72 else "warning" if (to_judge or 0) > 48 else ""
        flag = _("over 72 h") if judge_tone == "concern" else _("over 48 h") if judge_tone else ""
        rows.append(
            [
                d["name"] or DASH,
                when(d["apprehended_at"]),
                Cell(
                    when(d["arrest_registered_at"]),
                    "warning" if (to_registration or 0) > 48 else "",
                    hours(to_registration) if to_registration is not None else "",
                ),
                Cell(
                    when(d["first_judge_at"]),
                    judge_tone,
                    " · ".join(x for x in (hours(to_judge) if to_judge is not None else "", flag) if x),
                ),
                Cell(when(d["counsel_from"]), "", hours(to_counsel) if to_counsel is not None else ""),
                str(COUNSEL_LABELS.get(d["counsel"], d["counsel"] or DASH)),
            ]
        )
    return rows


def custody_table(data: dict) -> Table:
    head = [
        _("Defendant"),
        _("Apprehended"),
        _("Arrest registered"),
        _("Before a judge"),
        _("Lawyer from"),
        _("Counsel"),
    ]
    return Table(head, custody_rows(data), widths=(0.2, 0.15, 0.17, 0.18, 0.15, 0.15), css="custody")


def custody_chart(data: dict, found: dict) -> Markup:
    names = people(data)
    defendants = [{**d, "name": names.get(d["uuid"], DASH)} for d in found["custody"]["defendants"]]
    return charts.custody_chart(
        defendants, _("Hours from apprehension to a judge"), {"h48": _("48 h"), "h72": _("72 h")}
    )


def nothing_yet() -> Block:
    return note(_("No submitted or approved hearing yet, so there is nothing to count."))


def custody_legend() -> str:
    return _(
        "Hours are counted from the actual apprehension. Amber: more than 48 hours; red: before a judge "
        "after more than 72 hours (ICCPR 9(3); GC35 ¶33)."
    )


# Trial report ---------------------------------------------------------------------------------------


def trial_report(data: dict, lang: str, found: dict | None, checklist) -> Report:
    trial = data["trials"][0]
    hearings = data["hearings"]
    dates = [h["hearing_date"] for h in hearings]
    report = Report(
        "trial",
        lang,
        _("Trial report"),
        trial["title"],
        data["mission"]["name"],
        data["profile"],
        profile_line(data["profile"]),
        facts(
            (_("Mission"), data["mission"]["name"]),
            (_("Trial"), trial["title"]),
            (_("Court"), trial["court"]),
            (_("Case number"), trial["case_number"]),
            (_("Judge(s)"), trial["judges"]),
            (_("Prosecutor"), trial["prosecutor"]),
            (_("Charges"), trial["charges"]),
            (_("Status"), str(TRIAL_STATUS_LABELS.get(trial["status"], trial["status"]))),
            (_("Hearings observed"), str(len(hearings))),
            (_("Dates"), f"{min(dates)} – {max(dates)}" if dates else ""),
        ).content,
    )
    rows = []
    for d in data["defendants"]:
        sentence = d["sentence"] or (
            _("%(n)s months", n=d["sentence_months"]) if d["sentence_months"] is not None else ""
        )
        rows.append(
            [
                str(d["position"]),
                d["name"] or DASH,
                str(COUNSEL_LABELS.get(d["counsel"], d["counsel"] or DASH)),
                str(DETENTION_LABELS.get(d["pretrial_detention"], d["pretrial_detention"] or DASH)),
                str(VERDICT_LABELS.get(d["verdict"], d["verdict"] or DASH)),
                Cell(
                    sentence or DASH,
                    note=several(None, d["conviction_basis"], CONVICTION_BASIS_LABELS)
                    if json.loads(d["conviction_basis"] or "[]")
                    else "",
                ),
            ]
        )
    head = [_("No."), _("Defendant"), _("Counsel"), _("Pre-trial detention"), _("Verdict"), _("Sentence")]
    defendants = Table(head, rows, widths=(0.06, 0.24, 0.17, 0.17, 0.14, 0.22), numeric=(0,))
    report.sections.append(Section(_("Defendants"), [Block("table", defendants)], ident="defendants"))
    custody = [Block("table", custody_table(data)), note(custody_legend())]
    report.refs.update(["ICCPR 9(3)", "GC35 ¶33"])
    if found:
        custody.insert(0, Block("chart", custody_chart(data, found)))
    report.sections.append(Section(_("Custody timeline"), custody, ident="custody"))
    present = {}
    for p in data["presence"]:
        present.setdefault(p["hearing_uuid"], []).append(p["present"])
    rows = []
    for h in hearings:
        marks = present.get(h["uuid"], [])
        rows.append(
            [
                h["hearing_date"],
                h["observer"] or DASH,
                choice(HEARING["public_access"], h["public_access"]),
                _("%(count)s of %(total)s", count=sum(marks), total=len(marks)),
                str(sum(1 for w in data["witnesses"] if w["hearing_uuid"] == h["uuid"])),
                str(sum(1 for a in data["allegations"] if a["hearing_uuid"] == h["uuid"])),
                status_label(h["status"]),
                shorten(h["summary"]),
            ]
        )
    head = [
        _("Date"),
        _("Observer"),
        _("Public access"),
        _("Defendants present"),
        _("Witnesses"),
        _("Allegations"),
        _("Status"),
        _("Summary"),
    ]
    table = Table(head, rows, widths=(0.11, 0.13, 0.1, 0.11, 0.1, 0.11, 0.1, 0.24), numeric=(4, 5))
    blocks = [Block("table", table)] if rows else [note(_("No hearings observed yet."))]
    report.sections.append(Section(_("Hearings observed"), blocks, ident="hearings"))
    if found and found["method"]["hearings"]["count"]:
        lines = [method_sentence(found), _("Findings count submitted and approved hearings only.")]
        report.sections.append(
            Section(
                _("Findings in this trial"),
                [text(" ".join(lines)), sentences(key_findings(report, found))],
                ident="findings",
            )
        )
        report.sections += concern_sections(report, found, checklist, lang, tables=False)
    elif found:
        report.sections.append(Section(_("Findings in this trial"), [nothing_yet()], ident="findings"))
    report.sections.append(_about(data, lang))
    return report


def shorten(value: str, limit: int = 280) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rsplit(" ", 1)[0] + " …"


# Mission findings report ----------------------------------------------------------------------------

INSTRUMENTS = {
    "ICCPR": _l("International Covenant on Civil and Political Rights (1966)"),
    "CAT": _l(
        "Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment (1984)"
    ),
    "GC32": _l(
        "UN Human Rights Committee, General Comment No. 32 (2007) on article 14 of the ICCPR: "
        "the right to a fair trial"
    ),
    "GC35": _l(
        "UN Human Rights Committee, General Comment No. 35 (2014) on article 9 of the ICCPR: "
        "liberty and security of person"
    ),
    "BoP": _l(
        "UN Body of Principles for the Protection of All Persons under Any Form of Detention or "
        "Imprisonment (1988)"
    ),
    "BPRL": _l("UN Basic Principles on the Role of Lawyers (1990)"),
    "SMR": _l("UN Standard Minimum Rules for the Treatment of Prisoners (the Nelson Mandela Rules, 2015)"),
    "ECHR": _l("European Convention on Human Rights (1950)"),
    "ECtHR": _l("European Court of Human Rights, judgments"),
    "Istanbul Protocol": _l(
        "Istanbul Protocol: Manual on the Effective Investigation and Documentation of Torture (2022 edition)"
    ),
}


def natural(value: str) -> list:
    """ "9(2)" before "14(1)": numbers compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", value)]


def standards_table(refs) -> Table:
    """Every reference the report cites, grouped by instrument, with what the abbreviation stands for."""
    cited_in: dict[str, set] = {}
    for ref in refs:
        abbreviation = next((a for a in INSTRUMENTS if ref == a or ref.startswith(a + " ")), ref)
        cited_in.setdefault(abbreviation, set()).add(ref[len(abbreviation) :].strip())
    order = list(INSTRUMENTS)
    rows = []
    for abbreviation in sorted(cited_in, key=lambda a: (order.index(a) if a in order else len(order), a)):
        provisions = sorted((p for p in cited_in[abbreviation] if p), key=natural)
        rows.append(
            [
                abbreviation,
                str(INSTRUMENTS.get(abbreviation, "")),
                "; ".join(provisions) or _("cited as a whole"),
            ]
        )
    head = [_("Abbreviation"), _("Instrument"), _("Provisions cited")]
    return Table(head, rows, widths=(0.16, 0.5, 0.34), css="standards")


def matrix_table(data: dict, found: dict, checklist, lang: str) -> Table:
    """Defendant × question: hearings where it was answered, shaded red where any showed a concern."""
    names, numbers = people(data), question_numbers(checklist)
    grid = found.get("matrix", {"defendants": [], "cells": {}})
    items = checklist.items_for("defendant")
    bands = [("", 2)] + [
        (stage.label.get(lang), len(stage_items)) for stage, stage_items in checklist.by_stage("defendant")
    ]
    trials = {t["uuid"]: t["title"] for t in data["trials"]}
    rows = []
    for defendant in grid["defendants"]:
        row = grid["cells"].get(defendant["uuid"], {})
        cells = []
        for item in items:
            cell = row.get(item.key)
            if cell:
                cells.append(Cell(str(cell["hearings"]), "concern" if cell["concern"] else "fine"))
            else:
                cells.append(Cell(""))
        concerns = sum(1 for c in row.values() if c["concern"])
        trial = trials.get(
            next((d["trial_uuid"] for d in data["defendants"] if d["uuid"] == defendant["uuid"]), ""), ""
        )
        rows.append([Cell(names.get(defendant["uuid"], DASH), note=trial), Cell(str(concerns)), *cells])
    head = [_("Defendant"), "Σ", *(str(numbers[item.key]) for item in items)]
    share = 0.79 / max(len(items), 1)
    widths = (0.18, 0.03, *([share] * len(items)))
    return Table(head, rows, widths=widths, numeric=(1,), css="matrix", bands=bands)


def mission_report(data: dict, lang: str, found: dict, checklist) -> Report:
    mission, m = data["mission"], found["method"]
    report = Report(
        "mission",
        lang,
        _("Trial observation report"),
        _("Findings of the mission"),
        mission["name"],
        data["profile"],
        profile_line(data["profile"]),
        facts(
            (_("Mission"), mission["name"]),
            (_("Country"), mission["country"]),
            (_("Mission dates"), f"{mission['start_date'] or DASH} – {mission['end_date'] or _('ongoing')}"),
            (_("Hearings observed"), f"{m['first_date']} – {m['last_date']}" if m["first_date"] else DASH),
            (_("Language"), LANGUAGE_NAMES.get(lang, lang)),
            (_("Exported"), data.get("export", {}).get("at", "")),
            (_("Checklist"), f"{checklist.title.get(lang)}, v{checklist.version}"),
        ).content,
    )
    key = key_findings(report, found)
    summary = [text(method_sentence(found)), sentences(key)] if m["hearings"]["count"] else [nothing_yet()]
    if mission["description"] and data["profile"] != "public":
        summary.insert(0, text(mission["description"]))
    sections = [
        Section(_("Summary"), summary, ident="summary"),
        _method(data, found, checklist, lang),
        _stages(found, checklist, lang),
    ]
    stages = concern_sections(report, found, checklist, lang, tables=True)
    sections += stages
    sections += [
        _torture(found, key),
        _anonymous(report, found, key),
        _custody(data, found, key),
        _verdicts(found),
        _matrix(data, found, checklist, lang),
    ]
    for number, section in enumerate((s for s in sections if s.level == 2), 1):
        section.title = f"{number}. {section.title}"
        if section.ident == "stages":
            for sub, stage in enumerate(stages, 1):
                stage.title = f"{number}.{sub} {stage.title}"
    sections.append(
        Section(
            _("Annex: legal standards cited"),
            [
                text(_("The references in this report, and the instruments they belong to.")),
                Block("table", standards_table(report.refs)),
            ],
            ident="annex-standards",
        )
    )
    sections.append(_about(data, lang))
    report.sections = sections
    return report


def _method(data: dict, found: dict, checklist, lang: str) -> Section:
    """How much was observed, by whom, when, and how the counting works."""
    m = found["method"]
    counted = [h for h in data["hearings"] if h["status"] in found["scope"]["statuses"]]
    trials = [
        [
            trial["title"],
            trial["court"] or DASH,
            trial["case_number"] or DASH,
            str(sum(1 for h in counted if h["trial_uuid"] == trial["uuid"])),
            str(sum(1 for d in data["defendants"] if d["trial_uuid"] == trial["uuid"])),
        ]
        for trial in data["trials"]
    ]
    months = [[month, str(n)] for month, n in m["hearings_by_month"].items()]
    head = [_("Trial"), _("Court"), _("Case number"), _("Hearings"), _("Defendants")]
    return Section(
        _("Method"),
        [
            facts(
                (_("Hearings observed"), str(m["hearings"]["count"])),
                (_("Trials"), str(m["trials"]["count"])),
                (_("Observers"), str(m["observers"])),
                (_("Dates"), f"{m['first_date']} – {m['last_date']}" if m["first_date"] else DASH),
                (_("Defendants seen in court"), str(m["defendants_observed"]["count"])),
                (_("Witnesses heard"), str(found["anonymous_witnesses"]["witnesses"]["count"])),
                (_("Hearings counted"), ", ".join(status_label(s) for s in found["scope"]["statuses"])),
                (_("Checklist"), f"{checklist.title.get(lang)}, v{checklist.version}"),
            ),
            text(
                _(
                    "Observers attended the hearings in person and answered the checklist for the "
                    "hearing, for each defendant present and for each witness heard. Findings are "
                    "counted per person and per right: a person, hearing or witness is counted once, "
                    "however many hearings repeat the same concern. Drafts never count."
                )
            ),
            Block("table", Table(head, trials, widths=(0.33, 0.27, 0.14, 0.12, 0.14), numeric=(3, 4))),
            # A chart of one or two months says nothing the table does not.
            Block("chart", charts.timeline_chart(m["hearings_by_month"], _("Hearings per month")))
            if len(months) > 2
            else None,
            Block(
                "table",
                Table([_("Month"), _("Hearings")], months, widths=(0.5, 0.5), numeric=(1,), css="narrow"),
            )
            if months
            else None,
        ],
        ident="method",
    )


def _stages(found: dict, checklist, lang: str) -> Section:
    """Concerns out of observations per stage, as a chart and a table; the stages follow one by one."""
    rows = []
    for stage in checklist.stages:
        entries = [e for e in found["items"] if e["stage"] == stage.key]
        if entries:
            concerns = sum(e["concern"]["count"] for e in entries)
            rows.append(
                [stage.label.get(lang), str(concerns), str(sum(e["observed"]["count"] for e in entries))]
            )
    chart = charts.stacked_item_chart(
        found["items"],
        {stage.key: stage.label.get(lang) for stage in checklist.stages},
        _("Concerns by stage"),
        {"concern": _("Concerns"), "observed": _("Observations")},
    )
    head = [_("Stage"), _("Concerns"), _("Observations")]
    return Section(
        _("Findings by stage"),
        [
            text(
                _(
                    "For each question: the people (or hearings) with a concern, out of those for "
                    "whom it was observed."
                )
            ),
            Block("chart", chart),
            Block("table", Table(head, rows, widths=(0.5, 0.25, 0.25), numeric=(1, 2), css="narrow")),
        ],
        ident="stages",
    )


def _torture(found: dict, key: list[str]) -> Section:
    t = found["torture"]
    rows = []
    for spec, counts in (
        (ALLEGATION["methods"], t["by_method"]),
        (ALLEGATION["stage"], t["by_stage"]),
        (ALLEGATION["place_type"], t["by_place"]),
        (ALLEGATION["court_response"], t["court_response"]),
    ):
        if counts:
            rows.append(str(spec.label))
            rows += [[str(spec.choices.get(code, code)), of(count)] for code, count in counts.items()]
    methods = [
        (str(ALLEGATION["methods"].choices.get(code, code)), n["count"], n["of"])
        for code, n in t["by_method"].items()
    ]
    return Section(
        _("Torture and ill-treatment"),
        [
            text(
                _(
                    "%(count)s allegations were raised in court; perpetrators were named in %(named)s.",
                    count=t["allegations"]["count"],
                    named=t["perpetrators_named"]["count"],
                )
            ),
            sentences(key[:4]),
            Block(
                "chart",
                charts.bar_chart(methods, _("Allegations by method"), empty=_("No allegation recorded.")),
            ),
            Block("table", Table([_("Allegations"), _("Number")], rows, widths=(0.7, 0.3), numeric=(1,)))
            if rows
            else None,
        ],
        ident="torture",
    )


def _anonymous(report: Report, found: dict, key: list[str]) -> Section:
    a = found["anonymous_witnesses"]
    anonymous = _(
        "%(count)s of %(total)s witnesses heard testified anonymously",
        count=a["anonymous"]["count"],
        total=a["anonymous"]["of"],
    )
    safeguards = _(
        "Of these, the defence knew the identity of %(known)s; the voice was hidden for "
        "%(voice)s and the image for %(image)s; %(police)s were police officers; the "
        "defence could question %(question)s.",
        known=a["identity_known_to_defence"]["count"],
        voice=a["voice_hidden"]["count"],
        image=a["image_hidden"]["count"],
        police=a["police_officers"]["count"],
        question=a["defence_could_question"]["count"],
    )
    lines = [cited(report, anonymous, ["ICCPR 14(3)(e)"]), safeguards, key[4]]
    return Section(_("Anonymous witnesses"), [sentences(lines)], ident="anonymous")


def _custody(data: dict, found: dict, key: list[str]) -> Section:
    c = found["custody"]

    def median(value):
        return DASH if value is None else f"{value:g}"

    medians = _(
        "Median hours from actual apprehension to registration: %(reg)s; to a judge: %(judge)s; "
        "to a lawyer: %(lawyer)s.",
        reg=median(c["median_hours_to_registration"]),
        judge=median(c["median_hours_to_judge"]),
        lawyer=median(c["median_hours_to_counsel"]),
    )
    delays = _(
        "Arrest registered more than 48 hours late for %(count)s; no lawyer for %(none)s; "
        "a lawyer only after more than 24 hours for %(late)s.",
        count=c["registration_over_48"]["count"],
        none=c["no_counsel"]["count"],
        late=c["counsel_after_24"]["count"],
    )
    return Section(
        _("Custody clocks"),
        [
            text(f"{medians} {delays}"),
            sentences([key[5]]),
            Block("chart", custody_chart(data, found)),
            Block("table", custody_table(data)),
            note(custody_legend()),
        ],
        ident="custody",
    )


def _verdicts(found: dict) -> Section:
    v = found["verdicts"]
    blocks = [
        text(
            _(
                "Convicted: %(convicted)s; acquitted: %(acquitted)s; pending: %(pending)s; "
                "discontinued: %(discontinued)s (of %(total)s defendants).",
                convicted=v["convicted"]["count"],
                acquitted=v["acquitted"]["count"],
                pending=v["pending"]["count"],
                discontinued=v["discontinued"]["count"],
                total=v["convicted"]["of"],
            )
        )
    ]
    months = v["sentence_months"]
    if months["min"] is not None:
        blocks.append(
            text(
                _(
                    "Sentences from %(min)s to %(max)s months (median %(median)s).",
                    min=months["min"],
                    max=months["max"],
                    median=f"{months['median']:g}",
                )
            )
        )
    basis = [[str(CONVICTION_BASIS_LABELS.get(code, code)), of(n)] for code, n in v["basis"].items()]
    if basis:
        head = [_("The conviction rests mainly on"), _("Convicted defendants")]
        blocks.append(Block("table", Table(head, basis, widths=(0.7, 0.3), numeric=(1,))))
    return Section(_("Verdicts and sentences"), blocks, ident="verdicts")


def _matrix(data: dict, found: dict, checklist, lang: str) -> Section:
    matrix = matrix_table(data, found, checklist, lang)
    legend = _(
        "Each cell: the number of hearings where the question was answered for the "
        "defendant; red: a concern at one or more of them; blue: no concern; blank: not "
        "observed. Column numbers are the question numbers of the findings by stage; Σ is "
        "the number of questions with a concern."
    )
    return Section(
        _("Defendant × right matrix"),
        [note(legend), Block("table", matrix) if matrix.rows else note(_("No defendants."))],
        ident="matrix",
        landscape=True,
    )


# HTML -------------------------------------------------------------------------------------------------


def prepare(kind: str, data: dict, lang: str, findings: dict | None = None, checklist=None) -> Report:
    """The report's content in ``lang``, from a redacted dataset (narrowed to the hearing or the trial)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; use one of {', '.join(KINDS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    if data.get("profile") not in PROFILES:
        raise ValueError("a report is made only from a redacted dataset (redact.redact)")
    if checklist is None:
        raise ValueError("a report needs its checklist")
    with force_locale(lang):
        if kind == "hearing":
            if len(data["hearings"]) != 1:
                raise ValueError("a hearing report needs the dataset narrowed to one hearing")
            return hearing_report(data, lang, checklist)
        if kind == "trial":
            if len(data["trials"]) != 1:
                raise ValueError("a trial report needs the dataset narrowed to one trial")
            return trial_report(data, lang, findings, checklist)
        if findings is None:
            raise ValueError("a mission report needs the findings")
        return mission_report(data, lang, findings, checklist)


def css_string(value: str) -> str:
    """A CSS string literal that cannot end the string or the rule (and holds no "<")."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def page_label() -> list[tuple[str, str]]:
    """ "Page 3 of 12" in the current language, as text parts and counters ("page", "pages")."""
    label = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = label.split("\x00")
    return [("counter" if i % 2 else "text", part) for i, part in enumerate(parts) if part]


def edition(profile: str) -> str:
    return {
        "internal": _("Internal — not for distribution"),
        "partner": _("For partners — not for publication"),
        "public": _("Public edition"),
    }[profile]


def page_css(report: Report) -> str:
    """The running header and footer: mission, report, edition, "Page X of Y"."""
    counter = " ".join(f"counter({p})" if kind == "counter" else css_string(p) for kind, p in page_label())
    rules = [
        "@page {",
        f"  @top-left {{ content: {css_string(report.mission)}; }}",
        f"  @top-right {{ content: {css_string(report.title)}; }}",
        f"  @bottom-left {{ content: {css_string(edition(report.profile))}; }}",
        f"  @bottom-right {{ content: {counter}; }}",
        "}",
    ]
    if report.kind == "mission":
        rules.append("@page :first { @top-left { content: none; } @top-right { content: none; } }")
    return "\n".join(rules)


def column_css(report: Report) -> str:
    """Each table's column widths, by table id (the templates carry no style attributes)."""
    rules = []
    tables = [b.content for s in report.sections for b in s.blocks if b.kind == "table"]
    for number, table in enumerate(tables, 1):
        table.ident = f"t{number}"
        rules += [
            f"#{table.ident} col:nth-child({column}) {{ width: {share * 100:.2f}%; }}"
            for column, share in enumerate(table.widths, 1)
        ]
    return "\n".join(rules)


def stylesheet(report: Report) -> str:
    """static/report.css with this report's page and column rules, as a data: URL.

    Linked rather than written into a <style> element: the HTML file stays self-contained (it opens
    styled from a disk) and the templates stay free of inline style, as the app's CSP wants of every
    template.
    """
    css = Path(current_app.static_folder, "report.css").read_text(encoding="utf-8")
    text = "\n".join((css, page_css(report), column_css(report)))
    return "data:text/css;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


def render_html(kind: str, data: dict, lang: str, **context) -> str:
    """The report as one self-contained HTML page, ready for WeasyPrint or a browser.

    ``context`` holds ``checklist`` and, for trial and mission reports, ``findings``.
    """
    report = prepare(kind, data, lang, context.pop("findings", None), context.pop("checklist", None))
    with force_locale(lang):
        template = current_app.jinja_env.get_template(f"reports/{kind}.html")
        return template.render(report=report, stylesheet=stylesheet(report), **context)
