"""The JSON API under ``/api/v1``: the records of the pages, and findings, for other tools.

Described by the OpenAPI document at ``/api/v1/openapi.json`` (see openapi.py); errors are JSON
(errors.py); requests authenticate with an API token or the session cookie (monitor/auth/tokens.py).

The blueprint lives in ``blueprint``; importing this package imports every module that registers views on
it (``create_app`` does).
"""

from . import (  # noqa: F401  (each registers its views)
    cases,
    checklist_resources,
    errors,
    follow_up,
    hearings,
    members,
    paging,
    recommendations,
    resources,
    reviews,
    routes,
    spec,
    sync,
)
from .blueprint import bp

__all__ = ["bp"]
