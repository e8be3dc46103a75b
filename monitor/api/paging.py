"""Pagination of every list the API answers: ``?page=N&limit=M``, a ``Link`` to the next page, the total.

Every ``GET`` under ``/api/v1`` whose answer is a JSON array is a list, and every list is paged here, after
the view (so no list can forget it, whichever module adds it): the body stays the array — the page asked
for — and the headers say ``X-Total-Count`` and, when there is more, ``Link: <…?page=N+1&limit=M>;
rel="next"``. ``limit`` is at most :data:`MAX_LIMIT` (default :data:`DEFAULT_LIMIT`); a page past the end is
an empty array. An unreadable ``page`` or ``limit`` is 400 naming it. The OpenAPI document gets the two
parameters, the two headers and the 400 on every such operation (:func:`openapi.with_paging`).

Views work on the whole list (they already read every row to check permissions on each), so a page costs
the same as the list; what paging saves is the transfer and the client's memory.
"""

import json

from flask import current_app, request
from flask_babel import gettext as _

from .blueprint import bp
from .errors import ApiError, api_error
from .openapi import DEFAULT_LIMIT, MAX_LIMIT


def _number(name: str, default: int, maximum: int | None = None) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    if not text.isdigit() or len(text) > 9 or int(text) < 1 or (maximum and int(text) > maximum):
        message = (
            _("Ask for a page from 1 on.")
            if name == "page"
            else _("Ask for 1 to %(n)d records a page.", n=MAX_LIMIT)
        )
        raise ApiError(400, message, name)
    return int(text)


def page_of() -> tuple[int, int]:
    """(page, limit) from the query string; ApiError 400 when one cannot be read."""
    return _number("page", 1), _number("limit", DEFAULT_LIMIT, MAX_LIMIT)


@bp.after_request
def paged(response):
    """Cut a list answer to the page asked for (see the module's description)."""
    if request.method != "GET" or response.status_code != 200 or not response.is_json:
        return response
    if response.direct_passthrough or not response.get_data().startswith(b"["):
        return response
    try:
        page, limit = page_of()
    except ApiError as error:
        body, status = api_error(error)
        body.status_code = status
        return body
    rows = json.loads(response.get_data())
    start = (page - 1) * limit
    response.set_data(current_app.json.dumps(rows[start : start + limit]))
    response.headers["X-Total-Count"] = str(len(rows))
    if start + limit < len(rows):
        args = {**request.args.to_dict(), "page": str(page + 1), "limit": str(limit)}
        query = "&".join(f"{key}={value}" for key, value in sorted(args.items()))
        response.headers["Link"] = f'<{request.base_url}?{query}>; rel="next"'
    return response
