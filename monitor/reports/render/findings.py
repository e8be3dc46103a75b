"""The findings as a report words them — "3 of 8 defendants …" with their legal references — and the
custody clocks; shared by the trial and the mission reports."""

import statistics

from flask_babel import gettext as _
from markupsafe import Markup

from ...findings import charts, wording
from ...missions.labels import (
    COUNSEL_LABELS,
)
from ...missions.records import custody_hours, hours_between
from .blocks import (
    DASH,
    Block,
    Cell,
    Report,
    Section,
    Table,
    cited,
    hours,
    note,
    people,
    sentences,
    when,
)


def item_sentence(report: Report, item, entry: dict, lang: str) -> str:
    """ "3 of 8 defendants were not promptly told … (ICCPR 9(2))." as the findings page words it."""
    finding = item.finding.get(lang) if getattr(item, "finding", None) else ""
    finding = finding.strip().rstrip(".")
    if finding:
        line = wording.item_sentence(item.scope, entry["concern"], entry["observed"], finding, lang)
    else:
        answers = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
        concern, observed = entry["concern"]["count"], entry["observed"]["count"]
        counted = _("%(count)s of %(total)s", count=concern, total=observed)
        line = f"{counted}: {item.label.get(lang)} — {answers}"
    disputed = entry.get("disputed", {}).get("count", 0)
    if disputed:
        line += " " + _(
            "(%(count)s more disputed: observers of one sitting disagree; not counted)", count=disputed
        )
    return cited(report, line, entry["refs"])


def item_sentences(report: Report, item, entry: dict, lang: str) -> list[str]:
    """The sentences of one item with a concern: one, or — for a fact of the case file — the established
    and the alleged apart (``wording.case_sentences``), each with its legal references."""
    finding = (item.finding.get(lang) if getattr(item, "finding", None) else "").strip().rstrip(".")
    if entry.get("unit") == "case" and finding:
        return [cited(report, line, entry["refs"]) for line in wording.case_sentences(entry, finding, lang)]
    return [item_sentence(report, item, entry, lang)]


def method_sentence(found: dict) -> str:
    return wording.method_sentence(found["method"])


def key_findings(report: Report, found: dict) -> list[str]:
    """The six key findings, each in the plural forms of its counts, with their references."""
    return [cited(report, sentence, refs) for sentence, refs in wording.key_findings(found)]


def concern_sections(report: Report, found: dict, checklist, lang: str, tables: bool) -> list[Section]:
    """One subsection per stage: the sentences of the items with a concern, and (``tables``) every item."""
    entries = {entry["key"]: entry for entry in found["items"]}
    numbers = question_numbers(checklist)
    units = {"defendant": _("Defendants"), "hearing": _("Sittings"), "witness": _("Witnesses")}
    result = []
    for stage in checklist.stages:
        items = [item for item in checklist.items if item.stage == stage.key and item.key in entries]
        if not items:
            continue
        lines = [
            line
            for item in items
            if entries[item.key]["concern"]["count"]
            for line in item_sentences(report, item, entries[item.key], lang)
        ]
        blocks = [sentences(lines)] if lines else [note(_("No concern was recorded at this stage."))]
        if tables:
            rows = []
            for item in items:
                entry = entries[item.key]
                report.refs.update(item.refs)
                concern = entry["concern"]["count"]
                cell = Cell(str(concern), tone="concern" if concern else "")
                if entry.get("unit") == "case":  # established counted; alleged beside it, never added
                    established = entry["concern_established"]["count"]
                    alleged = entry["concern_alleged"]["count"]
                    cell = Cell(
                        str(established),
                        tone="concern" if established else "",
                        note=_("alleged: %(count)s", count=alleged) if alleged else "",
                    )
                rows.append(
                    [
                        str(numbers[item.key]),
                        item.label.get(lang),
                        _("Defendants on trial") if entry.get("unit") == "case" else units[item.scope],
                        cell,
                        str(entry["observed"]["count"]),
                        "; ".join(item.refs),
                    ]
                )
            head = [_("No."), _("Question"), _("Counted"), _("Concerns"), _("Observed for"), _("Standards")]
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
        custody = custody_hours(d)
        to_registration, to_judge = custody["to_registration"], custody["to_judge"]
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


def custody_summary_table(data: dict, found: dict) -> Table:
    """The custody clocks per trial, for the mission report (each trial's report lists its defendants):
    defendants on trial, the median and longest hours to a judge, those before a judge after more than
    48 and 72 hours (of those whose times are known), arrests registered more than 48 hours late, no
    lawyer; the last row is the mission, as the findings count it."""
    by_trial: dict[str, list[dict]] = {}
    for defendant in found["custody"]["defendants"]:
        by_trial.setdefault(defendant["trial_uuid"], []).append(defendant)

    def row(label: str, defendants: list[dict]) -> list:
        timed = [d["to_judge"] for d in defendants if d["to_judge"] is not None]
        over48 = sum(1 for h in timed if h > 48)
        over72 = sum(1 for h in timed if h > 72)
        late = sum(1 for d in defendants if (d["to_registration"] or 0) > 48)
        return [
            Cell(label),
            str(len(defendants)),
            hours(round(statistics.median(timed), 1)) if timed else DASH,
            hours(max(timed)) if timed else DASH,
            Cell(_("%(count)s of %(total)s", count=over48, total=len(timed)), "warning" if over48 else "")
            if timed
            else DASH,
            Cell(_("%(count)s of %(total)s", count=over72, total=len(timed)), "concern" if over72 else "")
            if timed
            else DASH,
            Cell(str(late), "warning" if late else ""),
            str(sum(1 for d in defendants if d["counsel"] == "none")),
        ]

    rows = [row(trial["title"] or DASH, by_trial.get(trial["uuid"], [])) for trial in data["trials"]]
    rows.append(row(_("All trials"), found["custody"]["defendants"]))
    head = [
        _("Trial"),
        _("Defendants on trial"),
        _("Median hours from apprehension to a judge"),
        _("Longest"),
        _("over 48 h"),
        _("over 72 h"),
        _("Arrest registered over 48 h late"),
        _("No lawyer"),
    ]
    return Table(
        head,
        rows,
        widths=(0.25, 0.1, 0.12, 0.09, 0.11, 0.11, 0.12, 0.1),
        numeric=(1, 2, 3, 4, 5, 6, 7),
        css="custody",
    )


CHART_DEFENDANTS = 24  # a bar each fits one printed page; more are counted in bands of hours


def custody_chart(data: dict, found: dict) -> Markup:
    """Hours from apprehension to a judge: a bar per defendant, or — when there are more than fit on a
    page — the number of defendants in each band of 24 hours (the table beside it lists everyone)."""
    title = _("Hours from apprehension to a judge")
    timed = [d for d in found["custody"]["defendants"] if d.get("to_judge") is not None]
    if len(timed) > CHART_DEFENDANTS:
        # Up to 24 h, 48 h, 72 h, then beyond: the tones of the per-defendant chart (amber over 48 h,
        # red over 72 h).
        counts = [0, 0, 0, 0]
        for defendant in timed:
            counts[sum(defendant["to_judge"] > limit for limit in (24, 48, 72))] += 1
        labels = [_("%(h)s h", h="0–24"), _("%(h)s h", h="24–48"), _("%(h)s h", h="48–72"), _("over 72 h")]
        rows: list[tuple[str, int, int | None]] = [
            (label, count, len(timed)) for label, count in zip(labels, counts, strict=True)
        ]
        return charts.bar_chart(rows, title, tones=["no-concern", "no-concern", "warning", "concern"])
    names = people(data)
    defendants = [{**d, "name": names.get(d["uuid"], DASH)} for d in found["custody"]["defendants"]]
    return charts.custody_chart(defendants, title, {"h48": _("48 h"), "h72": _("72 h"), "unit": _("h")})


def nothing_yet() -> Block:
    return note(_("No submitted or approved hearing yet, so there is nothing to count."))


def custody_legend() -> str:
    return _(
        "Hours are counted from the actual apprehension. Amber: more than 48 hours; red: before a judge "
        "after more than 72 hours (ICCPR 9(3); GC35 ¶33)."
    )
