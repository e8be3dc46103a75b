"""JSON endpoints: who am I, a mission's findings, and the OpenAPI document that describes the API.

Errors answer as JSON ``{"message": …, "field": …}`` (see errors.py), with ``"field"`` naming the query
parameter when a findings filter is unreadable.
"""

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from .. import checklists
from ..auth.tokens import token_request
from ..db import get_db
from ..findings import aggregate, export
from ..findings.filters import FilterError, scope_from
from ..permissions import PUBLIC, SIGNED_IN, allow, get_mission_or_404
from . import openapi
from .blueprint import bp
from .openapi import errors, json_response, ref


def json_text(text: str, status: int = 200):
    return current_app.response_class(text, status=status, mimetype="application/json")


@bp.route("/me")
@allow(SIGNED_IN)
def me():
    """The signed-in user, and the token this request came with (if any)."""
    token = token_request()
    user = current_user.row
    return jsonify(
        uuid=user["uuid"],
        username=user["username"],
        display_name=user["display_name"],
        role=user["role"],
        language=user["language"],
        token={k: token[k] for k in ("uuid", "name", "prefix", "scope", "expires_at")} if token else None,
    )


@bp.route("/missions/<mission_uuid>/findings")
@allow("lead", "admin")
def mission_findings(mission_uuid):
    """A mission's findings as JSON, filtered by the query string like the ``findings`` command."""
    mission = get_mission_or_404(mission_uuid)
    try:
        scope = scope_from(mission, request.args)
    except FilterError as error:
        return jsonify(message=str(error), field=error.field), 400
    checklist = checklists.of(mission)
    # to_json, not jsonify: the document keeps the order it was built in, as the command prints it
    return json_text(export.to_json(aggregate.findings(get_db(), scope, checklist, mission)))


@bp.route("/openapi.json", endpoint="openapi")
@allow(PUBLIC)
def openapi_json():
    """The OpenAPI 3.1 description of this API."""
    server = url_for("api.openapi").rsplit("/", 1)[0]
    return jsonify(openapi.document(server, current_app.config["SESSION_COOKIE_NAME"]))


# The document ---------------------------------------------------------------------------------------


def _array(description: str, items: dict) -> dict:
    return {"description": description, "schema": {"type": "array", "items": items}, "explode": True}


UUID = {"type": "string", "format": "uuid"}
BLANK = {"type": "string", "maxLength": 0}  # an empty filter is no filter
DATE = {"anyOf": [{"type": "string", "format": "date"}, BLANK]}
QUERY = {
    "status": _array(
        "Count hearings with these statuses; repeat the parameter or separate with commas. Default "
        "submitted and approved. Drafts never count (draft is accepted and ignored).",
        {"enum": ["draft", "submitted", "returned", "approved", ""]},
    ),
    "trial": _array("Only these trials (uuids).", {"anyOf": [UUID, BLANK]}),
    "court": {"description": "Only trials in this court, exactly as entered.", "schema": {"type": "string"}},
    "judge": {
        "description": "Only hearings with this presiding judge, as the observer recorded it.",
        "schema": {"type": "string"},
    },
    "from": {"description": "Hearings on or after this date (YYYY-MM-DD).", "schema": DATE},
    "to": {"description": "Hearings on or before this date (YYYY-MM-DD).", "schema": DATE},
    "observer": _array("Only hearings by these observers (user uuids).", {"anyOf": [UUID, BLANK]}),
}


def _components_refs(node):
    """The findings schema's ``#/$defs/x`` references, pointed at ``#/components/schemas/findings.x``."""
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/$defs/", "#/components/schemas/findings.")
                if key == "$ref" and isinstance(value, str)
                else _components_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_components_refs(value) for value in node]
    return node


def _describe() -> None:
    """Register these endpoints; the findings JSON Schema goes into ``components.schemas``."""
    findings = _components_refs(export.json_schema())
    findings.pop("$schema", None)
    schemas = {f"findings.{name}": schema for name, schema in findings.pop("$defs").items()}
    mission = {
        "name": "mission_uuid",
        "in": "path",
        "required": True,
        "description": "The mission's uuid.",
        "schema": UUID,
    }
    query = [{"name": name, "in": "query", "required": False, **spec} for name, spec in QUERY.items()]
    me_schema = {
        "type": "object",
        "required": ["uuid", "username", "display_name", "role", "language", "token"],
        "properties": {
            "uuid": UUID,
            "username": {"type": "string"},
            "display_name": {"type": "string"},
            "role": {"enum": ["admin", "lead", "observer"]},
            "language": {"type": "string"},
            "token": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "uuid": UUID,
                            "name": {"type": "string"},
                            "prefix": {"type": "string"},
                            "scope": {"enum": ["read", "write"]},
                            "expires_at": {"type": ["string", "null"], "format": "date-time"},
                        },
                    },
                ],
                "description": "The API token of this request; null for a signed-in browser session.",
            },
        },
    }
    openapi.register(
        {
            "/me": {
                "get": {
                    "operationId": "getMe",
                    "summary": "Who is signed in (any user)",
                    "tags": ["account"],
                    "responses": {"200": json_response("The user and token.", ref("Me")), **errors(401)},
                }
            },
            "/missions/{mission_uuid}/findings": {
                "get": {
                    "operationId": "getMissionFindings",
                    "summary": "A mission's findings (leads of the mission and administrators)",
                    "description": "See docs/findings.md for how every number is counted.",
                    "tags": ["findings"],
                    "parameters": [mission, *query],
                    "responses": {
                        "200": json_response("The findings.", ref("Findings")),
                        **errors(400, 401, 403, 404),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document (public)",
                    "tags": ["account"],
                    "security": [],
                    "responses": {"200": json_response("The OpenAPI document.", {"type": "object"})},
                }
            },
        },
        {"Me": me_schema, "Findings": findings, **schemas},
    )


_describe()
