"""Mission findings: violations aggregated across defendants, hearings and trials."""

from flask import Blueprint

bp = Blueprint("findings", __name__)

from . import routes  # noqa: E402,F401
