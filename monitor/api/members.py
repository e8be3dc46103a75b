"""A mission's members and a trial's observers: list, add, change a member's part, remove; assign, unassign.

The pages' rules and functions: the mission's leads (and administrators) manage both, through the forms of
the mission and trial pages (``MemberForm``, ``AssignForm``) and the domain functions of
monitor/missions/records.py, which audit every change (``mission.member_add``, ``trial.assign`` …). A
mission keeps at least one lead (409); only a lead or administrator account can lead (422); only an
observer account is assigned to a trial (422).
"""

from flask import jsonify, request
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ..auth import request_actor, users
from ..db import get_db
from ..missions import records as missions
from ..missions.forms import AssignForm, MemberForm
from ..permissions import allow, get_mission_or_404, get_trial_or_404
from . import openapi
from .blueprint import bp
from .errors import ApiError, json_body
from .openapi import errors, json_request, json_response, path_parameter, ref
from .resources import created, form_data, validated

TEXT = "text"


def last_lead() -> str:
    return _("A mission needs a lead: make someone else a lead first, then change this one.")


def member_row(row: dict) -> dict:
    return {
        "user": row["uuid"],
        "username": row["username"],
        "display_name": row["display_name"],
        "role": row["role"],
        "account_role": row["account_role"],
        "active": bool(row["active"]),
    }


def observer_row(row: dict) -> dict:
    return {"user": row["uuid"], "username": row["username"], "display_name": row["display_name"]}


def _people(form) -> None:
    """The accounts a form may name: every active one, by uuid (as the pages offer them)."""
    active = [u for u in users.list_all(get_db()) if u["active"]]
    form.user.choices = [SelectChoice(u["uuid"], u["username"]) for u in active]


def _member_or_404(mission: dict, user_uuid: str) -> dict:
    found = next((m for m in missions.members(get_db(), mission["id"]) if m["uuid"] == user_uuid), None)
    if found is None:
        raise ApiError(404, _("There is no such record or endpoint."), "user_uuid")
    return found


def _set_role(mission: dict, user: dict, role: str) -> None:
    try:
        missions.add_member(get_db(), request_actor(), mission, user, role)
    except missions.LastLead:
        raise ApiError(409, last_lead(), "role") from None
    except ValueError:
        message = _("Only a mission lead or administrator account can lead a mission.")
        raise ApiError(422, message, "role") from None


# Members --------------------------------------------------------------------------------------------


@bp.route("/missions/<mission_uuid>/members")
@allow("lead", "admin")
def member_list(mission_uuid):
    """The mission's members: leads first, then observers, by name."""
    mission = get_mission_or_404(mission_uuid)
    return jsonify([member_row(m) for m in missions.members(get_db(), mission["id"])])


@bp.route("/missions/<mission_uuid>/members", methods=["POST"])
@allow("lead", "admin")
def member_add(mission_uuid):
    """Add a person to the mission as observer (default) or lead."""
    mission = get_mission_or_404(mission_uuid)
    body = json_body()
    body.setdefault("role", "observer")  # the page's first choice
    form = validated(MemberForm, form_data(body, {"user": TEXT, "role": TEXT}), setup=_people)
    user = users.get_by_uuid(get_db(), form.user.data)
    if any(m["id"] == user["id"] for m in missions.members(get_db(), mission["id"])):
        raise ApiError(409, _("This person is already in the mission; change their part instead."), "user")
    _set_role(mission, user, form.role.data)
    return created(member_row(_member_or_404(mission, user["uuid"])))


@bp.route("/missions/<mission_uuid>/members/<user_uuid>", methods=["PATCH", "DELETE"])
@allow("lead", "admin")
def member_change(mission_uuid, user_uuid):
    """PATCH ``{"role": …}`` changes a member's part; DELETE takes them out of the mission (and off its
    trials; their hearings stay)."""
    mission = get_mission_or_404(mission_uuid)
    current = _member_or_404(mission, user_uuid)
    user = users.get_by_uuid(get_db(), user_uuid)
    if request.method == "DELETE":
        try:
            missions.remove_member(get_db(), request_actor(), mission, user)
        except missions.LastLead:
            raise ApiError(409, last_lead(), "user_uuid") from None
        return "", 204
    data = form_data(json_body(), {"role": TEXT}, {"role": current["role"]})
    data.add("user", user_uuid)

    def this_member(form) -> None:
        form.user.choices = [SelectChoice(user_uuid, user["username"])]

    form = validated(MemberForm, data, setup=this_member)
    if form.role.data != current["role"]:
        _set_role(mission, user, form.role.data)
    return jsonify(member_row(_member_or_404(mission, user_uuid)))


# Observers of a trial --------------------------------------------------------------------------------


@bp.route("/trials/<trial_uuid>/observers")
@allow("observer", "lead", "admin")
def observer_list(trial_uuid):
    """The observers assigned to a trial (its leads, and the observers assigned to it, as on its page)."""
    trial, _mission = get_trial_or_404(trial_uuid)
    return jsonify([observer_row(o) for o in missions.observers(get_db(), trial["id"])])


@bp.route("/trials/<trial_uuid>/observers", methods=["POST"])
@allow("lead", "admin")
def observer_assign(trial_uuid):
    """Assign an observer account to the trial (making them a member of the mission if they are not)."""
    trial, mission = get_trial_or_404(trial_uuid, manage=True)
    form = validated(AssignForm, form_data(json_body(), {"user": TEXT}), setup=_people)
    user = users.get_by_uuid(get_db(), form.user.data)
    if user["role"] != "observer":
        raise ApiError(422, _("Choose an observer account."), "user")
    if any(o["id"] == user["id"] for o in missions.observers(get_db(), trial["id"])):
        raise ApiError(409, _("This observer is already assigned to this trial."), "user")
    missions.assign_observer(get_db(), request_actor(), trial, user, mission)
    return created(observer_row(user))


@bp.route("/trials/<trial_uuid>/observers/<user_uuid>", methods=["DELETE"])
@allow("lead", "admin")
def observer_unassign(trial_uuid, user_uuid):
    """Take an observer off the trial (their hearings stay)."""
    trial, _mission = get_trial_or_404(trial_uuid, manage=True)
    user = next((o for o in missions.observers(get_db(), trial["id"]) if o["uuid"] == user_uuid), None)
    if user is None:
        raise ApiError(404, _("There is no such record or endpoint."), "user_uuid")
    missions.unassign_observer(get_db(), request_actor(), trial, users.get_by_uuid(get_db(), user_uuid))
    return "", 204


# The document ---------------------------------------------------------------------------------------

MISSION = path_parameter("mission_uuid", "The mission's uuid.")
TRIAL = path_parameter("trial_uuid", "The trial's uuid.")
USER = path_parameter("user_uuid", "The person's (user's) uuid.")
UUID = {"type": "string", "format": "uuid"}
ROLE = {"enum": ["observer", "lead"], "description": "Their part in the mission."}
SCHEMAS = {
    "Member": {
        "type": "object",
        "required": ["user", "username", "display_name", "role", "account_role", "active"],
        "properties": {
            "user": UUID,
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "role": ROLE,
            "account_role": {"enum": ["admin", "lead", "observer"]},
            "active": {"type": "boolean"},
        },
    },
    "MemberInput": {
        "type": "object",
        "required": ["user"],
        "additionalProperties": False,
        "properties": {
            "user": {**UUID, "description": "An active account's uuid."},
            "role": {**ROLE, "description": "observer (default) or lead (a lead or administrator account)."},
        },
    },
    "MemberChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"role": ROLE},
    },
    "Observer": {
        "type": "object",
        "required": ["user", "username", "display_name"],
        "properties": {"user": UUID, "username": {"type": "string"}, "display_name": {"type": "string"}},
    },
    "ObserverInput": {
        "type": "object",
        "required": ["user"],
        "additionalProperties": False,
        "properties": {"user": {**UUID, "description": "An active observer account's uuid."}},
    },
}
NO_CONTENT = {"204": {"description": "Done; nothing to return."}}
WRITE = errors(400, 401, 403, 404, 409, 422)


def _operation(operation_id: str, summary: str, tag: str, responses: dict, **more) -> dict:
    return {"operationId": operation_id, "summary": summary, "tags": [tag], **more, "responses": responses}


PATHS = {
    "/missions/{mission_uuid}/members": {
        "parameters": [MISSION],
        "get": _operation(
            "listMembers",
            "A mission's members, leads first (its leads, administrators)",
            "missions",
            {
                "200": json_response("The members.", {"type": "array", "items": ref("Member")}),
                **errors(401, 403, 404),
            },
        ),
        "post": _operation(
            "addMember",
            "Add a person to a mission as observer or lead (its leads, administrators)",
            "missions",
            {"201": json_response("The new member.", ref("Member")), **WRITE},
            requestBody=json_request(ref("MemberInput")),
        ),
    },
    "/missions/{mission_uuid}/members/{user_uuid}": {
        "parameters": [MISSION, USER],
        "patch": _operation(
            "changeMember",
            "Change a member's part; the mission keeps at least one lead (its leads, administrators)",
            "missions",
            {"200": json_response("The member as saved.", ref("Member")), **WRITE},
            requestBody=json_request(ref("MemberChange")),
        ),
        "delete": _operation(
            "removeMember",
            "Take a person out of a mission and off its trials; their hearings stay (its leads)",
            "missions",
            {**NO_CONTENT, **errors(401, 403, 404, 409)},
        ),
    },
    "/trials/{trial_uuid}/observers": {
        "parameters": [TRIAL],
        "get": _operation(
            "listObservers",
            "The observers assigned to a trial (leads of its mission, observers assigned to it)",
            "trials",
            {
                "200": json_response("The observers.", {"type": "array", "items": ref("Observer")}),
                **errors(401, 403, 404),
            },
        ),
        "post": _operation(
            "assignObserver",
            "Assign an observer account to a trial (leads of its mission)",
            "trials",
            {"201": json_response("The observer assigned.", ref("Observer")), **WRITE},
            requestBody=json_request(ref("ObserverInput")),
        ),
    },
    "/trials/{trial_uuid}/observers/{user_uuid}": {
        "parameters": [TRIAL, USER],
        "delete": _operation(
            "unassignObserver",
            "Take an observer off a trial; their hearings stay (leads of its mission)",
            "trials",
            {**NO_CONTENT, **errors(401, 403, 404)},
        ),
    },
}
openapi.register(PATHS, SCHEMAS)
