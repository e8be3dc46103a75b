"""The installed checklists, read by an integrator: every item with its unit, where its fact is kept, the
answers it allows with their labels in every language, and which answers are a concern — as JSON strings,
so nobody has to parse the YAML (where an unquoted ``no`` loads as false)."""

from flask import current_app, jsonify
from flask_babel import gettext as _

from .. import checklists
from ..checklists import LANGUAGES
from ..permissions import SIGNED_IN, allow
from . import openapi
from .blueprint import bp
from .errors import ApiError
from .openapi import errors, json_response, ref


def _text(text) -> dict:
    return {lang: text.get(lang) for lang in LANGUAGES}


def _summary(checklist) -> dict:
    return {
        "id": checklist.id,
        "version": checklist.version,
        "title": _text(checklist.title),
        "offered": checklists.is_offered(checklist),
        "declares_units": checklist.declares_units,
    }


def _item(item) -> dict:
    return {
        "key": item.key,
        "stage": item.stage,
        "unit": item.unit,
        "scope": item.scope,
        "home": item.home,
        "asked": item.asked,
        "answer": item.answer,
        "answers": [
            {"value": value, "label": {lang: item.value_label(value, lang) for lang in LANGUAGES}}
            for value in item.values()
        ],
        "concern": sorted(item.concern),
        "sources": list(item.sources),
        "label": _text(item.label),
        "help": _text(item.help),
        "finding": _text(item.finding),
        "refs": list(item.refs),
    }


@bp.route("/checklists")
@allow(SIGNED_IN)
def checklist_list():
    """Every installed checklist, with whether a new mission may choose it."""
    installed = checklists.available(current_app.config["CHECKLIST_DIRS"])
    return jsonify(checklists=[_summary(checklist) for checklist in installed])


@bp.route("/checklists/<checklist_id>/<version>")
@allow(SIGNED_IN)
def checklist_get(checklist_id, version):
    """One checklist whole: its stages and items, in the order the forms ask them."""
    try:
        number = int(version) if version.isdigit() else 0
        checklist = checklists.get(checklist_id, number, extra_dirs=current_app.config["CHECKLIST_DIRS"])
    except KeyError as error:
        raise ApiError(404, _("There is no such checklist.")) from error
    return jsonify(
        **_summary(checklist),
        stages=[{"key": stage.key, "label": _text(stage.label)} for stage in checklist.stages],
        items=[_item(item) for item in checklist.items],
    )


def _describe() -> None:
    texts = {
        "type": "object",
        "required": list(LANGUAGES),
        "properties": {lang: {"type": "string"} for lang in LANGUAGES},
    }
    summary = {
        "type": "object",
        "required": ["id", "version", "title", "offered", "declares_units"],
        "properties": {
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "title": texts,
            "offered": {"type": "boolean", "description": "Whether a new mission may choose it."},
            "declares_units": {"type": "boolean"},
        },
    }
    item = {
        "type": "object",
        "required": ["key", "stage", "unit", "scope", "home", "asked", "answer", "answers", "concern"],
        "properties": {
            "key": {"type": "string"},
            "stage": {"type": "string"},
            "unit": {"enum": ["case", "sitting", "defendant_at_sitting", "witness", "appearance"]},
            "scope": {"enum": ["hearing", "defendant", "witness"]},
            "home": {
                "type": ["string", "null"],
                "description": "The record field keeping the fact (docs/checklists.md); null: the answer.",
            },
            "asked": {"type": "boolean", "description": "False for an item whose fact a record keeps."},
            "answer": {"enum": ["yesno", "choice", "number", "text"]},
            "answers": {
                "type": "array",
                "description": "The allowed answers with their labels (empty for number and text).",
                "items": {
                    "type": "object",
                    "required": ["value", "label"],
                    "properties": {"value": {"type": "string"}, "label": texts},
                },
            },
            "concern": {"type": "array", "items": {"type": "string"}},
            "sources": {"type": "array", "items": {"type": "string"}},
            "label": texts,
            "help": texts,
            "finding": texts,
            "refs": {"type": "array", "items": {"type": "string"}},
        },
    }
    whole = {
        "allOf": [
            ref("ChecklistSummary"),
            {
                "type": "object",
                "required": ["stages", "items"],
                "properties": {
                    "stages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "label"],
                            "properties": {"key": {"type": "string"}, "label": texts},
                        },
                    },
                    "items": {"type": "array", "items": ref("ChecklistItem")},
                },
            },
        ]
    }
    listed = {
        "type": "object",
        "required": ["checklists"],
        "properties": {"checklists": {"type": "array", "items": ref("ChecklistSummary")}},
    }
    parameters = [
        {"name": "checklist_id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "version", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
    ]
    openapi.register(
        {
            "/checklists": {
                "get": {
                    "operationId": "listChecklists",
                    "summary": "The installed checklists (any user)",
                    "tags": ["checklists"],
                    "responses": {"200": json_response("The checklists.", listed), **errors(401)},
                }
            },
            "/checklists/{checklist_id}/{version}": {
                "get": {
                    "operationId": "getChecklist",
                    "summary": "One checklist: stages, items, allowed answers and labels (any user)",
                    "tags": ["checklists"],
                    "parameters": parameters,
                    "responses": {"200": json_response("The checklist.", whole), **errors(401, 404)},
                }
            },
        },
        {"ChecklistSummary": summary, "ChecklistItem": item, "Checklist": whole},
    )


_describe()
