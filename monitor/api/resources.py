"""Missions, trials and defendants: read, create and change them, with the pages' forms and rules.

A JSON body is turned into the form data of the page's own form (``MissionForm``, ``TrialForm``,
``DefendantForm``), so validation and its messages are the pages'; a change (PATCH) is the record's
current values overlaid with the fields sent, checked as a whole and written only if the version the
client read is still current.
"""

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import records
from ..auth import request_actor
from ..db import get_db
from ..missions import declarations
from ..missions import records as missions
from ..missions.forms import (
    DefendantForm,
    MissionForm,
    TrialForm,
    checklist_choices,
    defendant_fields,
    mission_fields,
    trial_fields,
)
from ..permissions import (
    allow,
    get_defendant_or_404,
    get_mission_or_404,
    get_trial_or_404,
    me,
)
from . import serialize
from .blueprint import bp
from .errors import ApiError, expected_version, json_body, unchanged_since

# What each writable field holds in JSON (text or null, a whole number or null, a list of texts), and which
# one must not be blank: from the declarations (monitor/missions/declarations.py).
TEXT, NUMBER, LIST = "text", "number", "list"
MISSION_INPUT = declarations.MISSION.json_kinds()
TRIAL_INPUT = declarations.TRIAL.json_kinds()
DEFENDANT_INPUT = declarations.DEFENDANT.json_kinds()
REQUIRED = {r.name: r.required[0] for r in (declarations.MISSION, declarations.TRIAL, declarations.DEFENDANT)}


def form_data(body: dict, kinds: dict[str, str], current: dict | None = None) -> MultiDict:
    """The form data a page would send: ``current`` values (for a change) overlaid with the body's."""
    unknown = [key for key in body if key not in kinds]
    if unknown:
        raise ApiError(422, _("Unknown field."), unknown[0])
    data: MultiDict[str, str] = MultiDict()
    for name, value in {**(current or {}), **body}.items():
        kind = kinds[name]
        if value is None:
            data.add(name, "")
        elif kind == TEXT and isinstance(value, str):
            data.add(name, value)
        elif kind == NUMBER and isinstance(value, int) and not isinstance(value, bool):
            data.add(name, str(value))
        elif kind == LIST and isinstance(value, list) and all(isinstance(v, str) for v in value):
            for item in value:
                data.add(name, item)
        else:
            message = {TEXT: _("Enter text."), NUMBER: _("Enter a whole number.")}.get(
                kind, _("Choose from the list.")
            )
            raise ApiError(422, message, name)
    return data


def validated(form_class, data: MultiDict, required: str | None = None, setup=None):
    """The page's form filled with ``data`` and validated; 422 naming the first field at fault."""
    form = form_class(formdata=data, meta={"csrf": False})
    if setup:
        setup(form)
    if not form.validate():
        name, problems = next((n, p) for n, p in form.errors.items() if n)
        raise ApiError(422, str(problems[0]), name)
    if (
        required and not (getattr(form, required).data or "").strip()
    ):  # the pages strip it too: "  " is no name
        raise ApiError(422, _("This field is required."), required)
    return form


def _with_checklists(form) -> None:
    form.checklist.choices = checklist_choices()


def _current_mission(row: dict) -> dict:
    return {
        **{name: row[name] for name in ("name", "country", "description", "start_date", "end_date")},
        "checklist": f"{row['checklist_id']}:{row['checklist_version']}",
    }


def _current(row: dict, kinds: dict) -> dict:
    values = {name: row[name] for name in kinds}
    if "conviction_basis" in values:
        values["conviction_basis"] = records.as_list(values["conviction_basis"])
    return values


def reread(table: str, row: dict) -> dict:
    """A record just inserted, read back with every column's default."""
    found = records.get(get_db(), table, row["uuid"])
    if found is None:
        raise LookupError(f"{table} {row['uuid']} was just inserted, yet is not there")
    return found


def created(data: dict):
    response = jsonify(data)
    response.status_code = 201
    return response


# Missions -------------------------------------------------------------------------------------------


@bp.route("/missions")
@allow("lead", "admin")
def mission_list():
    """The missions this user belongs to (all of them for an administrator)."""
    return jsonify([serialize.mission(m) for m in missions.missions_for(get_db(), me())])


@bp.route("/missions", methods=["POST"])
@allow("lead", "admin")
def mission_create():
    """Create a mission; a lead who creates it leads it."""
    body = json_body()
    data = form_data(body, MISSION_INPUT)
    if "checklist" not in body:
        data.add("checklist", checklist_choices()[0].value)  # the first choice, as the page preselects
    form = validated(MissionForm, data, REQUIRED["mission"], _with_checklists)
    mission = missions.create_mission(get_db(), request_actor(), me(), mission_fields(form))
    return created(serialize.mission(reread("mission", mission)))


@bp.route("/missions/<mission_uuid>", methods=["GET", "PATCH"])
@allow("lead", "admin")
def mission(mission_uuid):
    """A mission; PATCH changes the fields sent."""
    mission = get_mission_or_404(mission_uuid)
    if request.method == "PATCH":
        body = json_body()
        expected = expected_version(body)
        with unchanged_since("mission", mission, expected) as current:
            data = form_data(body, MISSION_INPUT, _current_mission(current))
            form = validated(MissionForm, data, REQUIRED["mission"], _with_checklists)
            mission = missions.update_mission(get_db(), request_actor(), current, mission_fields(form))
    return jsonify(serialize.mission(mission))


# Trials ---------------------------------------------------------------------------------------------


@bp.route("/trials")
@allow("observer", "lead", "admin")
def my_trials():
    """The trials this user may open: those they observe, and every trial of the missions they lead."""
    db, user = get_db(), me()
    trials = {t["uuid"]: t for t in missions.trials_assigned_to(db, user["id"])}
    if user["role"] != "observer":
        for row in missions.missions_for(db, user):
            if user["role"] == "admin" or row["my_role"] == "lead":
                trials.update(
                    (t["uuid"], {**t, "mission_uuid": row["uuid"]}) for t in missions.trials(db, row["id"])
                )
    return jsonify([serialize.trial(t, t["mission_uuid"]) for t in trials.values()])


@bp.route("/missions/<mission_uuid>/trials")
@allow("lead", "admin")
def trial_list(mission_uuid):
    """A mission's trials."""
    mission = get_mission_or_404(mission_uuid)
    return jsonify([serialize.trial(t, mission["uuid"]) for t in missions.trials(get_db(), mission["id"])])


@bp.route("/missions/<mission_uuid>/trials", methods=["POST"])
@allow("lead", "admin")
def trial_create(mission_uuid):
    """Add a trial to the mission."""
    mission = get_mission_or_404(mission_uuid)
    form = validated(TrialForm, form_data(json_body(), TRIAL_INPUT), REQUIRED["trial"])
    trial = missions.create_trial(get_db(), request_actor(), mission, trial_fields(form))
    return created(serialize.trial(reread("trial", trial), mission["uuid"]))


@bp.route("/trials/<trial_uuid>", methods=["GET", "PATCH"])
@allow("observer", "lead", "admin")
def trial(trial_uuid):
    """A trial (its observers may read it); PATCH, for the mission's leads, changes the fields sent."""
    trial, mission = get_trial_or_404(trial_uuid, manage=request.method == "PATCH")
    if request.method == "PATCH":
        body = json_body()
        expected = expected_version(body)
        with unchanged_since("trial", trial, expected) as current:
            data = form_data(body, TRIAL_INPUT, _current(current, TRIAL_INPUT))
            form = validated(TrialForm, data, REQUIRED["trial"])
            trial = missions.update_trial(get_db(), request_actor(), current, trial_fields(form))
    return jsonify(serialize.trial(trial, mission["uuid"]))


# Defendants -----------------------------------------------------------------------------------------


@bp.route("/trials/<trial_uuid>/defendants")
@allow("observer", "lead", "admin")
def defendant_list(trial_uuid):
    """A trial's defendants, in the trial's order (its observers may read them)."""
    trial, _mission = get_trial_or_404(trial_uuid)
    rows = missions.defendants(get_db(), trial["id"])
    return jsonify([serialize.defendant(d, trial["uuid"]) for d in rows])


@bp.route("/trials/<trial_uuid>/defendants", methods=["POST"])
@allow("lead", "admin")
def defendant_create(trial_uuid):
    """Add a defendant to the trial, with any of the details of the defendant's page."""
    trial, _mission = get_trial_or_404(trial_uuid, manage=True)
    form = validated(DefendantForm, form_data(json_body(), DEFENDANT_INPUT), REQUIRED["defendant"])
    defendant = missions.create_defendant(get_db(), request_actor(), trial, defendant_fields(form))
    return created(serialize.defendant(reread("defendant", defendant), trial["uuid"]))


@bp.route("/defendants/<defendant_uuid>", methods=["GET", "PATCH"])
@allow("lead", "admin")
def defendant(defendant_uuid):
    """A defendant, for the mission's leads; PATCH changes the fields sent."""
    defendant, trial, _mission = get_defendant_or_404(defendant_uuid)
    if request.method == "PATCH":
        body = json_body()
        expected = expected_version(body)
        with unchanged_since("defendant", defendant, expected) as current:
            data = form_data(body, DEFENDANT_INPUT, _current(current, DEFENDANT_INPUT))
            form = validated(DefendantForm, data, REQUIRED["defendant"])
            defendant = missions.update_defendant(get_db(), request_actor(), current, defendant_fields(form))
    return jsonify(serialize.defendant(defendant, trial["uuid"]))
