"""A trial report: its defendants and custody clocks, the hearings observed and the trial's findings."""

import json

from flask_babel import gettext as _

from ...evidence.report import annex_section as evidence_annex
from ...missions.labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)
from ...observe.fields import HEARING, WITNESS
from .blocks import (
    DASH,
    Block,
    Cell,
    Report,
    Section,
    Table,
    about_section,
    choice,
    facts,
    note,
    profile_line,
    sentences,
    several,
    status_label,
    text,
    yes_no,
)
from .findings import (
    concern_sections,
    custody_chart,
    custody_legend,
    custody_table,
    key_findings,
    method_sentence,
    nothing_yet,
)


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
    report.sections.append(witnesses_section(data, hearings))
    if found and found["method"]["sittings"]["count"]:
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
    report.sections += [section for section in (evidence_annex(data),) if section is not None]
    report.sections.append(about_section(data, lang))
    return report


def shorten(value: str, limit: int = 280) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rsplit(" ", 1)[0] + " …"


def witnesses_section(data: dict, hearings: list[dict]) -> Section:
    """One row per witness person, with the sittings they were heard at (a witness heard at three
    sittings is one row). The identity is in the hearing reports, behind the same gate."""
    dates = {h["uuid"]: h["hearing_date"] for h in hearings}
    persons: dict[str, dict] = {}
    for w in data["witnesses"]:
        person = persons.setdefault(w.get("person_uuid") or w["uuid"], {**w, "dates": []})
        if w["hearing_uuid"] in dates:
            person["dates"].append(dates[w["hearing_uuid"]])
    rows = [
        [
            p["label"] or DASH,
            choice(WITNESS["side"], p["side"]),
            yes_no(p["anonymous"]),
            choice(WITNESS["police_officer"], p["police_officer"]),
            ", ".join(sorted(p["dates"])) or DASH,
        ]
        for p in persons.values()
    ]
    head = [
        _("Witness"),
        WITNESS["side"].label,
        WITNESS["anonymous"].label,
        WITNESS["police_officer"].label,
        _("Heard at"),
    ]
    table = Table(head, rows, widths=(0.2, 0.16, 0.16, 0.16, 0.32))
    blocks = [Block("table", table)] if rows else [note(_("No witness recorded."))]
    return Section(_("Witnesses"), blocks, ident="witnesses")
