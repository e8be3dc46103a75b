"""The mission findings report: summary, method, findings by stage, torture, anonymous witnesses,
custody (per trial), verdicts, the trial × right summary and the annex of legal standards (the
per-defendant custody table and matrix are in each trial's report: render/trial.py)."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...evidence.report import annex_section as evidence_annex
from ...findings import charts
from ...i18n import LANGUAGE_NAMES
from ...missions.labels import (
    CONVICTION_BASIS_LABELS,
)
from ...observe.fields import ALLEGATION
from . import official
from .blocks import (
    DASH,
    Block,
    Report,
    Section,
    Table,
    about_section,
    cited,
    fact_pairs,
    facts,
    note,
    of,
    profile_line,
    sentences,
    status_label,
    text,
)
from .findings import (
    concern_sections,
    custody_chart,
    custody_legend,
    custody_summary_table,
    key_findings,
    method_sentence,
    nothing_yet,
)
from .follow_up import with_follow_up
from .matrix import summary_section

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
    "CRC": _l("Convention on the Rights of the Child (1989)"),
    "HRC": _l("UN Human Rights Committee, views on individual communications"),
    "OSCE Copenhagen Document 1990": _l(
        "Document of the Copenhagen Meeting of the Conference on the Human Dimension of the CSCE (1990)"
    ),
}
# A reference cited as persuasive (a regional standard the State is not bound by) says so in the checklist.
PERSUASIVE = "persuasive: "


def natural(value: str) -> list:
    """ "9(2)" before "14(1)": numbers compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", value)]


def standards_table(refs) -> Table:
    """Every reference the report cites, grouped by instrument, with what the abbreviation stands for."""
    cited_in: dict[str, set] = {}
    persuasive: set[str] = set()
    for ref in refs:
        plain = ref.removeprefix(PERSUASIVE)
        abbreviation = next((a for a in INSTRUMENTS if plain == a or plain.startswith(a + " ")), plain)
        cited_in.setdefault(abbreviation, set()).add(plain[len(abbreviation) :].strip())
        if plain != ref:
            persuasive.add(abbreviation)
    order = list(INSTRUMENTS)
    rows = []
    for abbreviation in sorted(cited_in, key=lambda a: (order.index(a) if a in order else len(order), a)):
        provisions = sorted((p for p in cited_in[abbreviation] if p), key=natural)
        instrument = str(INSTRUMENTS.get(abbreviation, ""))
        if abbreviation in persuasive:
            instrument = _("%(instrument)s — persuasive, not binding on this State", instrument=instrument)
        rows.append([abbreviation, instrument, "; ".join(provisions) or _("cited as a whole")])
    head = [_("Abbreviation"), _("Instrument"), _("Provisions cited")]
    return Table(head, rows, widths=(0.16, 0.5, 0.34), css="standards")


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
        fact_pairs(
            (_("Mission"), mission["name"]),
            (_("Country"), mission["country"]),
            (_("Mission dates"), f"{mission['start_date'] or DASH} – {mission['end_date'] or _('ongoing')}"),
            (
                _("Sittings observed"),
                f"{m['sittings']['count']} ({m['first_date']} – {m['last_date']})"
                if m["first_date"]
                else "0",
            ),
            (_("Language"), LANGUAGE_NAMES.get(lang, lang)),
            (_("Exported"), data.get("export", {}).get("at", "")),
            (_("Checklist"), f"{checklist.title.get(lang)}, v{checklist.version}"),
        ),
    )
    key = key_findings(report, found)
    summary = [text(method_sentence(found)), sentences(key)] if m["sittings"]["count"] else [nothing_yet()]
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
        with_follow_up(_torture(found, key), report, found),
        _anonymous(report, found, key),
        _custody(data, found, key),
        _verdicts(found),
        *filter(None, [official.section(data)]),  # the authorities' figures, beside the counts, apart
        summary_section(data, found, checklist, lang),
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
    annex = evidence_annex(data)  # None (left out) when no file is listed
    if annex is not None:
        sections.append(annex)
    sections.append(about_section(data, lang))
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
            str(
                len({h.get("sitting_uuid") or h["uuid"] for h in counted if h["trial_uuid"] == trial["uuid"]})
            ),
            str(sum(1 for d in data["defendants"] if d["trial_uuid"] == trial["uuid"])),
        ]
        for trial in data["trials"]
    ]
    months = [[month, str(n)] for month, n in m["sittings_by_month"].items()]
    head = [_("Trial"), _("Court"), _("Case number"), _("Sittings"), _("Defendants on trial")]
    case_file = any(entry.get("unit") == "case" for entry in found["items"])
    return Section(
        _("Method"),
        [
            facts(
                (_("Sittings observed"), str(m["sittings"]["count"])),
                (_("Observations"), str(m["observations"]["count"])),
                (_("Trials"), str(m["trials"]["count"])),
                (_("Observers"), str(m["observers"])),
                (_("Dates"), f"{m['first_date']} – {m['last_date']}" if m["first_date"] else DASH),
                (_("Defendants on trial"), str(len(data["defendants"]))),
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
            text(
                _(
                    "Facts of the case file count once per defendant, of the defendants on trial. What was "
                    "observed in court or stated in a court record is counted apart from what was alleged; "
                    "an allegation is never counted as an established violation."
                )
            )
            if case_file
            else None,
            Block("table", Table(head, trials, widths=(0.33, 0.27, 0.14, 0.12, 0.14), numeric=(3, 4))),
            # A chart of one or two months says nothing the table does not.
            Block("chart", charts.timeline_chart(m["sittings_by_month"], _("Sittings per month")))
            if len(months) > 2
            else None,
            Block(
                "table",
                Table([_("Month"), _("Sittings")], months, widths=(0.5, 0.5), numeric=(1,), css="narrow"),
            )
            if months
            else None,
        ],
        ident="method",
    )


def _stages(found: dict, checklist, lang: str) -> Section:
    """Concerns out of observations per stage, as a chart and a table; the stages follow one by one."""
    # A fact of the case file counts as a concern where it is established; what was alleged is a column
    # of its own, never added to the concerns (the findings page counts the same way: charts.stage_rows).
    items = charts.established_only(found["items"])
    alleged = any(e.get("unit") == "case" for e in found["items"])
    rows = []
    for counted in charts.stage_rows(found["items"], checklist.stages):
        row = [counted["stage"].label.get(lang), str(counted["concerns"]), str(counted["observed"])]
        if alleged:
            row.insert(2, str(counted["alleged"]))
        rows.append(row)
    chart = charts.stacked_item_chart(
        items,
        {stage.key: stage.label.get(lang) for stage in checklist.stages},
        _("Concerns by stage"),
        {"concern": _("Concerns"), "observed": _("Observations")},
    )
    head = [_("Stage"), _("Concerns"), _("Observations")]
    widths: tuple[float, ...] = (0.5, 0.25, 0.25)
    numeric: tuple[int, ...] = (1, 2)
    if alleged:
        head.insert(2, _("Alleged"))
        widths, numeric = (0.4, 0.2, 0.2, 0.2), (1, 2, 3)
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
            Block("table", Table(head, rows, widths=widths, numeric=numeric, css="narrow")),
        ],
        ident="stages",
    )


def _torture(found: dict, key: list[str]) -> Section:
    t = found["torture"]
    rows: list[str | list[str]] = []  # a str: the heading of a group of rows
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
            Block("table", custody_summary_table(data, found)),
            note(custody_legend()),
            note(_("The custody clocks of each defendant are in the trial's report.")),
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
