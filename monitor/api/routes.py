"""JSON endpoints: a mission's findings, and the OpenAPI document that describes them.

The session cookie authenticates for now (API tokens come later); errors answer as JSON
``{"message": …}``, with ``"field"`` naming the query parameter when a filter is unreadable.
"""

from flask import current_app, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from .. import checklists
from ..db import get_db
from ..findings import aggregate, export
from ..findings.filters import FilterError, scope_from
from ..permissions import PUBLIC, allow, get_mission_or_404
from . import bp


def json_response(text: str, status: int = 200):
    return current_app.response_class(text, status=status, mimetype="application/json")


@bp.errorhandler(HTTPException)
def api_error(error: HTTPException):
    """Errors under the API answer in JSON, not as a page."""
    return jsonify(message=error.description), error.code


@bp.route("/missions/<mission_uuid>/findings")
@allow("lead", "admin")
def mission_findings(mission_uuid):
    """A mission's findings as JSON, filtered by the query string like the ``findings`` command."""
    mission = get_mission_or_404(mission_uuid)
    try:
        scope = scope_from(mission, request.args)
    except FilterError as error:
        return jsonify(message=str(error), field=error.field), 400
    checklist = checklists.get(
        mission["checklist_id"], mission["checklist_version"], extra_dirs=current_app.config["CHECKLIST_DIRS"]
    )
    # to_json, not jsonify: the document keeps the order it was built in, as the command prints it
    return json_response(export.to_json(aggregate.findings(get_db(), scope, checklist, mission)))


@bp.route("/openapi.json")
@allow(PUBLIC)
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(url_for("api.openapi").rsplit("/", 1)[0]))


# The document ---------------------------------------------------------------------------------------


def _array(description: str, items: dict) -> dict:
    return {"description": description, "schema": {"type": "array", "items": items}, "explode": True}


UUID = {"type": "string", "format": "uuid"}
DATE = {"type": "string", "format": "date"}
QUERY = {
    "status": _array(
        "Count hearings with these statuses; repeat the parameter or separate with commas. Default "
        "submitted and approved. Drafts never count (draft is accepted and ignored).",
        {"enum": ["draft", "submitted", "returned", "approved"]},
    ),
    "trial": _array("Only these trials (uuids).", UUID),
    "court": {"description": "Only trials in this court, exactly as entered.", "schema": {"type": "string"}},
    "judge": {
        "description": "Only hearings with this presiding judge, as the observer recorded it.",
        "schema": {"type": "string"},
    },
    "from": {"description": "Hearings on or after this date (YYYY-MM-DD).", "schema": DATE},
    "to": {"description": "Hearings on or before this date (YYYY-MM-DD).", "schema": DATE},
    "observer": _array("Only hearings by these observers (user uuids).", UUID),
}
ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string"},
        "field": {"type": "string", "description": "The query parameter that could not be read."},
    },
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
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


def openapi_document(server_url: str) -> dict:
    """A minimal OpenAPI 3.1 document; the findings JSON Schema goes into ``components.schemas``."""
    findings = _components_refs(export.json_schema())
    findings.pop("$schema", None)
    schemas = {f"findings.{name}": schema for name, schema in findings.pop("$defs").items()}
    parameters = [
        {
            "name": "mission_uuid",
            "in": "path",
            "required": True,
            "description": "The mission's uuid.",
            "schema": UUID,
        },
        *({"name": name, "in": "query", "required": False, **spec} for name, spec in QUERY.items()),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trial monitor API",
            "version": "1",
            "description": "Mission findings as data. See docs/findings.md for how every number is counted.",
        },
        "servers": [{"url": server_url}],
        "security": [{"session": []}],
        "paths": {
            "/missions/{mission_uuid}/findings": {
                "get": {
                    "operationId": "getMissionFindings",
                    "summary": "A mission's findings (leads of the mission and administrators)",
                    "parameters": parameters,
                    "responses": {
                        "200": {
                            "description": "The findings.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Findings"}}
                            },
                        },
                        "400": _error("A filter could not be read; `field` names it."),
                        "403": _error("Not a lead of this mission."),
                        "404": _error("No such mission."),
                    },
                }
            }
        },
        "components": {
            "schemas": {"Findings": findings, **schemas, "Error": ERROR},
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": current_app.config.get("SESSION_COOKIE_NAME", "session"),
                    "description": "The session cookie of a signed-in lead or administrator.",
                }
            },
        },
    }
