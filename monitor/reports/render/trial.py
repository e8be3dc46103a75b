"""A trial report: its defendants and custody clocks, the hearings observed and the trial's findings."""

import json

from flask_babel import gettext as _

from ...checklists import case_items
from ...evidence.report import annex_section as evidence_annex
from ...findings.wording import established, source_words, where_learned
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
    fact_pairs,
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
from .follow_up import legal_assessment_section
from .matrix import matrix_section


def trial_report(data: dict, lang: str, found: dict | None, checklist) -> Report:
    trial = data["trials"][0]
    hearings = data["hearings"]
    dates = [h["hearing_date"] for h in hearings]
    sittings = {h.get("sitting_uuid") or h["uuid"] for h in hearings}
    report = Report(
        "trial",
        lang,
        _("Trial report"),
        trial["title"],
        data["mission"]["name"],
        data["profile"],
        profile_line(data["profile"]),
        fact_pairs(
            (_("Mission"), data["mission"]["name"]),
            (_("Trial"), trial["title"]),
            (_("Court"), trial["court"]),
            (_("Case number"), trial["case_number"]),
            (_("Judge(s)"), trial["judges"]),
            (_("Prosecutor"), trial["prosecutor"]),
            (_("Charges"), trial["charges"]),
            (_("Status"), str(TRIAL_STATUS_LABELS.get(trial["status"], trial["status"]))),
            (_("Defendants on trial"), str(len(data["defendants"]))),
            (_("Sittings observed"), str(len(sittings))),
            (_("Observations"), str(len(hearings))),
            (_("Dates"), f"{min(dates)} – {max(dates)}" if dates else ""),
        ),
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
    report.sections.append(case_file_section(data, checklist, lang))
    custody = [Block("table", custody_table(data)), note(custody_legend())]
    report.refs.update(["ICCPR 9(3)", "GC35 ¶33"])
    if found:
        custody.insert(0, Block("chart", custody_chart(data, found)))
    report.sections.append(Section(_("Custody timeline"), custody, ident="custody"))
    present: dict[str, list[int]] = {}  # hearing uuid → a 1 or 0 for each defendant marked
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
    report.sections.append(sittings_section(data))
    blocks = [Block("table", table)] if rows else [note(_("No hearings observed yet."))]
    report.sections.append(Section(_("Observations"), blocks, ident="hearings"))
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
    if found and "matrix" in found:  # the trial's defendants × the questions (no longer in the mission's)
        report.sections.append(matrix_section(data, found, checklist, lang))
    report.sections += [s for s in (legal_assessment_section(data, lang),) if s is not None]
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


def sittings_section(data: dict) -> Section:
    """The trial's court sittings: one row per sitting however many observers recorded it, with who
    observed it and the items its observations still disagree on (left out of the findings)."""
    observers: dict[str, list[str]] = {}
    for h in data["hearings"]:
        observers.setdefault(h.get("sitting_uuid") or h["uuid"], []).append(h["observer"] or DASH)
    rows = [
        [
            s["sitting_date"],
            str(s["session"]),
            ", ".join(observers.get(s["uuid"], [])) or DASH,
            str(len(observers.get(s["uuid"], []))),
            Cell(str(s.get("disputed_open", 0)), "warning" if s.get("disputed_open") else ""),
        ]
        for s in data.get("sittings", [])
    ]
    head = [_("Date"), _("Session"), _("Observers"), _("Observations"), _("Disputed items open")]
    table = Table(head, rows, widths=(0.16, 0.1, 0.44, 0.14, 0.16), numeric=(1, 3, 4))
    blocks = [Block("table", table)] if rows else [note(_("No hearings observed yet."))]
    if any(s.get("disputed_open") for s in data.get("sittings", [])):
        blocks.append(
            note(
                _(
                    "Disputed items: observers of one sitting gave different answers and no lead has "
                    "reconciled them yet; the findings leave them out."
                )
            )
        )
    return Section(_("Sittings"), blocks, ident="sittings")


def case_file_section(data: dict, checklist, lang: str) -> Section:
    """Each defendant's case file: every fact known, in the checklist's words, with its source in words
    (observed in court, according to the judgment, according to counsel …), where it was learned and — in
    the internal edition — who recorded it. Established facts and allegations are told apart."""
    items = {item.key: item for item in case_items(checklist)} if checklist else {}
    order = {key: n for n, key in enumerate(items)}
    internal = data["profile"] == "internal"
    by_defendant: dict[str, list[dict]] = {}
    for fact in data.get("case_facts", []):
        if fact["value"] or fact["note"]:
            by_defendant.setdefault(fact["defendant_uuid"], []).append(fact)
    rows: list = []
    for d in data["defendants"]:
        facts_known = sorted(
            by_defendant.get(d["uuid"], []),
            key=lambda f: (order.get(f["item_key"], len(order)), f["item_key"]),
        )
        rows.append(f"{d['position']}. {d['name'] or DASH}")
        if not facts_known:
            rows.append(
                [_("Nothing recorded in the case file yet."), "", "", "", *([""] if internal else [])]
            )
            continue
        for fact in facts_known:
            item = items.get(fact["item_key"])
            if item is None:
                try:
                    item = checklist.item(fact["item_key"])
                except (KeyError, AttributeError):
                    item = None
            label = item.label.get(lang) if item else fact["item_key"]
            value = (
                (item.value_label(fact["value"], lang) if item else fact["value"]) if fact["value"] else DASH
            )
            concern = bool(item and fact["value"] and item.is_concern(fact["value"]))
            row = [
                label,
                Cell(value, "concern" if concern else "", fact["note"] or ""),
                Cell(
                    source_words(fact["source"]) or DASH,
                    note=(_("established") if established(fact["source"]) else _("alleged"))
                    if fact["source"]
                    else "",
                ),
                where_learned(fact["learned_at_date"], fact["learned_from"], fact["source"]) or DASH,
            ]
            if internal:
                row.append(Cell(fact["recorded_by"] or DASH, note=(fact["updated_at"] or "")[:10]))
            rows.append(row)
    head = [_("Fact"), _("Value"), _("Source"), _("Where learned")]
    widths: tuple[float, ...] = (0.36, 0.2, 0.24, 0.2)
    if internal:
        head.append(_("Recorded by"))
        widths = (0.32, 0.17, 0.2, 0.17, 0.14)
    blocks = [
        text(
            _(
                "Facts of the case, recorded once for each defendant, with their source: what was observed "
                "in court or stated in the judgment or another court record is established; what the "
                "defendant, counsel, the family, the prosecution or others said is an allegation."
            )
        )
    ]
    if data.get("case_facts"):
        blocks.append(Block("table", Table(head, rows, widths=widths, css="case-file")))
    else:
        blocks.append(note(_("Nothing recorded in the case file yet.")))
    return Section(_("Case file"), blocks, ident="case-file")
