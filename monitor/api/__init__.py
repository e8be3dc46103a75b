"""The JSON API under ``/api/v1``: the same data as the command line, for other tools."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import routes  # noqa: E402,F401
