"""The defendant's case file (issue #11): facts of the case recorded once, with their source and history."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import routes  # noqa: E402,F401
