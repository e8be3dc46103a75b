"""The JSON API under ``/api/v1``: the records of the pages, and findings, for other tools.

Described by the OpenAPI document at ``/api/v1/openapi.json`` (see openapi.py); errors are JSON
(errors.py); requests authenticate with an API token or the session cookie (monitor/auth/tokens.py).
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import cases, checklist_resources, errors, hearings, paging, resources, routes, spec, sync  # noqa: E402,F401
