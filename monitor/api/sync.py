"""Sync over HTTP: a laptop lists its missions, pulls their set-up and pushes its bundles.

The same import as a file (``monitor.sync``): exactly once, all or nothing, conflicts queued for a lead,
and only what the token's account could change on the pages.
"""

from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth import request_actor
from ..db import get_db
from ..missions import records as missions
from ..permissions import SIGNED_IN, allow, me
from ..sync import exporter, service
from ..sync.bundle import BundleError
from ..sync.importer import ACTIONS, Refused
from . import openapi
from .blueprint import bp
from .openapi import errors, json_response, ref

READ_CHUNK = 1024 * 1024
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
BUNDLE = {"application/octet-stream": {"schema": {"type": "string", "format": "binary", "minLength": 1}}}
ACTION_COUNTS = {
    "type": "object",
    "properties": {action: {"type": "integer", "minimum": 0} for action in ACTIONS},
    "required": list(ACTIONS),
}
openapi.register(
    {
        "/sync/missions": {
            "get": {
                "operationId": "listSyncMissions",
                "summary": "The missions this account takes part in, with its part (lead or observer)",
                "responses": {
                    "200": json_response("The missions.", ref("SyncMissions")),
                    **errors(401),
                },
            }
        },
        "/sync/pull": {
            "get": {
                "operationId": "pullMissionSetup",
                "summary": "A mission's set-up as a bundle (see docs/bundle-format.md)",
                "description": "Safe to repeat: a pull changes nothing on the server (it is only audited); "
                "in particular it marks nothing as sent, so what the caller has not pushed yet stays "
                "pending.",
                "parameters": [
                    {
                        "name": "mission",
                        "in": "query",
                        "required": True,
                        "description": "The mission's uuid.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The bundle file.",
                        "content": {
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **errors(401, 403, 404),
                },
            }
        },
        "/sync/push": {
            "post": {
                "operationId": "pushBundle",
                "summary": "Import one bundle as this account: once, all or nothing, conflicts queued",
                "parameters": [
                    {
                        "name": "dry_run",
                        "in": "query",
                        "required": False,
                        "description": "1 to only report what would change.",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                "responses": {
                    "200": json_response("What the import did.", ref("ImportReport")),
                    **errors(400, 401, 403, 413, 422),
                },
            }
        },
    },
    {
        "SyncMissions": {
            "type": "object",
            "required": ["missions"],
            "properties": {
                "missions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["uuid", "name", "part"],
                        "properties": {
                            "uuid": {"type": "string", "format": "uuid"},
                            "name": {"type": "string"},
                            "part": {"type": "string", "enum": ["lead", "observer"]},
                        },
                    },
                }
            },
        },
        "ImportReport": {
            "type": "object",
            "required": ["bundle", "sha256", "kind", "mission", "dry_run", "counts", "totals", "conflicts"],
            "properties": {
                "bundle": {"type": "string"},
                "sha256": {"type": "string"},
                "kind": {"type": "string"},
                "mission": {"type": "object"},
                "dry_run": {"type": "boolean"},
                "counts": {"type": "object", "additionalProperties": ACTION_COUNTS},
                "totals": ACTION_COUNTS,
                "changes": {"type": "array", "items": {"type": "object"}},
                "conflicts": {"type": "array", "items": {"type": "object"}},
                "accounts_created": {"type": "array", "items": {"type": "string"}},
                "audit_entries": {"type": "integer"},
            },
        },
    },
)


def _error(message: str, status: int, field: str | None = None):
    return jsonify(message=message, field=field), status


def _bundle_body(limit: int) -> bytes | None:
    """The request body, read in bounded pieces; None as soon as it passes ``limit`` bytes (declared or
    not: a chunked body has no Content-Length, so the bytes are counted as they come)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body, size = [], 0
    try:
        while piece := request.stream.read(READ_CHUNK):
            size += len(piece)
            if size > limit:
                return None
            body.append(piece)
    except RequestEntityTooLarge:  # an app-wide request limit below ours stopped the reading
        return None
    return b"".join(body)


@bp.route("/sync/missions")
@allow(SIGNED_IN)
def sync_missions():
    """The missions this account takes part in, with its part in each."""
    rows = service.missions_of(get_db(), me())
    return jsonify(missions=[{"uuid": m["uuid"], "name": m["name"], "part": m["part"]} for m in rows])


@bp.route("/sync/pull")
@allow(SIGNED_IN)
def sync_pull():
    """A mission's set-up as a bundle: all of it for a lead, the trials they observe for an observer."""
    db = get_db()
    try:
        mission = missions.find(db, request.args.get("mission", ""))
    except LookupError:
        mission = None
    if mission is None or not any(m["id"] == mission["id"] for m in service.missions_of(db, me())):
        return _error("No such mission among yours.", 404, "mission")
    try:
        data, manifest = service.export(
            db, me(), request_actor(), mission, "pull", peer=service.HTTP, mark_sent=False
        )
    except exporter.ExportError as error:
        return _error(str(error), 403, "mission")
    response = current_app.response_class(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="setup-{manifest["bundle_uuid"]}.tmbundle"'
    )
    return response


@bp.route("/sync/push", methods=["POST"])
@allow(SIGNED_IN)
def sync_push():
    """Import one bundle as this account; ``?dry_run=1`` only says what would change."""
    limit = int(current_app.config["MAX_BUNDLE_BYTES"])  # instance_config.DEFAULTS
    data = _bundle_body(limit)
    if data is None:
        return _error(
            f"The bundle is larger than one push takes ({limit // (1024 * 1024)} MiB); nothing was read "
            "past that and nothing was imported. Push again: a push sends its changes in parts.",
            413,
            "bundle",
        )
    if not data:
        return _error(
            "The bundle is empty: send it as the request body (application/octet-stream).", 422, "bundle"
        )
    dry_run = request.args.get("dry_run", "") in ("1", "true", "yes")
    try:
        report = service.import_(
            get_db(),
            data,
            me(),
            request_actor(),
            extra_dirs=current_app.config["CHECKLIST_DIRS"],
            dry_run=dry_run,
            link_account=False,
        )
    except Refused as error:
        return _error(str(error), 403, "bundle")
    except BundleError as error:
        return _error(str(error), 422, "bundle")
    current_app.logger.info("sync push from %s: %s", current_user.username, service.summary(report))
    return jsonify(report.as_dict())
