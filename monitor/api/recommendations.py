"""Recommendations, the mission's assessments with their evidence, and official figures, as JSON
(docs/recommendations.md): read by whoever reads the mission, changed by its leads, with the pages'
rules (monitor/recommendations/)."""

import json
from datetime import date

from flask import jsonify
from flask_babel import gettext as _

from ..auth import request_actor
from ..db import get_db, utcnow
from ..permissions import (
    allow,
    get_assessment_link_or_404,
    get_assessment_or_404,
    get_recommendation_or_404,
    get_register_or_404,
    me,
)
from ..recommendations import importer
from ..recommendations import links as linked
from ..recommendations import records as register
from . import openapi
from .blueprint import bp
from .errors import ApiError, json_body
from .openapi import errors, json_request, json_response, path_parameter, ref

MAX_CSV = 4 * 1024 * 1024


def _recommendation(row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "country": row["country"],
        "body": row["body"],
        "cycle": row["cycle"],
        "session": row["session"],
        "identifier": row["identifier"],
        "recommending_state": row["recommending_state"],
        "text": row["text"],
        "response": row["response"],
        "themes": register.themes_of(row["themes"]),
        "document": row["document"],
    }


def _link(db, findings: linked.Findings, link: dict) -> dict:
    value = linked.finding_value(findings, link) if link["kind"] == "finding" else None
    return {
        "uuid": link["uuid"],
        "kind": link["kind"],
        "path": link["path"] or None,
        "filters": json.loads(link["filters"] or "{}"),
        "mode": link["mode"] or None,
        "count": value["count"] if value else None,
        "of": value["of"] if value else None,
        "frozen_at": link["frozen_at"],
        "target_uuid": link["target_uuid"] or None,
        "note": link["note"],
    }


def _assessment(db, findings, row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "cycle": row["cycle"],
        "status": row["status"],
        "reasoning": row["reasoning"],
        "evidence": [_link(db, findings, link) for link in register.links(db, row["id"])],
    }


def _statistic(row: dict) -> dict:
    return {
        "uuid": row["uuid"],
        "version": row["version"],
        "country": row["country"],
        "what": row["what"],
        "value": row["value"],
        "period": row["period"],
        "source": row["source"],
        "retrieved_on": row["retrieved_on"],
        "themes": register.themes_of(row["themes"]),
    }


def _country(mission: dict) -> str:
    country = register.mission_country(get_db(), mission["id"])
    if not country:
        raise ApiError(422, _("Name the mission's country first."), "country")
    return country


@bp.route("/missions/<mission_uuid>/recommendations")
@allow("lead", "admin")
def recommendation_list(mission_uuid):
    """The recommendations of the mission's country, each with the mission's assessments and evidence
    (a findings number with its count now — live — or as frozen)."""
    mission = get_register_or_404(mission_uuid)
    db = get_db()
    country = register.mission_country(db, mission["id"])
    findings = linked.Findings(db, mission)
    assessed = register.assessments(db, mission["id"])
    found = [
        {
            **_recommendation(row),
            "assessments": [_assessment(db, findings, a) for a in assessed.get(row["id"], [])],
        }
        for row in (register.recommendations(db, country) if country else [])
    ]
    return jsonify(country=country or None, recommendations=found)


@bp.route("/missions/<mission_uuid>/recommendations/import", methods=["POST"])
@allow("lead", "admin")
def recommendation_import(mission_uuid):
    """Import a CSV file's recommendations (``{"csv": "…"}``): all of them, or none (422 with every
    problem's row and column)."""
    mission = get_register_or_404(mission_uuid, edit=True)
    body = json_body()
    text = body.get("csv")
    if not isinstance(text, str) or set(body) - {"csv"}:
        raise ApiError(422, _("Send the file's text as “csv”."), "csv")
    data = text.encode("utf-8")
    if len(data) > MAX_CSV:
        raise ApiError(422, _("Too long."), "csv")
    country = _country(mission)
    try:
        result = importer.import_csv(get_db(), request_actor(), data, country)
    except importer.ImportRefused as refused:
        problems = [{"row": p.row, "column": p.column, "message": p.message} for p in refused.problems]
        raise ApiError(
            422,
            _("Nothing was imported. Correct these rows and import the file again."),
            "csv",
            problems=problems,
        ) from None
    return jsonify(
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        ignored_columns=result.ignored_columns,
    )


@bp.route("/missions/<mission_uuid>/recommendations/<recommendation_uuid>/assessment", methods=["GET", "PUT"])
@allow("lead", "admin")
def assessment(mission_uuid, recommendation_uuid):
    """GET: the mission's assessments of a recommendation (one per cycle). PUT: record or change the one
    of a cycle (a lead of the mission)."""
    from flask import request

    db = get_db()
    if request.method == "GET":
        recommendation, mission = get_recommendation_or_404(mission_uuid, recommendation_uuid)
        findings = linked.Findings(db, mission)
        found = register.assessments(db, mission["id"]).get(recommendation["id"], [])
        return jsonify(assessments=[_assessment(db, findings, row) for row in found])
    recommendation, mission = get_recommendation_or_404(mission_uuid, recommendation_uuid, edit=True)
    body = json_body()
    unknown = set(body) - {"cycle", "status", "reasoning"}
    if unknown:
        raise ApiError(422, _("Unknown field."), sorted(unknown)[0])
    for name in ("cycle", "status", "reasoning"):
        if name in body and not isinstance(body[name], str):
            raise ApiError(422, _("Enter text."), name)
    try:
        row = register.save_assessment(
            db,
            request_actor(),
            mission,
            recommendation,
            me(),
            body.get("cycle", ""),
            body.get("status", ""),
            body.get("reasoning", ""),
        )
    except ValueError as error:
        field, _sep, message = str(error).partition(": ")
        raise ApiError(422, message or str(error), field) from None
    return jsonify(_assessment(db, linked.Findings(db, mission), row))


@bp.route("/assessments/<assessment_uuid>/links", methods=["POST"])
@allow("lead", "admin")
def assessment_link_add(assessment_uuid):
    """Link evidence to an assessment (a lead of the mission), with the page's rules: a findings number
    (``path``, ``filters`` as in the findings page's address, ``mode`` live or frozen) or a record of the
    mission (``kind``, ``target_uuid``)."""
    assessment, mission = get_assessment_or_404(assessment_uuid)
    body = json_body()
    unknown = set(body) - {"path", "filters", "mode", "kind", "target_uuid", "note"}
    if unknown:
        raise ApiError(422, _("Unknown field."), sorted(unknown)[0])
    for name, value in body.items():
        if not isinstance(value, str):
            raise ApiError(422, _("Enter text."), name)
    for name, longest in (("note", 1000), ("filters", 2000)):
        if len(body.get(name, "")) > longest:
            raise ApiError(422, _("Too long."), name)
    db = get_db()
    findings = linked.Findings(db, mission)
    try:
        if "path" in body:
            if body["path"] not in dict(findings.paths()):
                raise ValueError(_("The findings have no count “%(path)s”.", path=body["path"]))
            fields = linked.finding_link(
                findings,
                body["path"],
                body.get("filters", ""),
                body.get("mode", "live"),
                body.get("note", ""),
                utcnow(),
            )
        else:
            fields = linked.record_link(
                db, mission, body.get("kind", ""), body.get("target_uuid", ""), body.get("note", "")
            )
    except ValueError as error:
        raise ApiError(422, str(error), "path" if "path" in body else "target_uuid") from None
    link = register.add_link(db, request_actor(), assessment, fields)
    return jsonify(_link(db, findings, link)), 201


@bp.route("/assessment-links/<link_uuid>", methods=["DELETE"])
@allow("lead", "admin")
def assessment_link_remove(link_uuid):
    """Unlink a piece of evidence (a lead of the mission; the audit log keeps what it was)."""
    link, _assessment_row, _mission = get_assessment_link_or_404(link_uuid)
    register.remove_link(get_db(), request_actor(), link)
    return "", 204


@bp.route("/missions/<mission_uuid>/statistics", methods=["GET", "POST"])
@allow("lead", "admin")
def statistic_list(mission_uuid):
    """GET: the official figures of the mission's country. POST: add one (a lead of the mission)."""
    from flask import request

    if request.method == "GET":
        mission = get_register_or_404(mission_uuid)
        country = register.mission_country(get_db(), mission["id"])
        rows = register.statistics(get_db(), country) if country else []
        return jsonify(statistics=[_statistic(row) for row in rows])
    mission = get_register_or_404(mission_uuid, edit=True)
    body = json_body()
    unknown = set(body) - {"what", "value", "period", "source", "retrieved_on", "themes"}
    if unknown:
        raise ApiError(422, _("Unknown field."), sorted(unknown)[0])
    value = body.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value or abs(value) > 1e15:
        raise ApiError(422, _("Enter the figure."), "value")
    themes = body.get("themes", [])
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise ApiError(422, _("Enter text."), "themes")
    for name in ("what", "period", "source", "retrieved_on"):
        if not isinstance(body.get(name), str):
            raise ApiError(422, _("Enter text."), name)
    try:
        date.fromisoformat(body["retrieved_on"])
    except ValueError:
        raise ApiError(422, _("Enter a date."), "retrieved_on") from None
    try:
        row = register.save_statistic(
            get_db(), request_actor(), {**body, "themes": themes, "country": _country(mission)}
        )
    except ValueError as error:
        field, _sep, message = str(error).partition(": ")
        raise ApiError(422, message or str(error), field) from None
    return jsonify(_statistic(row)), 201


def _describe() -> None:
    uuid = {"type": "string", "format": "uuid"}
    text = {"type": "string"}
    recommendation = {
        "type": "object",
        "required": [
            "uuid",
            "version",
            "country",
            "body",
            "cycle",
            "text",
            "response",
            "themes",
            "assessments",
        ],
        "properties": {
            "uuid": uuid,
            "version": {"type": "integer"},
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2 code."},
            "body": {"enum": list(register.BODIES)},
            "cycle": text,
            "session": text,
            "identifier": {
                "type": "string",
                "description": "As in the public database (e.g. 140.71), or empty.",
            },
            "recommending_state": text,
            "text": text,
            "response": {"enum": ["supported", "noted", ""]},
            "themes": {"type": "array", "items": text},
            "document": text,
            "assessments": {"type": "array", "items": openapi.ref("Assessment")},
        },
    }
    evidence = {
        "type": "object",
        "required": ["uuid", "kind", "count", "of"],
        "properties": {
            "uuid": uuid,
            "kind": {"enum": list(register.LINK_KINDS)},
            "path": {
                "type": ["string", "null"],
                "description": "A findings count, e.g. torture.defendants_alleging.",
            },
            "filters": {"type": "object", "description": "The findings filters it is counted with."},
            "mode": {"enum": ["live", "frozen", None]},
            "count": {"type": ["integer", "null"], "description": "Live: counted now; frozen: as stored."},
            "of": {"type": ["integer", "null"]},
            "frozen_at": {"type": ["string", "null"]},
            "target_uuid": {"type": ["string", "null"]},
            "note": text,
        },
    }
    assessment = {
        "type": "object",
        "required": ["uuid", "version", "cycle", "status", "reasoning", "evidence"],
        "properties": {
            "uuid": uuid,
            "version": {"type": "integer"},
            "cycle": text,
            "status": {"enum": list(register.STATUSES)},
            "reasoning": text,
            "evidence": {"type": "array", "items": openapi.ref("AssessmentEvidence")},
        },
    }
    statistic = {
        "type": "object",
        "required": [
            "uuid",
            "version",
            "country",
            "what",
            "value",
            "period",
            "source",
            "retrieved_on",
            "themes",
        ],
        "properties": {
            "uuid": uuid,
            "version": {"type": "integer"},
            "country": text,
            "what": text,
            "value": {"type": "number"},
            "period": text,
            "source": text,
            "retrieved_on": {"type": "string", "description": "YYYY-MM-DD"},
            "themes": {"type": "array", "items": text},
        },
    }
    imported = {
        "type": "object",
        "required": ["created", "updated", "unchanged", "ignored_columns"],
        "properties": {
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "ignored_columns": {"type": "array", "items": text},
        },
    }
    mission = path_parameter("mission_uuid", "The mission's uuid.")
    recommendation_parameter = path_parameter("recommendation_uuid", "The recommendation's uuid.")
    tag = ["recommendations"]
    openapi.register(
        {
            "/missions/{mission_uuid}/recommendations": {
                "get": {
                    "operationId": "listRecommendations",
                    "summary": "The country's recommendations, with the mission's assessments",
                    "tags": tag,
                    "parameters": [mission],
                    "responses": {
                        "200": json_response(
                            "The register.",
                            {
                                "type": "object",
                                "required": ["country", "recommendations"],
                                "properties": {
                                    "country": {"type": ["string", "null"]},
                                    "recommendations": {"type": "array", "items": ref("Recommendation")},
                                },
                            },
                        ),
                        **errors(401, 403, 404),
                    },
                }
            },
            "/missions/{mission_uuid}/recommendations/import": {
                "post": {
                    "operationId": "importRecommendations",
                    "summary": "Import a CSV file of recommendations, all or nothing (the mission's leads)",
                    "tags": tag,
                    "parameters": [mission],
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "required": ["csv"],
                            "properties": {
                                "csv": {"type": "string", "description": "The file's text (UTF-8)."}
                            },
                        }
                    ),
                    "responses": {
                        "200": json_response("What the import did.", imported),
                        **errors(400, 401, 403, 404, 413, 422),
                    },
                }
            },
            "/missions/{mission_uuid}/recommendations/{recommendation_uuid}/assessment": {
                "get": {
                    "operationId": "listAssessments",
                    "summary": "The mission's assessments of a recommendation, one per cycle",
                    "tags": tag,
                    "parameters": [mission, recommendation_parameter],
                    "responses": {
                        "200": json_response(
                            "The assessments.",
                            {
                                "type": "object",
                                "required": ["assessments"],
                                "properties": {"assessments": {"type": "array", "items": ref("Assessment")}},
                            },
                        ),
                        **errors(401, 403, 404),
                    },
                },
                "put": {
                    "operationId": "putAssessment",
                    "summary": "Record the mission's assessment of a recommendation for a cycle (its leads)",
                    "tags": tag,
                    "parameters": [mission, recommendation_parameter],
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "required": ["cycle", "status"],
                            "properties": {
                                "cycle": text,
                                "status": {"enum": list(register.STATUSES)},
                                "reasoning": text,
                            },
                        }
                    ),
                    "responses": {
                        "200": json_response("The assessment.", ref("Assessment")),
                        **errors(400, 401, 403, 404, 413, 422),
                    },
                },
            },
            "/assessments/{assessment_uuid}/links": {
                "post": {
                    "operationId": "linkAssessmentEvidence",
                    "summary": "Link evidence to an assessment (its mission's leads): a findings number, "
                    "live or frozen, or a case file, an allegation, a document or an official figure",
                    "tags": tag,
                    "parameters": [path_parameter("assessment_uuid", "The assessment's uuid.")],
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "properties": {
                                "path": {
                                    "type": "string",
                                    "description": "A findings count, e.g. torture.defendants_alleging.",
                                },
                                "filters": {
                                    "type": "string",
                                    "maxLength": 2000,
                                    "description": "As in the findings page's address, "
                                    "e.g. trial=…&from=2026-01-01.",
                                },
                                "mode": {"enum": list(linked.MODES)},
                                "kind": {"enum": list(linked.RECORD_KINDS)},
                                "target_uuid": {"type": "string"},
                                "note": {"type": "string", "maxLength": 1000},
                            },
                        }
                    ),
                    "responses": {
                        "201": json_response("The link, with its number now.", ref("AssessmentEvidence")),
                        **errors(400, 401, 403, 404, 413, 422),
                    },
                }
            },
            "/assessment-links/{link_uuid}": {
                "delete": {
                    "operationId": "unlinkAssessmentEvidence",
                    "summary": "Unlink a piece of evidence (its mission's leads; the audit log keeps it)",
                    "tags": tag,
                    "parameters": [path_parameter("link_uuid", "The link's uuid.")],
                    "responses": {"204": {"description": "Unlinked."}, **errors(401, 403, 404)},
                }
            },
            "/missions/{mission_uuid}/statistics": {
                "get": {
                    "operationId": "listOfficialStatistics",
                    "summary": "The official figures of the mission's country (leads, administrators)",
                    "tags": tag,
                    "parameters": [mission],
                    "responses": {
                        "200": json_response(
                            "The figures.",
                            {
                                "type": "object",
                                "required": ["statistics"],
                                "properties": {
                                    "statistics": {"type": "array", "items": ref("OfficialStatistic")}
                                },
                            },
                        ),
                        **errors(401, 403, 404),
                    },
                },
                "post": {
                    "operationId": "addOfficialStatistic",
                    "summary": "Add an official figure (the mission's leads)",
                    "tags": tag,
                    "parameters": [mission],
                    "requestBody": json_request(
                        {
                            "type": "object",
                            "required": ["what", "value", "period", "source", "retrieved_on"],
                            "properties": {
                                "what": text,
                                "value": {"type": "number"},
                                "period": text,
                                "source": text,
                                "retrieved_on": {"type": "string", "format": "date"},
                                "themes": {"type": "array", "items": text},
                            },
                        }
                    ),
                    "responses": {
                        "201": json_response("The figure.", ref("OfficialStatistic")),
                        **errors(400, 401, 403, 404, 413, 422),
                    },
                },
            },
        },
        {
            "Recommendation": recommendation,
            "Assessment": assessment,
            "AssessmentEvidence": evidence,
            "OfficialStatistic": statistic,
        },
    )


_describe()
