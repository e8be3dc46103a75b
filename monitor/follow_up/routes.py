"""Views: an allegation's follow-up (read, add an event, withdraw one), the mission's list of them, and a
trial's legal assessment. The case file shows a defendant's follow-up through :func:`timeline`."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import checklists
from ..auth import request_actor
from ..db import get_db
from ..permissions import (
    allow,
    follow_up_rights,
    get_follow_up_event_or_404,
    get_follow_up_mission_or_404,
    get_follow_up_or_404,
    get_legal_assessment_or_404,
    leads,
    me,
)
from . import legal
from . import records as follow_up
from .forms import AssessmentForm, EventForm, WithdrawForm, assessment_entries
from .labels import (
    ASSESSMENT_MESSAGES,
    CONCLUSION_LABELS,
    EVENT_MESSAGES,
    GRADE_CRITERIA,
    GRADE_LABELS,
    KIND_LABELS,
    UN_BODY_LABELS,
)

bp = Blueprint("follow_up", __name__)

LABELS = {
    "kinds": KIND_LABELS,
    "bodies": UN_BODY_LABELS,
    "conclusions": CONCLUSION_LABELS,
    "grades": GRADE_LABELS,
    "criteria": GRADE_CRITERIA,
}


def _allegation_page(allegation, trial, mission, form=None, status=200):
    db = get_db()
    _read, may_write = follow_up_rights(db, allegation, me())
    return (
        render_template(
            "follow_up/allegation.html",
            allegation=follow_up.allegation_row(db, allegation["id"]),
            trial=trial,
            mission=mission,
            events=follow_up.events(db, [allegation["uuid"]]),
            may_write=may_write,
            followable=follow_up.followable(db, allegation),
            form=form or EventForm(),
            withdraw_form=WithdrawForm(),
            labels=LABELS,
        ),
        status,
    )


@bp.route("/allegations/<allegation_uuid>/follow-up")
@allow("lead", "admin", "observer")
def allegation_follow_up(allegation_uuid):
    """An allegation's path after the courtroom: its events, oldest first."""
    allegation, trial, mission = get_follow_up_or_404(allegation_uuid)
    return _allegation_page(allegation, trial, mission)


@bp.route("/allegations/<allegation_uuid>/follow-up", methods=["POST"])
@allow("lead", "admin")
def event_add(allegation_uuid):
    """A lead adds one event (dated, with its source) to an allegation's follow-up."""
    allegation, trial, mission = get_follow_up_or_404(allegation_uuid, write=True)
    form = EventForm()
    if not form.validate_on_submit():
        flash(_("The form had expired; nothing was saved. Please try again."), "error")
        return _allegation_page(allegation, trial, mission, form, 400)
    values = {name: getattr(form, name).data for name in follow_up.FIELDS}
    try:
        follow_up.add(get_db(), request_actor(), me(), allegation, values)
    except follow_up.FollowUpError as error:
        flash(EVENT_MESSAGES[error.code](), "error")
        return _allegation_page(allegation, trial, mission, form, 400)
    flash(_("Event recorded."), "success")
    return redirect(url_for("follow_up.allegation_follow_up", allegation_uuid=allegation_uuid))


@bp.route("/follow-up/<event_uuid>/withdraw", methods=["POST"])
@allow("lead", "admin")
def event_withdraw(event_uuid):
    """A lead withdraws an event entered by mistake: it stays, marked, with why; it no longer counts."""
    event, allegation = get_follow_up_event_or_404(event_uuid)
    back = url_for("follow_up.allegation_follow_up", allegation_uuid=event["allegation_uuid"])
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(EVENT_MESSAGES["reason"](), "error")
        return redirect(back)
    try:
        follow_up.withdraw(get_db(), request_actor(), event, form.reason.data)
    except follow_up.FollowUpError as error:
        flash(EVENT_MESSAGES[error.code](), "error")
        return redirect(back)
    flash(_("Event withdrawn; its record stays."), "success")
    return redirect(back)


@bp.route("/missions/<mission_uuid>/follow-up")
@allow("lead", "admin")
def mission_follow_up(mission_uuid):
    """Every allegation of the mission with its latest event: where each stands after the courtroom."""
    mission = get_follow_up_mission_or_404(mission_uuid)
    db = get_db()
    allegations = follow_up.mission_allegations(db, mission["id"])
    events: dict[str, list] = {}
    for event in follow_up.events(db, [a["uuid"] for a in allegations], withdrawn=False):
        events.setdefault(event["allegation_uuid"], []).append(event)
    return render_template(
        "follow_up/mission.html", mission=mission, allegations=allegations, events=events, labels=LABELS
    )


def timeline(defendant: dict) -> dict | None:
    """The follow-up of a defendant's allegations that the current user may read (the case file shows
    it), or None when there is nothing they may see."""
    if not current_user.is_authenticated:
        return None
    db = get_db()
    shown = [
        a for a in follow_up.defendant_allegations(db, defendant["uuid"]) if follow_up_rights(db, a, me())[0]
    ]
    if not shown:
        return None
    return {
        "allegations": shown,
        "events": follow_up.events(db, [a["uuid"] for a in shown]),
        "labels": LABELS,
    }


@bp.app_template_global("follow_up_timeline")
def _timeline_global(defendant: dict) -> dict | None:
    return timeline(defendant)


def _assessment_page(trial, mission, entered=None, marked="", status=200):
    db = get_db()
    checklist = checklists.of(mission)
    return (
        render_template(
            "follow_up/legal_assessment.html",
            trial=trial,
            mission=mission,
            rights=legal.rights(checklist),
            current=legal.current(db, trial["id"]),
            entered=entered or {},
            marked=marked,
            may_write=leads(mission["id"]),
            form=AssessmentForm(),
            labels=LABELS,
        ),
        status,
    )


@bp.route("/trials/<trial_uuid>/legal-assessment")
@allow("lead", "admin", "observer")
def legal_assessment(trial_uuid):
    """A trial's legal assessment: a conclusion per right and the overall grade, with their reasoning."""
    trial, mission = get_legal_assessment_or_404(trial_uuid)
    return _assessment_page(trial, mission)


@bp.route("/trials/<trial_uuid>/legal-assessment", methods=["POST"])
@allow("lead", "admin")
def legal_assessment_save(trial_uuid):
    """A lead records or changes the conclusions (all or none)."""
    trial, mission = get_legal_assessment_or_404(trial_uuid, write=True)
    checklist = checklists.of(mission)
    keys = [r["key"] for r in legal.rights(checklist)] + [legal.OVERALL]
    entries = assessment_entries(request.form, keys)
    form = AssessmentForm()
    entered = {e["right_key"]: e for e in entries}
    if not form.validate_on_submit():
        flash(_("The form had expired; nothing was saved. Please try again."), "error")
        return _assessment_page(trial, mission, entered, status=400)
    try:
        changed = legal.save(get_db(), request_actor(), me(), trial, checklist, entries)
    except legal.AssessmentError as error:
        flash(ASSESSMENT_MESSAGES[error.code](), "error")
        return _assessment_page(trial, mission, entered, error.right_key or "overall", 400)
    flash(
        ngettext(
            "Legal assessment saved: %(num)d conclusion changed.",
            "Legal assessment saved: %(num)d conclusions changed.",
            len(changed),
        ),
        "success",
    )
    return redirect(url_for("follow_up.legal_assessment", trial_uuid=trial_uuid))


@bp.app_template_global("follow_up_sentences")
def _sentences_global(follow_up_counts: dict, html: bool = False, shown=None) -> list:
    from ..findings.follow_up import sentences

    return sentences(follow_up_counts, html=html, shown=shown)


@bp.app_template_global("may_follow_up")
def _may_follow_up(mission: dict) -> bool:
    return current_user.is_authenticated and leads(mission["id"])
