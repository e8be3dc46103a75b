"""Errors of the API, always as JSON ``{"message": …, "field": …}``, and reading a request's JSON body.

A view raises :class:`ApiError` with the status, a message for the person and the field at fault; HTTP
errors raised anywhere under ``/api/`` (aborts, refusals, unknown routes, CSRF failures) answer in the
same shape, so a client never has to parse a page.
"""

import json
from contextlib import contextmanager

from flask import jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import records
from ..db import atomic, get_db
from .blueprint import bp

MAX_BODY_BYTES = 5 * 1024 * 1024  # an autosave batch of 500 long notes fits; a runaway client does not


class ApiError(Exception):
    """An answer other than success: ``status``, a message for the person, the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.field, self.extra = status, str(message), field, extra


def messages() -> dict[int, str]:
    """What each status means, in the user's language, when nothing more precise was said."""
    return {
        400: _("The request could not be read."),
        401: _("Authentication required: send an API token (Authorization: Bearer …) or sign in."),
        403: _("You do not have permission to do this."),
        404: _("There is no such record or endpoint."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the record as it stands now."),
        413: _("What you sent is too large."),
        422: _("A value is not acceptable."),
        429: _("Too many requests; wait a minute, then try again."),
        500: _("Something went wrong on our side; try again."),
    }


def json_error(error: HTTPException):
    """An HTTP error as the API's JSON (used for every error under ``/api/``)."""
    code = error.code or 500
    known = messages()
    default = type(error).description
    if isinstance(error, CSRFError):
        message = _(
            "The security token (CSRF) is missing or invalid: send it as X-CSRFToken, "
            "or use an API token instead; nothing was changed."
        )
    elif error.description and error.description != default and code in (403, 409, 422, 429):
        message = error.description  # a message this app chose (e.g. "This token may only read.")
    else:
        message = known.get(code, known[400 if code < 500 else 500])
    response = jsonify(message=message, field=None)
    response.status_code = code
    if code == 405:
        allowed = dict(error.get_headers()).get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return jsonify(message=error.message, field=error.field, **error.extra), error.status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Errors under the API answer in JSON, not as a page."""
    return json_error(error)


@bp.errorhandler(CSRFError)  # registered by code 400 elsewhere, so it needs its own handler here
def csrf_error(error: CSRFError):
    return json_error(error)


@bp.errorhandler(500)  # Flask logs the exception first; the client gets JSON, never a page
def server_error(error: HTTPException):
    return json_error(error)


# Reading requests -----------------------------------------------------------------------------------


def _bad_text(value) -> bool:
    """True when ``value`` holds text that is not valid Unicode (a lone surrogate from a JSON escape)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in value)
    return False


def json_body(optional: bool = False) -> dict:
    """The request's JSON object; 400 when it is missing (unless ``optional``), malformed or not an object."""
    not_json = ApiError(400, _("Send JSON, with the header Content-Type: application/json."))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise not_json  # checked first: reading a form (for its CSRF token) has used up the body
    request.max_content_length = MAX_BODY_BYTES
    raw = request.get_data(cache=True)
    if not raw:  # nothing at all; whitespace alone is malformed JSON like any other
        if optional:
            return {}
        raise ApiError(400, _("Send a JSON object in the request body."))
    if not request.is_json:
        raise not_json
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, _("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise ApiError(400, _("Send a JSON object in the request body."))
    try:
        bad = [key for key, value in body.items() if _bad_text(key) or _bad_text(value)]
    except RecursionError:
        raise ApiError(400, _("The request body is nested too deeply.")) from None
    if bad:
        field = None if _bad_text(bad[0]) else bad[0]
        raise ApiError(400, _("The request contains text that is not valid Unicode."), field)
    return body


def expected_version(body: dict) -> int | None:
    """The version the client last read: ``"version"`` in the body, else an ``If-Match`` header."""
    value = body.pop("version", None)
    if value is not None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(422, _("The version must be a whole number."), "version")
        return value
    if "If-Match" not in request.headers:  # (a null version is no version: the header still counts)
        return None
    header = request.headers["If-Match"].strip()
    if header == "*":
        return None
    header = header.removeprefix("W/").strip('"')
    if not header.isdigit() or len(header) > 18:
        raise ApiError(400, _("If-Match must be the version number of the record."), "If-Match")
    return int(header)


@contextmanager
def unchanged_since(table: str, row: dict, expected: int | None):
    """A write transaction in which ``row`` is still at version ``expected`` (409 if someone changed it)."""
    db = get_db()
    with atomic(db):
        current = records.existing(db, table, row["id"])  # read by the caller; records stay
        if expected is not None and current["version"] != expected:
            raise ApiError(
                409,
                _(
                    "This record was changed since you read it: it is at version %(version)d now. "
                    "Read it again, then repeat your change.",
                    version=current["version"],
                ),
                "version",
                version=current["version"],
            )
        yield current
