"""How much one request may send, and how many background jobs one person may run: refused with a message.

The body limit is Flask's ``MAX_CONTENT_LENGTH`` (``instance_config.DEFAULTS``), raised to
``MAX_BUNDLE_BYTES`` only for the endpoints that take a bundle. A body whose ``Content-Length`` is over it
is refused before a byte is read (here, before anything else runs). A chunked body (no ``Content-Length``;
gunicorn marks such input as terminated) is counted as it is read and refused with a 413 at the first byte
past the limit: werkzeug's own stream would stop quietly at the limit when read to the end (``read()``,
as form parsing and ``get_data`` do), so a longer body would be cut and parsed, not refused.
``MAX_FORM_MEMORY_SIZE`` and ``MAX_FORM_PARTS`` bound a multipart form's text fields and parts. A
url-encoded form is read and parsed whole, in memory (werkzeug bounds it by nothing but the body limit, and
8 MiB of ``a&a&…`` parses into about 330 MiB): its whole body may be at most ``MAX_FORM_MEMORY_SIZE``, on
every route — the bundle routes too, which take a bundle as a file part or a raw body, never as a field.
A JSON body nested deeper than Python's parser goes is malformed JSON (a 400 from ``get_json``), not a 500.

A 413 answers in JSON ``{message, field}`` under ``/api/`` and to a JSON request (the autosave), and as a
page elsewhere; a refused job answers 429 the same way.
"""

import io

from flask import Flask, current_app, jsonify, render_template, request
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from .reports import jobs

BUNDLE_ENDPOINTS = ("api.sync_push", "sync.import_")  # the only requests that may send a bundle
EVIDENCE_ENDPOINT = "evidence.attach"  # may send one evidence file (MAX_EVIDENCE_BYTES) and its form
EVIDENCE_FORM_BYTES = 1024 * 1024  # the form around the file (a file a little over the limit: a message)
URLENCODED = "application/x-www-form-urlencoded"


class _Refusing(LimitedStream):
    """A chunked body, read at most one byte past ``maximum``: that byte refuses the request (413)."""

    def __init__(self, stream, maximum: int):
        super().__init__(stream, maximum + 1, is_max=True)
        self.maximum = maximum

    def readinto(self, b) -> int | None:  # every read (read, readall, readline) comes through here
        size = super().readinto(b)
        if self._pos > self.maximum:
            raise RequestEntityTooLarge()
        return size


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body nested too deep to parse a ValueError like any other malformed JSON
    (``request.get_json`` then answers 400, or gives None when silent)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


class Request(FlaskRequest):
    """Flask's request, whose body stream refuses a chunked body past the limit instead of cutting it."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if limit is None or self.content_length is not None or "wsgi.input_terminated" not in self.environ:
            return get_input_stream(self.environ, max_content_length=limit)  # werkzeug's checks suffice
        return _Refusing(self.environ["wsgi.input"], limit)

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        """An evidence file is parsed in memory, never into a temporary file on disk in clear (werkzeug
        spools parts over 500 KB to one); its request is bounded by MAX_EVIDENCE_BYTES."""
        if self.endpoint == EVIDENCE_ENDPOINT:
            return io.BytesIO()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)


def apply_limit() -> None:
    """before_request, first of all: this request's limit; a declared length over it is refused at once."""
    if request.endpoint in BUNDLE_ENDPOINTS:
        request.max_content_length = current_app.config["MAX_BUNDLE_BYTES"]
    elif request.endpoint == EVIDENCE_ENDPOINT:
        request.max_content_length = current_app.config["MAX_EVIDENCE_BYTES"] + EVIDENCE_FORM_BYTES
    form_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if request.mimetype == URLENCODED and form_limit is not None:
        request.max_content_length = min(request.max_content_length or form_limit, form_limit)
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def _size(size: int) -> str:
    return _("%(n)s MiB", n=f"{size / (1024 * 1024):.1f}".removesuffix(".0"))


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def _answer(status: int, message: str, field: str | None = None):
    if _wants_json():
        return jsonify(message=message, field=field), status
    return render_template("errors/error.html", code=status, message=message), status


def too_large(_error: RequestEntityTooLarge):
    """413: what was sent is over this request's limit; nothing was read further, nothing changed."""
    limit = _size(request.max_content_length or 0)
    if request.endpoint in BUNDLE_ENDPOINTS and request.mimetype != URLENCODED:
        message = _(
            "The bundle is larger than this server accepts in one request (at most %(size)s). "
            "Nothing was imported.",
            size=limit,
        )
        return _answer(413, message, "bundle")
    if request.endpoint == EVIDENCE_ENDPOINT:
        size = _size(current_app.config["MAX_EVIDENCE_BYTES"])
        message = _(
            "The file is larger than %(size)s, the most one file may be. Nothing was attached.", size=size
        )
        return _answer(413, message, "file")
    message = _(
        "What you sent is larger than this server accepts (at most %(size)s); nothing was saved.", size=limit
    )
    return _answer(413, message)


def too_many_jobs(error: jobs.JobLimit):
    """429: this person already runs as many exports and syncs as one person may."""
    message = _(
        "You already have %(n)d exports or syncs running. Wait until one has finished, then start again.",
        n=error.limit,
    )
    return _answer(429, message)


def init_app(app: Flask) -> None:
    """Register before every other before_request, so nothing reads a body over the limit."""
    app.request_class = Request
    app.json = JSONProvider(app)
    app.before_request(apply_limit)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(jobs.JobLimit, too_many_jobs)
