"""Views: missions, their members, trials, observer assignments and defendants (leads and admins)."""

from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import checklists, records
from ..auth import request_actor, users
from ..db import get_db
from ..forms import EmptyForm
from ..observe import records as observe
from ..observe import sittings
from ..permissions import (
    allow,
    get_defendant_or_404,
    get_mission_or_404,
    get_trial_or_404,
    leads,
    manages,
    me,
)
from . import records as missions
from .forms import (
    AssignForm,
    BulkDefendantsForm,
    DefendantForm,
    MemberForm,
    MissionForm,
    TrialForm,
    checklist_choices,
    defendant_fields,
    mission_fields,
    trial_fields,
)
from .labels import COUNSEL_LABELS, VERDICT_LABELS

bp = Blueprint("missions", __name__)


def mission_checklist(mission: dict):
    """The checklist a mission's observations are answered with."""
    return checklists.of(mission)


@bp.route("/missions")
@allow("lead", "admin")
def mission_list():
    """The missions this lead belongs to (all of them for an administrator)."""
    return render_template("missions/list.html", missions=missions.missions_for(get_db(), me()))


@bp.route("/missions/new", methods=["GET", "POST"])
@allow("lead", "admin")
def mission_create():
    """Create a mission and choose its checklist."""
    form = MissionForm()
    form.checklist.choices = checklist_choices()
    if form.validate_on_submit():
        mission = missions.create_mission(get_db(), request_actor(), me(), mission_fields(form))
        flash(_("Mission “%(name)s” created.", name=mission["name"]), "success")
        return redirect(url_for("missions.mission_view", mission_uuid=mission["uuid"]))
    return render_template("missions/form.html", form=form, mission=None)


@bp.route("/missions/<mission_uuid>")
@allow("lead", "admin")
def mission_view(mission_uuid):
    """A mission's dashboard: trials, members, hearings awaiting review."""
    mission = get_mission_or_404(mission_uuid)
    db = get_db()
    member_rows = missions.members(db, mission["id"])
    member_ids = {m["id"] for m in member_rows}
    member_form = MemberForm()
    member_form.user.choices = [
        SelectChoice(u["uuid"], f"{u['display_name']} ({u['username']})")
        for u in users.list_all(db)
        if u["active"] and u["id"] not in member_ids
    ]
    return render_template(
        "missions/view.html",
        mission=mission,
        trials=missions.trials(db, mission["id"]),
        members=member_rows,
        counts=missions.mission_counts(db, mission["id"]),
        mission_lead=leads(mission["id"]),
        member_form=member_form,
        remove_form=EmptyForm(),
    )


@bp.route("/missions/<mission_uuid>/edit", methods=["GET", "POST"])
@allow("lead", "admin")
def mission_edit(mission_uuid):
    """Change a mission's name, dates, description or checklist."""
    mission = get_mission_or_404(mission_uuid)
    form = MissionForm(
        data={**mission, "checklist": f"{mission['checklist_id']}:{mission['checklist_version']}"}
    )
    if request.method == "GET":
        form.start_date.data = _date(mission["start_date"])
        form.end_date.data = _date(mission["end_date"])
    form.checklist.choices = checklist_choices()
    if form.validate_on_submit():
        missions.update_mission(get_db(), request_actor(), mission, mission_fields(form))
        flash(_("Mission saved."), "success")
        return redirect(url_for("missions.mission_view", mission_uuid=mission_uuid))
    return render_template("missions/form.html", form=form, mission=mission)


def _date(text):
    return date.fromisoformat(text) if text else None


def LAST_LEAD() -> str:  # noqa: N802 (a message, named like the others' constants)
    return _("A mission needs a lead: make someone else a lead first, then change this one.")


@bp.route("/missions/<mission_uuid>/members", methods=["POST"])
@allow("lead", "admin")
def member_add(mission_uuid):
    """Add a person to the mission as observer or lead."""
    mission = get_mission_or_404(mission_uuid)
    form = MemberForm()
    form.user.choices = [
        SelectChoice(u["uuid"], u["username"]) for u in users.list_all(get_db()) if u["active"]
    ]
    if form.validate_on_submit():
        user = users.get_by_uuid(get_db(), form.user.data)
        try:
            missions.add_member(get_db(), request_actor(), mission, user, form.role.data)
        except missions.LastLead:
            flash(LAST_LEAD(), "error")
        except ValueError:
            flash(_("Only a mission lead or administrator account can lead a mission."), "error")
        else:
            flash(_("%(name)s added to the mission.", name=user["display_name"]), "success")
    else:
        flash(_("Choose a person and their part in the mission."), "error")
    return redirect(url_for("missions.mission_view", mission_uuid=mission_uuid))


@bp.route("/missions/<mission_uuid>/members/<user_uuid>/remove", methods=["POST"])
@allow("lead", "admin")
def member_remove(mission_uuid, user_uuid):
    """Remove a person from the mission (their hearings stay)."""
    mission = get_mission_or_404(mission_uuid)
    user = users.get_by_uuid(get_db(), user_uuid)
    if EmptyForm().validate_on_submit() and user:
        try:
            missions.remove_member(get_db(), request_actor(), mission, user)
        except missions.LastLead:
            flash(LAST_LEAD(), "error")
        else:
            flash(_("%(name)s removed from the mission.", name=user["display_name"]), "success")
    return redirect(url_for("missions.mission_view", mission_uuid=mission_uuid))


@bp.route("/missions/<mission_uuid>/trials/new", methods=["GET", "POST"])
@allow("lead", "admin")
def trial_create(mission_uuid):
    """Add a trial (a case) to the mission."""
    mission = get_mission_or_404(mission_uuid)
    form = TrialForm()
    if form.validate_on_submit():
        trial = missions.create_trial(get_db(), request_actor(), mission, trial_fields(form))
        flash(_("Trial “%(title)s” created. Now add its defendants.", title=trial["title"]), "success")
        return redirect(url_for("missions.trial_view", trial_uuid=trial["uuid"]))
    return render_template("missions/trial_form.html", form=form, mission=mission, trial=None)


@bp.route("/trials/<trial_uuid>")
@allow("lead", "admin", "observer")
def trial_view(trial_uuid):
    """A trial: its defendants, observers and hearings."""
    trial, mission = get_trial_or_404(trial_uuid)
    db = get_db()
    lead = manages(mission["id"])
    mission_lead = leads(mission["id"])
    hearings = observe.hearings_of_trial(db, trial["id"], None if lead else me()["id"])
    assign_form = AssignForm()
    assigned = {o["id"] for o in missions.observers(db, trial["id"])}
    assign_form.user.choices = [
        SelectChoice(u["uuid"], f"{u['display_name']} ({u['username']})")
        for u in users.list_all(db)
        if u["active"] and u["role"] == "observer" and u["id"] not in assigned
    ]
    defendants = missions.defendants(db, trial["id"])
    return render_template(
        "missions/trial.html",
        trial=trial,
        mission=mission,
        lead=lead,
        defendants=defendants,
        custody={d["uuid"]: missions.custody_hours(d) for d in defendants},
        observers=missions.observers(db, trial["id"]),
        hearings=hearings,
        # the sittings and their disagreements: for the mission's leads (who reconcile them)
        sittings=sittings.sittings_of_trial(db, trial["id"]) if mission_lead else [],
        open_disagreements=(
            {
                s["id"]: s["open"]
                for s in sittings.open_sittings(db, mission["id"], mission_checklist(mission))
            }
            if mission_lead
            else {}
        ),
        mission_lead=mission_lead,
        assign_form=assign_form,
        button=EmptyForm(),
        today=date.today().isoformat(),
        counsel_labels=COUNSEL_LABELS,
        verdict_labels=VERDICT_LABELS,
    )


@bp.route("/trials/<trial_uuid>/edit", methods=["GET", "POST"])
@allow("lead", "admin")
def trial_edit(trial_uuid):
    """Change a trial's details."""
    trial, mission = get_trial_or_404(trial_uuid, manage=True)
    form = TrialForm(data=trial)
    if form.validate_on_submit():
        missions.update_trial(get_db(), request_actor(), trial, trial_fields(form))
        flash(_("Trial saved."), "success")
        return redirect(url_for("missions.trial_view", trial_uuid=trial_uuid))
    return render_template("missions/trial_form.html", form=form, mission=mission, trial=trial)


@bp.route("/trials/<trial_uuid>/observers", methods=["POST"])
@allow("lead", "admin")
def observer_assign(trial_uuid):
    """Assign an observer to this trial."""
    trial, mission = get_trial_or_404(trial_uuid, manage=True)
    form = AssignForm()
    form.user.choices = [
        SelectChoice(u["uuid"], u["username"]) for u in users.list_all(get_db()) if u["active"]
    ]
    user = users.get_by_uuid(get_db(), form.user.data or "") if form.validate_on_submit() else None
    if user is None or user["role"] != "observer":
        flash(_("Choose an observer account."), "error")
    else:
        missions.assign_observer(get_db(), request_actor(), trial, user, mission)
        flash(_("%(name)s can now observe this trial.", name=user["display_name"]), "success")
    return redirect(url_for("missions.trial_view", trial_uuid=trial_uuid))


@bp.route("/trials/<trial_uuid>/observers/<user_uuid>/remove", methods=["POST"])
@allow("lead", "admin")
def observer_unassign(trial_uuid, user_uuid):
    """Take an observer off this trial (their hearings stay)."""
    trial, _mission = get_trial_or_404(trial_uuid, manage=True)
    user = users.get_by_uuid(get_db(), user_uuid)
    if EmptyForm().validate_on_submit() and user:
        missions.unassign_observer(get_db(), request_actor(), trial, user)
        flash(_("%(name)s no longer observes this trial.", name=user["display_name"]), "success")
    return redirect(url_for("missions.trial_view", trial_uuid=trial_uuid))


@bp.route("/trials/<trial_uuid>/defendants/new", methods=["GET", "POST"])
@allow("lead", "admin")
def defendants_add(trial_uuid):
    """Add defendants: paste many names at once."""
    trial, mission = get_trial_or_404(trial_uuid, manage=True)
    form = BulkDefendantsForm()
    if form.validate_on_submit():
        added = missions.bulk_add_defendants(get_db(), request_actor(), trial, form.clean_names())
        flash(_("%(n)d defendants added.", n=len(added)), "success")
        return redirect(url_for("missions.trial_view", trial_uuid=trial_uuid))
    return render_template("missions/defendants_add.html", form=form, trial=trial, mission=mission)


@bp.route("/defendants/<defendant_uuid>", methods=["GET", "POST"])
@allow("lead", "admin")
def defendant_edit(defendant_uuid):
    """A defendant's details: custody timeline, counsel, verdict and sentence."""
    defendant, trial, mission = get_defendant_or_404(defendant_uuid)
    form = DefendantForm(
        data={**defendant, "conviction_basis": records.as_list(defendant["conviction_basis"])}
    )
    if request.method == "GET":
        for name in ("apprehended_at", "arrest_registered_at", "first_judge_at", "counsel_from"):
            getattr(form, name).data = _datetime(defendant[name])
    if form.validate_on_submit():
        missions.update_defendant(get_db(), request_actor(), defendant, defendant_fields(form))
        flash(_("Defendant saved."), "success")
        return redirect(url_for("missions.trial_view", trial_uuid=trial["uuid"]) + "#defendants")
    return render_template(
        "missions/defendant_form.html",
        form=form,
        defendant=defendant,
        trial=trial,
        mission=mission,
        custody=missions.custody_hours(defendant),
    )


def _datetime(text):
    return datetime.fromisoformat(text) if text else None
