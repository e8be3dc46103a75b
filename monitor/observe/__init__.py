"""Observing hearings: the hearing form, autosave, submission, correction and review."""

from flask import Blueprint

bp = Blueprint("observe", __name__)

from . import routes  # noqa: E402,F401


@bp.app_template_filter("fromjson")
def fromjson(value: str) -> list:
    """A JSON list column as a list, in templates."""
    from ..records import as_list

    return as_list(value)
