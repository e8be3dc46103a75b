"""Views: a mission's findings, the evidence behind each count, the defendant × item matrix, comparisons."""

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import checklists
from ..db import get_db
from ..missions import records as missions
from ..missions.labels import CONVICTION_BASIS_LABELS
from ..observe import fields
from ..permissions import allow, get_mission_or_404, get_trial_or_404
from . import aggregate, charts, evidence, labels, wording
from .filters import scope_from
from .scope import Scope

bp = Blueprint("findings", __name__)

COMPARE_BY = ("trial", "court", "judge")


def checklist_of(mission: dict):
    return checklists.of(mission)


def scoped(mission: dict) -> Scope:
    """The scope from the query string; a malformed filter is explained and the default used."""
    try:
        return scope_from(mission, request.args)
    except ValueError as error:
        flash(_("A filter was not understood and was ignored: %(error)s", error=str(error)), "error")
        return Scope(mission["id"])


def filter_args() -> dict:
    """The current filters, to carry into every link of the findings pages."""
    return {k: request.args.getlist(k) for k in request.args if k not in ("path", "person", "by")}


def filter_choices(mission: dict) -> dict:
    db = get_db()
    trials = missions.trials(db, mission["id"])
    return {
        "trials": trials,
        "courts": sorted({t["court"] for t in trials if t["court"]}),
        "observers": [m for m in missions.members(db, mission["id"]) if m["role"] == "observer"],
    }


@bp.route("/missions/<mission_uuid>/findings")
@allow("lead", "admin")
def mission_findings(mission_uuid):
    """The mission's findings as sentences a report can quote, with charts and the evidence a click away."""
    mission = get_mission_or_404(mission_uuid)
    checklist = checklist_of(mission)
    scope = scoped(mission)
    data = aggregate.findings(get_db(), scope, checklist, mission)
    return render_template(
        "findings/findings.html",
        mission=mission,
        checklist=checklist,
        data=data,
        items={i["key"]: i for i in data["items"]},
        choices=filter_choices(mission),
        args=request.args,
        filters=filter_args(),
        fields=fields,
        basis_labels=CONVICTION_BASIS_LABELS,
        charts=make_charts(data, checklist),
        stage_rows=charts.stage_rows(data["items"], checklist.stages),
        alleged_column=any(e.get("unit") == "case" for e in data["items"]),
        wording=wording,
    )


@bp.route("/trials/<trial_uuid>/findings")
@allow("lead", "admin")
def trial_findings(trial_uuid):
    """A trial's findings: the mission's findings page narrowed to this trial."""
    trial, mission = get_trial_or_404(trial_uuid, manage=True)
    return redirect(url_for("findings.mission_findings", mission_uuid=mission["uuid"], trial=trial["uuid"]))


@bp.route("/missions/<mission_uuid>/findings/evidence")
@allow("lead", "admin")
def findings_evidence(mission_uuid):
    """The people behind one count, and for each the hearings and answers (or records) behind it."""
    mission = get_mission_or_404(mission_uuid)
    checklist = checklist_of(mission)
    scope = scoped(mission)
    db = get_db()
    data = aggregate.findings(db, scope, checklist, mission)
    path = request.args.get("path", "")
    counted = aggregate.resolve(data, path)
    if counted is None:
        abort(404)
    uuids = counted["uuids"]
    person = request.args.get("person")
    if person:
        uuids = [u for u in uuids if u == person]
    parts = path.split(".")
    item = checklist.item(parts[1]) if parts[0] == "items" and len(parts) > 1 else None
    return render_template(
        "findings/evidence.html",
        mission=mission,
        checklist=checklist,
        path=path,
        title=labels.evidence_title(path, checklist, str(get_locale())),
        counted=counted,
        uuids=uuids,
        item=item,
        people=evidence.people(db, uuids),
        answers=evidence.answers(db, scope, item.key, uuids) if item else {},
        allegations=evidence.allegations(db, scope) if parts[0] == "torture" else {},
        custody={d["uuid"]: d for d in data["custody"]["defendants"]},
        args=request.args,
        filters=filter_args(),
        fields=fields,
    )


@bp.route("/missions/<mission_uuid>/findings/matrix")
@allow("lead", "admin")
def findings_matrix(mission_uuid):
    """Defendants × checklist items: a concern or none in each cell, the sittings observed on hover, the
    questions numbered as in the PDF report and listed under the table."""
    mission = get_mission_or_404(mission_uuid)
    checklist = checklist_of(mission)
    scope = scoped(mission)
    grid = aggregate.matrix(get_db(), scope, checklist)
    # A question answered for no defendant in scope would be a column of empty cells: it is left out of the
    # table (the list under it still has it, marked), so the columns that say something fit the screen.
    answered = {key for row in grid["cells"].values() for key in row}
    items = [item for item in checklist.items_for("defendant") if item.key in answered]
    return render_template(
        "findings/matrix.html",
        mission=mission,
        checklist=checklist,
        grid=grid,
        items=items,
        answered=answered,
        numbers=question_numbers(checklist),
        stages=[
            (stage, stage_items) for stage, stage_items in checklist.by_stage("defendant") if stage_items
        ],
        stage_starts={
            stage_items[0].key for _stage, stage_items in checklist.by_stage("defendant") if stage_items
        },
        choices=filter_choices(mission),
        args=request.args,
        filters=filter_args(),
    )


def question_numbers(checklist) -> dict[str, int]:
    """Each question's number: its place in the checklist, as the PDF report numbers its matrix columns
    (monitor/reports/render/findings.py question_numbers)."""
    return {item.key: number for number, item in enumerate(checklist.items, 1)}


@bp.route("/missions/<mission_uuid>/findings/compare")
@allow("lead", "admin")
def findings_compare(mission_uuid):
    """The same items side by side per trial, per court or per judge."""
    mission = get_mission_or_404(mission_uuid)
    checklist = checklist_of(mission)
    by = request.args.get("by", "trial")
    if by not in COMPARE_BY:
        by = "trial"
    base = scoped(mission)
    db = get_db()
    groups, names = [], []
    if by == "trial":
        for trial in missions.trials(db, mission["id"]):
            groups.append((trial["title"], _narrow(base, trial_uuids=(trial["uuid"],))))
    else:
        # Only named courts or judges get a column: an empty name is no filter at all (its column held
        # everything), so observations without one are left out, and the page says so.
        if by == "court":
            names = sorted({t["court"] for t in missions.trials(db, mission["id"])})
        else:
            names = aggregate.judges(db, base)
        for name in names:
            if name:
                groups.append((name, _narrow(base, **{by: name})))
    unrecorded = by != "trial" and "" in names
    columns = [
        (name, {i["key"]: i for i in aggregate.item_counts(db, scope, checklist)}) for name, scope in groups
    ]
    return render_template(
        "findings/compare.html",
        mission=mission,
        checklist=checklist,
        by=by,
        columns=columns,
        unrecorded=unrecorded,
        args=request.args,
        filters=filter_args(),
    )


def _narrow(scope: Scope, **changes) -> Scope:
    return replace(scope, **changes)


def make_charts(data: dict, checklist) -> dict:
    """The findings page's charts, drawn on the server as SVG (each has a table beside it)."""
    lang = str(get_locale())
    return {
        "stages": charts.stacked_item_chart(
            charts.established_only(data["items"]),
            {stage.key: stage.label.get(lang) for stage in checklist.stages},
            _("Concerns by stage"),
            {"concern": _("Concerns"), "observed": _("Observations"), "not_observed": _("not observed")},
        ),
        "methods": charts.bar_chart(
            [
                (str(fields.ALLEGATION["methods"].choices.get(key, key)), value["count"], value["of"])
                for key, value in data["torture"]["by_method"].items()
            ],
            _("Allegations by method"),
            empty=_("No allegation recorded."),
        ),
        "custody": charts.custody_chart(
            data["custody"]["defendants"],
            _("Hours from apprehension to a judge"),
            {"h48": _("48 h"), "h72": _("72 h"), "unit": _("h")},
        ),
        "timeline": charts.timeline_chart(data["method"]["sittings_by_month"], _("Sittings per month")),
    }
