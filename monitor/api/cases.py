"""The defendant's case file: read it whole, change one fact (with the version read: 409 when stale)."""

from flask import jsonify, request
from flask_babel import gettext as _

from .. import checklists
from ..auth import request_actor
from ..cases import records as cases
from ..checklists import SOURCES
from ..db import get_db
from ..permissions import allow, get_case_file_or_404, me
from . import openapi
from .blueprint import bp
from .errors import ApiError, expected_version, json_body
from .openapi import errors, json_request, json_response, path_parameter, ref

FACT_FIELDS = ("item_key", "value", "note", "source", "learned_from")
INPUT = ("value", "note", "source", "learned_at", "learned_from", "reason")
# Why a change was refused (records.CaseFileError.code) → the field at fault, and the message.
REFUSALS = {
    "value": ("value", lambda: _("This answer is not one the question allows.")),
    "note": ("note", lambda: _("A note is too long (at most 2000 characters).")),
    "source": ("source", lambda: _("Say where the new information was learned (its source).")),
    "reason": ("reason", lambda: _("Say why a value already recorded changes (the reason).")),
    "learned_at": ("learned_at", lambda: _("Choose one of this trial's observations.")),
    "learned_from": ("learned_from", lambda: _("At most 200 characters.")),
}


def _checklist(mission: dict):
    return checklists.of(mission)


def _fact(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        **{name: row[name] for name in FACT_FIELDS},
        "learned_at": row["learned_at_hearing_uuid"] or None,
        "recorded_by": row["recorded_by_uuid"],
    }


def _earlier(row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "value": row["value"],
        "note": row["note"],
        "source": row["source"],
        "learned_at": row["learned_at_hearing_uuid"] or None,
        "learned_from": row["learned_from"],
        "recorded_by": row["recorded_by_uuid"],
        "recorded_at": row["recorded_at"],
        "changed_by": row["changed_by_uuid"],
        "changed_at": row["created_at"],
        "reason": row["reason"],
    }


def _entry(item, fact: dict | None, history: list[dict]) -> dict:
    return {
        "item": item.key,
        "stage": item.stage,
        "fact": _fact(fact),
        "history": [_earlier(h) for h in history],
    }


@bp.route("/defendants/<defendant_uuid>/case-file")
@allow("observer", "lead", "admin")
def case_file(defendant_uuid):
    """A defendant's case file: every case item of the mission's checklist, its fact and earlier values."""
    defendant, trial, mission = get_case_file_or_404(defendant_uuid)
    db = get_db()
    checklist = _checklist(mission)
    facts, history = cases.facts(db, defendant["id"]), cases.history(db, defendant["id"])
    return jsonify(
        defendant=defendant["uuid"],
        trial=trial["uuid"],
        checklist={"id": checklist.id, "version": checklist.version},
        facts=[
            _entry(item, facts.get(item.key), history.get(item.key, []))
            for item in checklists.case_items(checklist)
        ],
    )


@bp.route("/defendants/<defendant_uuid>/case-file/<item_key>", methods=["GET", "PUT", "PATCH"])
@allow("observer", "lead", "admin")
def case_fact(defendant_uuid, item_key):
    """One fact of the case file; PUT or PATCH changes it (send the version read: 409 when stale)."""
    writing = request.method != "GET"
    defendant, _trial, mission = get_case_file_or_404(defendant_uuid, edit=writing)
    db = get_db()
    checklist = _checklist(mission)
    item = next((i for i in checklists.case_items(checklist) if i.key == item_key), None)
    if item is None:
        raise ApiError(404, _("This question is not kept in the case file."))
    if writing:
        _change(db, defendant, checklist, item, json_body())
    facts, history = cases.facts(db, defendant["id"]), cases.history(db, defendant["id"])
    return jsonify(_entry(item, facts.get(item.key), history.get(item.key, [])))


def _change(db, defendant: dict, checklist, item, body: dict) -> None:
    expected = expected_version(body)
    unknown = [key for key in body if key not in INPUT]
    if unknown:
        raise ApiError(422, _("Unknown field."), unknown[0])
    for key, value in body.items():
        if value is not None and not isinstance(value, str):
            raise ApiError(422, _("Enter text."), key)
    current = cases.facts(db, defendant["id"]).get(item.key)
    version = (current["version"] if current else 0) if expected is None else expected
    # PATCH and PUT alike: what is not sent stays as recorded (a fact is never half-replaced)
    sent = {key: value or "" for key, value in body.items()}
    change = cases.Change(
        item.key,
        sent.get("value", current["value"] if current else ""),
        sent.get("note", current["note"] if current else ""),
        version,
        sent.get("source", ""),
    )
    learned = cases.Learned(
        sent.get("source", ""),
        sent.get("learned_at") or None,
        sent.get("learned_from", ""),
        sent.get("reason", ""),
    )
    try:
        cases.change_facts(db, request_actor(), me(), defendant, checklist, [change], learned)
    except cases.StaleFact:
        now = cases.facts(db, defendant["id"]).get(item.key)
        number = now["version"] if now else 0
        raise ApiError(
            409,
            _(
                "This record was changed since you read it: it is at version %(version)d now. "
                "Read it again, then repeat your change.",
                version=number,
            ),
            "version",
            version=number,
        ) from None
    except cases.CaseFileError as error:
        field, message = REFUSALS.get(error.code, REFUSALS["value"])
        raise ApiError(422, message(), field) from None


# The document ---------------------------------------------------------------------------------------

TEXT = {"type": "string"}
NULLABLE_UUID = {"type": ["string", "null"], "format": "uuid"}
SOURCE = {"enum": ["", *SOURCES]}
DEFENDANT = path_parameter("defendant_uuid", "The defendant's uuid.")
ITEM = {
    "name": "item_key",
    "in": "path",
    "required": True,
    "description": "The checklist item's key (a case item of the mission's checklist).",
    "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 80},
}
SCHEMAS = {
    "CaseFact": {
        "type": "object",
        "required": ["uuid", "version", "item_key", "value", "note", "source", "learned_at", "recorded_by"],
        "description": "The current value of a fact of the case; its uuid is uuid5 over the defendant's uuid "
        "and the item key, the same on every machine.",
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "version": {"type": "integer", "minimum": 1},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "item_key": TEXT,
            "value": TEXT,
            "note": TEXT,
            "source": SOURCE,
            "learned_at": {**NULLABLE_UUID, "description": "The observation (hearing) it was learned at."},
            "learned_from": {**TEXT, "description": "A document it was learned from, e.g. a judgment."},
            "recorded_by": {"type": ["string", "null"], "format": "uuid"},
        },
    },
    "CaseFactEarlier": {
        "type": "object",
        "required": ["uuid", "value", "source", "recorded_by", "recorded_at", "changed_by", "reason"],
        "properties": {
            "uuid": {"type": "string", "format": "uuid"},
            "value": TEXT,
            "note": TEXT,
            "source": SOURCE,
            "learned_at": NULLABLE_UUID,
            "learned_from": TEXT,
            "recorded_by": {"type": "string", "format": "uuid", "description": "Who recorded this value."},
            "recorded_at": TEXT,
            "changed_by": {"type": "string", "format": "uuid", "description": "Who replaced it."},
            "changed_at": TEXT,
            "reason": TEXT,
        },
    },
    "CaseFileEntry": {
        "type": "object",
        "required": ["item", "stage", "fact", "history"],
        "properties": {
            "item": TEXT,
            "stage": TEXT,
            "fact": {"anyOf": [ref("CaseFact"), {"type": "null"}]},
            "history": {"type": "array", "items": ref("CaseFactEarlier"), "description": "Newest first."},
        },
    },
    "CaseFile": {
        "type": "object",
        "required": ["defendant", "trial", "checklist", "facts"],
        "properties": {
            "defendant": {"type": "string", "format": "uuid"},
            "trial": {"type": "string", "format": "uuid"},
            "checklist": {"type": "object", "properties": {"id": TEXT, "version": {"type": "integer"}}},
            "facts": {"type": "array", "items": ref("CaseFileEntry")},
        },
    },
    "CaseFactChange": {
        "type": "object",
        "additionalProperties": False,
        "description": "What is not sent stays as recorded. A value or note needs a source; replacing a "
        "recorded value needs a reason (kept with the earlier value in the history).",
        "properties": {
            "value": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"], "maxLength": 2000},
            "source": {"anyOf": [SOURCE, {"type": "null"}]},
            "learned_at": {"anyOf": [NULLABLE_UUID, {"type": "string", "maxLength": 0}]},
            "learned_from": {"type": ["string", "null"], "maxLength": 200},
            "reason": {"type": ["string", "null"], "maxLength": 500},
            "version": {
                "type": ["integer", "null"],
                "description": "The version read (0 when there was no fact yet), or send If-Match; absent: "
                "no check.",
            },
        },
    },
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The version read (instead of `version` in the body).",
    "schema": {"type": "string", "pattern": r"^(W/)?\"?\d{1,18}\"?$"},
}
ENTRY = json_response("The fact, with its earlier values.", ref("CaseFileEntry"))
WRITE = errors(400, 401, 403, 404, 409, 422)


def _write(operation_id: str, summary: str) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["case file"],
        "parameters": [IF_MATCH],
        "requestBody": json_request(ref("CaseFactChange")),
        "responses": {"200": ENTRY, **WRITE},
    }


PATHS = {
    "/defendants/{defendant_uuid}/case-file": {
        "parameters": [DEFENDANT],
        "get": {
            "operationId": "getCaseFile",
            "summary": "A defendant's case file (the mission's leads, administrators, the trial's observers)",
            "tags": ["case file"],
            "responses": {"200": json_response("The case file.", ref("CaseFile")), **errors(401, 403, 404)},
        },
    },
    "/defendants/{defendant_uuid}/case-file/{item_key}": {
        "parameters": [DEFENDANT, ITEM],
        "get": {
            "operationId": "getCaseFact",
            "summary": "One fact of a defendant's case file",
            "tags": ["case file"],
            "responses": {"200": ENTRY, **errors(401, 403, 404)},
        },
        "put": _write("putCaseFact", "Change one fact (leads of the mission, observers of the trial)"),
        "patch": _write("patchCaseFact", "Change one fact (leads of the mission, observers of the trial)"),
    },
}

openapi.register(PATHS, SCHEMAS)
