"""Views: a defendant's case file, and the form that changes its facts."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import checklists, records
from ..auth import request_actor
from ..db import get_db
from ..permissions import allow, get_case_file_or_404, manages, me, updates_case_file
from . import records as cases
from .forms import SOURCE_LABELS, CaseFactsForm, source_choices, submitted_changes

bp = Blueprint("cases", __name__)

# Why a change was refused (records.CaseFileError.code) → the message the person reads.
MESSAGES = {
    "value": lambda: _("An answer is not one this question allows; see the fact marked below."),
    "note": lambda: _("A note is too long (at most 2000 characters)."),
    "source": lambda: _("Say where the new information was learned (its source)."),
    "reason": lambda: _("Say why a value already recorded changes (the reason)."),
    "learned_at": lambda: _("Choose one of this trial's observations."),
    "stale": lambda: _(
        "Someone changed the facts marked below since you opened this page. Nothing was saved: their "
        "value is shown now, yours beside it; check and save again."
    ),
}


def checklist_of(mission: dict):
    return checklists.of(mission)


def _observation(trial: dict, mission: dict) -> dict | None:
    """The observation the page was opened from (``?hearing=``), when it is one the user may open."""
    hearing = records.get(get_db(), "hearing", request.args.get("hearing", ""))
    if hearing is None or hearing["trial_id"] != trial["id"]:
        return None
    return hearing if hearing["observer_id"] == me()["id"] or manages(mission["id"]) else None


@bp.route("/defendants/<defendant_uuid>/case-file")
@allow("lead", "admin", "observer")
def case_file(defendant_uuid):
    """The defendant's case file: each fact with its source, where it was learned and its history."""
    defendant, trial, mission = get_case_file_or_404(defendant_uuid)
    db = get_db()
    groups = cases.case_file(db, defendant, checklist_of(mission))
    lead = manages(mission["id"])
    return render_template(
        "cases/case_file.html",
        defendant=defendant,
        trial=trial,
        mission=mission,
        groups=groups,
        lead=lead,
        disagreed=[e for _stage, entries in groups for e in entries if e["disagreed"]] if lead else [],
        may_update=updates_case_file(db, mission["id"], trial["id"], me()),
        observation=_observation(trial, mission),
        sources=SOURCE_LABELS,
    )


@bp.route("/defendants/<defendant_uuid>/case-file/edit", methods=["GET", "POST"])
@allow("lead", "admin", "observer")
def case_file_edit(defendant_uuid):
    """Update one or several facts of the case file, pre-filled with what is known."""
    defendant, trial, mission = get_case_file_or_404(defendant_uuid, edit=True)
    db = get_db()
    checklist = checklist_of(mission)
    items = checklists.case_items(checklist)
    observation = _observation(trial, mission)
    form = CaseFactsForm(cases.observations(db, trial["id"]))
    if request.method == "GET" and observation is not None:
        form.learned_at.data = observation["uuid"]
    current = cases.facts(db, defendant["id"])
    marked, entered, code = (), {}, ""
    if form.validate_on_submit():
        changes, broken = submitted_changes(request.form, items, current)
        learned = cases.Learned(
            form.source.data, form.learned_at.data, form.learned_from.data, form.reason.data
        )
        try:
            if broken:
                raise cases.StaleFact(tuple(broken))
            changed = cases.change_facts(db, request_actor(), me(), defendant, checklist, changes, learned)
        except cases.CaseFileError as error:
            flash(MESSAGES.get(error.code, MESSAGES["value"])(), "error")
            marked, code = error.keys, error.code
            entered = {c.item_key: c for c in changes}
            current = cases.facts(db, defendant["id"])
        else:
            flash(
                ngettext(
                    "Case file saved: %(num)d fact changed.",
                    "Case file saved: %(num)d facts changed.",
                    len(changed),
                ),
                "success",
            )
            if observation is not None and observation["observer_id"] == me()["id"]:
                back = url_for("observe.hearing_view", hearing_uuid=observation["uuid"], d=defendant_uuid)
                return redirect(back + "#s-defendants")
            return redirect(url_for("cases.case_file", defendant_uuid=defendant_uuid))
    elif request.method == "POST":
        flash(_("Please correct the fields marked below."), "error")
    return render_template(
        "cases/case_file_edit.html",
        defendant=defendant,
        trial=trial,
        mission=mission,
        checklist=checklist,
        items=items,
        facts=current,
        form=form,
        marked=marked,
        entered=entered,
        stale=code == "stale",
        observation=observation,
        source_choices=source_choices(_("Source as above")),
        sources=SOURCE_LABELS,
    )
