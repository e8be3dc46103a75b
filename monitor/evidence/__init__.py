"""Evidence files: documents and photos attached to a case file, a sitting, a witness or an allegation."""

from flask import Blueprint

bp = Blueprint("evidence", __name__)

from . import routes  # noqa: E402,F401  (the views register themselves on bp)
