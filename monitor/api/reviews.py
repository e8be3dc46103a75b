"""Reviewing observations: the queue, a hearing's reviews, approving, returning, commenting (on the hearing
or on one answer), and the corrections made to a hearing.

The hearing page's rules and functions: ``ReviewForm`` checks the decision and the comment (a return or a
comment says what needs attention), ``observe.review`` writes the review and the new status (audited as
``review.create`` and ``hearing.approved`` / ``hearing.returned``), and the corrections are
``corrections.history`` — the list the corrections page shows, with the same identity gate.
"""

from flask import jsonify
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import records
from ..auth import request_actor
from ..db import get_db
from ..observe import corrections
from ..observe import records as observe
from ..observe.forms import ReviewForm
from ..permissions import allow, get_hearing_or_404, get_hearing_to_review_or_404, me
from . import openapi, serialize
from .blueprint import bp
from .errors import ApiError, json_body
from .openapi import errors, json_request, json_response, path_parameter, ref
from .resources import created, form_data, validated

TEXT = "text"


@bp.route("/review-queue")
@allow("lead", "admin")
def review_queue():
    """Hearings waiting for this lead's review (every mission's for an administrator), oldest first."""
    people = serialize.People(get_db())
    rows = observe.review_queue(get_db(), me())
    return jsonify([serialize.hearing(h, h["trial_uuid"], people) for h in rows])


@bp.route("/hearings/<hearing_uuid>/reviews")
@allow("observer", "lead", "admin")
def review_list(hearing_uuid):
    """A hearing's reviews and comments, oldest first (its observer, the mission's leads)."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid)
    people = serialize.People(get_db())
    return jsonify([serialize.review(r, people) for r in observe.reviews(get_db(), hearing["id"])])


@bp.route("/hearings/<hearing_uuid>/reviews", methods=["POST"])
@allow("lead", "admin")
def review_add(hearing_uuid):
    """Approve or return a submitted hearing, or comment on it or on one of its answers."""
    hearing, _trial, _mission = get_hearing_to_review_or_404(hearing_uuid)
    data = form_data(json_body(), {"decision": TEXT, "comment": TEXT, "answer": TEXT})
    form = validated(ReviewForm, data)
    try:
        row = observe.review(
            get_db(),
            request_actor(),
            hearing,
            me()["id"],
            form.decision.data,
            (form.comment.data or "").strip(),
            form.answer.data or "",
        )
    except observe.HearingError as error:
        if "answer" in str(error):
            raise ApiError(422, _("Choose from the list."), "answer") from None
        raise ApiError(409, _("Only a submitted hearing can be approved or returned."), "decision") from None
    status = records.get_by_id(get_db(), "hearing", hearing["id"])["status"]
    return created({**serialize.review(row, serialize.People(get_db())), "hearing_status": status})


@bp.route("/hearings/<hearing_uuid>/corrections")
@allow("observer", "lead", "admin")
def correction_list(hearing_uuid):
    """Each correction of the hearing and what it changed, as the corrections page lists it."""
    hearing, trial, mission = get_hearing_or_404(hearing_uuid)
    people = serialize.People(get_db())
    steps = corrections.history(get_db(), hearing, trial, mission, me(), str(get_locale()))
    return jsonify(
        [
            {
                **{k: step["revision"][k] for k in ("uuid", "version", "created_at", "updated_at")},
                "number": step["revision"]["number"],
                "reason": step["revision"]["reason"],
                "author": people(step["revision"]["author_id"])["uuid"],
                "author_name": step["revision"]["author_name"],
                "changed": step["changed"],
                "groups": [
                    {"title": str(g["title"]), "rows": [_row(r) for r in g["rows"]]} for g in step["groups"]
                ],
            }
            for step in steps
        ]
    )


def _row(row: dict) -> dict:
    hidden = bool(row["hidden"])  # withheld: neither value, not even an empty one
    shown = {key: (None if hidden or row[key] is None else str(row[key])) for key in ("before", "after")}
    return {"what": str(row["what"]), "stage": str(row["stage"]), **shown, "hidden": hidden}


# The document ---------------------------------------------------------------------------------------

HEARING = path_parameter("hearing_uuid", "The hearing's uuid.")
UUID = {"type": "string", "format": "uuid"}
STAMP = {"type": "string", "format": "date-time"}
SCHEMAS = {
    "ReviewInput": {
        "type": "object",
        "required": ["decision"],
        "additionalProperties": False,
        "properties": {
            "decision": {
                "enum": ["approved", "returned", "comment"],
                "description": "approved or returned: only a submitted hearing; comment: any time.",
            },
            "comment": {
                "type": ["string", "null"],
                "maxLength": 5000,
                "description": "What needs attention: needed to return a hearing or to comment.",
            },
            "answer": {
                "type": ["string", "null"],
                "description": "The uuid of one of the hearing's answers the comment is about.",
            },
        },
    },
    "ReviewResult": {
        "allOf": [ref("Review")],
        "type": "object",
        "required": ["hearing_status"],
        "properties": {"hearing_status": {"enum": ["draft", "submitted", "returned", "approved"]}},
    },
    "Correction": {
        "type": "object",
        "required": ["uuid", "number", "reason", "author", "changed", "groups"],
        "properties": {
            "uuid": UUID,
            "version": {"type": "integer"},
            "created_at": STAMP,
            "updated_at": STAMP,
            "number": {"type": "integer", "minimum": 1},
            "reason": {"type": "string", "description": "Why the observer opened the hearing again."},
            "author": UUID,
            "author_name": {"type": "string"},
            "changed": {"type": "integer", "description": "How many values this correction changed."},
            "groups": {
                "type": "array",
                "description": "The changes by whom they are about: the hearing, each defendant, witnesses, "
                "allegations, notes; in the form's order.",
                "items": {
                    "type": "object",
                    "required": ["title", "rows"],
                    "properties": {
                        "title": {"type": "string"},
                        "rows": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["what", "stage", "before", "after", "hidden"],
                                "properties": {
                                    "what": {"type": "string", "description": "The question or field."},
                                    "stage": {"type": "string"},
                                    "before": {"type": ["string", "null"]},
                                    "after": {"type": ["string", "null"]},
                                    "hidden": {
                                        "type": "boolean",
                                        "description": "An identity or named perpetrator this reader may "
                                        "not receive: before and after are then withheld.",
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _operation(operation_id: str, summary: str, responses: dict, **more) -> dict:
    operation = {"operationId": operation_id, "summary": summary, "tags": ["review"], **more}
    return {**operation, "responses": responses}


def _listing(description: str, item: str) -> dict:
    return json_response(description, {"type": "array", "items": ref(item)})


PATHS: dict[str, dict] = {
    "/review-queue": {
        "get": _operation(
            "listReviewQueue",
            "Hearings waiting for review, oldest submission first (leads, administrators)",
            {"200": _listing("The hearings.", "Hearing"), **errors(401, 403)},
        )
    },
    "/hearings/{hearing_uuid}/reviews": {
        "parameters": [HEARING],
        "get": _operation(
            "listReviews",
            "A hearing's reviews and comments (its observer, the mission's leads)",
            {"200": _listing("The reviews, oldest first.", "Review"), **errors(401, 403, 404)},
        ),
        "post": _operation(
            "reviewHearing",
            "Approve or return a submitted hearing, or comment on it or one answer (the mission's leads)",
            {
                "201": json_response("The review, and the hearing's status now.", ref("ReviewResult")),
                **errors(400, 401, 403, 404, 409, 422),
            },
            requestBody=json_request(ref("ReviewInput")),
        ),
    },
    "/hearings/{hearing_uuid}/corrections": {
        "parameters": [HEARING],
        "get": _operation(
            "listCorrections",
            "What each correction of a hearing changed (its observer, the mission's leads; identities "
            "only through the gate)",
            {"200": _listing("The corrections, oldest first.", "Correction"), **errors(401, 403, 404)},
        ),
    },
}
openapi.register(PATHS, SCHEMAS)
