"""The findings as a report words them — "3 of 8 defendants …" with their legal references — and the
custody clocks; shared by the trial and the mission reports."""

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ...findings import charts
from ...missions.labels import (
    COUNSEL_LABELS,
)
from .blocks import (
    DASH,
    Block,
    Cell,
    Report,
    Section,
    Table,
    cited,
    hours,
    hours_between,
    note,
    people,
    sentences,
    when,
)


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
            "In %(count)s of %(total)s sitting, %(finding)s",
            "In %(count)s of %(total)s sittings, %(finding)s",
            total,
            count=concern,
            total=total,
            finding=finding,
        )
    if not finding:
        answers = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
        line = f"{line.strip().rstrip(',')}: {item.label.get(lang)} — {answers}"
    disputed = entry.get("disputed", {}).get("count", 0)
    if disputed:
        line += " " + _(
            "(%(count)s more disputed: observers of one sitting disagree; not counted)", count=disputed
        )
    return cited(report, line, entry["refs"])


def method_sentence(found: dict) -> str:
    m = found["method"]
    return _(
        "Based on %(sittings)s sittings (%(observations)s observations by %(observers)d observers) in "
        "%(trials)s trials between %(first)s and %(last)s; %(defendants)s defendants were seen in court.",
        sittings=m["sittings"]["count"],
        observations=m["observations"]["count"],
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
            ["ICCPR 7", "CAT 15"],
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
        rows = [(label, count, len(timed)) for label, count in zip(labels, counts, strict=True)]
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
