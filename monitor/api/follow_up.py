"""After the courtroom, for other tools: an allegation's follow-up (read; a lead appends or withdraws an
event) and a trial's legal assessment (read; a lead records conclusions). The same permissions and the
same checks as the pages (monitor/follow_up): a wrong value is a 422 naming its field, and nothing is
saved."""

from flask import jsonify, request

from .. import checklists
from ..auth import request_actor
from ..db import get_db
from ..follow_up import legal
from ..follow_up import records as follow_up
from ..follow_up.labels import ASSESSMENT_MESSAGES, EVENT_MESSAGES
from ..permissions import (
    allow,
    get_follow_up_event_or_404,
    get_follow_up_or_404,
    get_legal_assessment_or_404,
    me,
)
from . import openapi
from .blueprint import bp
from .errors import ApiError, json_body
from .openapi import errors, json_request, json_response, path_parameter, ref


def _event(row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "allegation_uuid": row["allegation_uuid"],
        "trial_uuid": row["trial_uuid"],
        **{name: row[name] for name in follow_up.FIELDS},
        "recorded_by": row["recorded_by_uuid"],
        "created_at": row["created_at"],
        "withdrawn_at": row["withdrawn_at"],
        "withdrawn_reason": row["withdrawn_reason"],
        "version": row["version"],
    }


def _events(allegation_uuid: str) -> list[dict]:
    return [_event(row) for row in follow_up.events(get_db(), [allegation_uuid])]


@bp.route("/allegations/<allegation_uuid>/follow-up", methods=["GET", "POST"], endpoint="follow_up")
@allow("lead", "admin", "observer")
def follow_up_view(allegation_uuid):
    """GET: an allegation's follow-up events, oldest first (withdrawn ones too, marked). POST: a lead
    appends one event."""
    write = request.method == "POST"
    allegation, _trial, _mission = get_follow_up_or_404(allegation_uuid, write=write)
    if not write:
        return jsonify(allegation_uuid=allegation["uuid"], events=_events(allegation["uuid"]))
    body = json_body()
    unknown = sorted(set(body) - set(follow_up.FIELDS))
    if unknown:
        raise ApiError(422, EVENT_MESSAGES["kind"](), unknown[0])
    try:
        row = follow_up.add(get_db(), request_actor(), me(), allegation, body)
    except follow_up.FollowUpError as error:
        raise ApiError(422, EVENT_MESSAGES[error.code](), error.code) from None
    event = next(e for e in _events(allegation["uuid"]) if e["uuid"] == row["uuid"])
    return jsonify(event), 201


@bp.route("/follow-up/<event_uuid>/withdraw", methods=["POST"], endpoint="follow_up_withdraw")
@allow("lead", "admin")
def follow_up_withdraw(event_uuid):
    """A lead withdraws an event (``{"reason": …}``): it stays, marked, and no longer counts."""
    event, _allegation = get_follow_up_event_or_404(event_uuid)
    body = json_body()
    try:
        follow_up.withdraw(get_db(), request_actor(), event, str(body.get("reason") or ""))
    except follow_up.FollowUpError as error:
        raise ApiError(422, EVENT_MESSAGES[error.code](), "reason") from None
    return jsonify(next(e for e in _events(event["allegation_uuid"]) if e["uuid"] == event_uuid))


def _assessment(trial: dict, mission: dict) -> dict:
    rows = legal.current(get_db(), trial["id"])
    checklist = checklists.of(mission)

    def entry(key: str, row: dict | None) -> dict | None:
        if row is None:
            return None
        return {
            "uuid": row["uuid"],
            "right_key": key,
            "conclusion": row["conclusion"],
            "reasoning": row["reasoning"],
            "refs": row["refs"],
            "recorded_by": row["recorded_by_uuid"],
            "updated_at": row["updated_at"],
            "version": row["version"],
        }

    return {
        "trial_uuid": trial["uuid"],
        "rights": [
            {"key": r["key"], "standards": r["refs"], "assessment": entry(r["key"], rows.get(r["key"]))}
            for r in legal.rights(checklist)
        ],
        "overall": entry(legal.OVERALL, rows.get(legal.OVERALL)),
    }


@bp.route("/trials/<trial_uuid>/legal-assessment", methods=["GET", "PUT"], endpoint="legal_assessment")
@allow("lead", "admin", "observer")
def legal_assessment_view(trial_uuid):
    """GET: a trial's legal assessment, each right (a checklist stage) with its conclusion, and the grade.
    PUT: a lead records or changes conclusions, ``{"entries": [{right_key, conclusion, reasoning, refs}]}``
    (``right_key`` "" is the overall grade), all or none."""
    write = request.method == "PUT"
    trial, mission = get_legal_assessment_or_404(trial_uuid, write=write)
    if write:
        entries = json_body().get("entries")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ApiError(422, ASSESSMENT_MESSAGES["conclusion"](), "entries")
        try:
            legal.save(get_db(), request_actor(), me(), trial, checklists.of(mission), entries)
        except legal.AssessmentError as error:
            raise ApiError(422, ASSESSMENT_MESSAGES[error.code](), error.right_key or "overall") from None
    return jsonify(_assessment(trial, mission))


# The document ---------------------------------------------------------------------------------------

EVENT_FIELDS = {
    "kind": {"enum": list(follow_up.KINDS)},
    "event_date": {
        "type": "string",
        "format": "date",
        "description": "The day it happened; not later than today.",
    },
    "un_body": {
        "enum": ["", *follow_up.UN_BODIES],
        "description": "Needed for un_communication and un_decision.",
    },
    "reference": {"type": "string", "maxLength": follow_up.MAX_REFERENCE},
    "source": {"type": "string", "minLength": 1, "maxLength": follow_up.MAX_SOURCE},
    "note": {"type": "string", "maxLength": follow_up.MAX_NOTE},
}
UUID = {"type": "string", "format": "uuid"}
EVENT = {
    "type": "object",
    "required": ["uuid", "allegation_uuid", "kind", "event_date", "source", "withdrawn_at", "version"],
    "properties": {
        "uuid": UUID,
        "allegation_uuid": UUID,
        "trial_uuid": UUID,
        **EVENT_FIELDS,
        "recorded_by": UUID,
        "created_at": {"type": "string", "format": "date-time"},
        "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
        "withdrawn_reason": {"type": "string"},
        "version": {"type": "integer"},
    },
}
NEW_EVENT = {
    "type": "object",
    "required": ["kind", "event_date", "source"],
    "additionalProperties": False,
    "properties": EVENT_FIELDS,
}
ENTRY = {
    "type": ["object", "null"],
    "properties": {
        "uuid": UUID,
        "right_key": {"type": "string"},
        "conclusion": {"enum": [*legal.CONCLUSIONS, *legal.GRADES]},
        "reasoning": {"type": "string"},
        "refs": {"type": "string"},
        "recorded_by": UUID,
        "updated_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer"},
    },
}
ASSESSMENT = {
    "type": "object",
    "required": ["trial_uuid", "rights", "overall"],
    "properties": {
        "trial_uuid": UUID,
        "rights": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "description": "A stage of the mission's checklist."},
                    "standards": {"type": "array", "items": {"type": "string"}},
                    "assessment": ref("LegalAssessmentEntry"),
                },
            },
        },
        "overall": ref("LegalAssessmentEntry"),
    },
}
CHANGE = {
    "type": "object",
    "required": ["entries"],
    "properties": {
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["right_key", "conclusion"],
                "properties": {
                    "right_key": {
                        "type": "string",
                        "description": "A checklist stage; '' for the overall grade.",
                    },
                    "conclusion": {
                        "enum": [*legal.CONCLUSIONS, *legal.GRADES],
                        "description": "A right: respected, concerns, violated, not_assessed. The "
                        "overall grade: fair, fair_with_concerns, unfair (docs/follow_up.md). Reasoning is "
                        "needed for concerns, violated, fair_with_concerns and unfair.",
                    },
                    "reasoning": {"type": "string", "maxLength": legal.MAX_REASONING},
                    "refs": {"type": "string", "maxLength": legal.MAX_REFS},
                },
            },
        }
    },
}
ALLEGATION = path_parameter("allegation_uuid", "The allegation's uuid.")
TRIAL = path_parameter("trial_uuid", "The trial's uuid.")
EVENT_UUID = path_parameter("event_uuid", "The follow-up event's uuid.")

openapi.register(
    {
        "/allegations/{allegation_uuid}/follow-up": {
            "parameters": [ALLEGATION],
            "get": {
                "operationId": "getFollowUp",
                "summary": "An allegation's follow-up (the mission's leads, the observer who recorded it)",
                "tags": ["follow-up"],
                "responses": {
                    "200": json_response(
                        "The events, oldest first.",
                        {
                            "type": "object",
                            "properties": {
                                "allegation_uuid": UUID,
                                "events": {"type": "array", "items": ref("FollowUpEvent")},
                            },
                        },
                    ),
                    **errors(401, 403, 404),
                },
            },
            "post": {
                "operationId": "addFollowUpEvent",
                "summary": "Append an event (the mission's leads)",
                "tags": ["follow-up"],
                "requestBody": json_request(ref("NewFollowUpEvent")),
                "responses": {
                    "201": json_response("The event recorded.", ref("FollowUpEvent")),
                    **errors(400, 401, 403, 404, 422),
                },
            },
        },
        "/follow-up/{event_uuid}/withdraw": {
            "parameters": [EVENT_UUID],
            "post": {
                "operationId": "withdrawFollowUpEvent",
                "summary": "Withdraw an event entered by mistake, saying why (the mission's leads)",
                "tags": ["follow-up"],
                "requestBody": json_request(
                    {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
                ),
                "responses": {
                    "200": json_response("The event, withdrawn.", ref("FollowUpEvent")),
                    **errors(400, 401, 403, 404, 422),
                },
            },
        },
        "/trials/{trial_uuid}/legal-assessment": {
            "parameters": [TRIAL],
            "get": {
                "operationId": "getLegalAssessment",
                "summary": "A trial's legal assessment (whoever may read the trial)",
                "tags": ["legal assessment"],
                "responses": {
                    "200": json_response("The assessment.", ref("LegalAssessment")),
                    **errors(401, 403, 404),
                },
            },
            "put": {
                "operationId": "putLegalAssessment",
                "summary": "Record or change conclusions, all or none (the mission's leads)",
                "tags": ["legal assessment"],
                "requestBody": json_request(ref("LegalAssessmentChange")),
                "responses": {
                    "200": json_response("The assessment.", ref("LegalAssessment")),
                    **errors(400, 401, 403, 404, 422),
                },
            },
        },
    },
    {
        "FollowUpEvent": EVENT,
        "NewFollowUpEvent": NEW_EVENT,
        "LegalAssessmentEntry": ENTRY,
        "LegalAssessment": ASSESSMENT,
        "LegalAssessmentChange": CHANGE,
    },
)
