"""The OpenAPI 3.1 document of ``/api/v1``, assembled from what each API module registers.

Each module describes its own endpoints next to nothing else: it calls :func:`register` once, at import,
with its paths (keyed by the path below ``/api/v1``, in OpenAPI's ``{param}`` form) and the component
schemas they refer to. :func:`document` puts them together with the shared error schema and the two ways
to authenticate. A test checks that every ``/api/v1`` route appears in the document.
"""

PATHS: dict[str, dict] = {}
SCHEMAS: dict = {}  # name -> schema, or a function that makes it

ERROR = {
    "type": "object",
    "required": ["message", "field"],
    "properties": {
        "message": {"type": "string", "description": "What went wrong, in the user's language."},
        "field": {
            "type": ["string", "null"],
            "description": "The field, parameter or header at fault, when there is one.",
        },
        "version": {"type": "integer", "description": "With 409: the record's current version."},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/RefusedChange"}},
    },
}
REFUSED_CHANGE = {
    "type": "object",
    "required": ["index", "message"],
    "properties": {
        "index": {"type": "integer", "description": "Position of the change in the batch sent."},
        "id": {"type": ["string", "null"], "description": "The client's id of the change, if it gave one."},
        "field": {"type": ["string", "null"]},
        "message": {"type": "string"},
    },
}
DESCRIPTIONS = {
    400: "The request could not be read (malformed JSON, not an object, a bad header).",
    401: "No valid credentials: the API token is missing, unknown, revoked or expired.",
    403: "Not allowed for this user, or a read-only token was used to write.",
    404: "No such record (or not one this user could ever see).",
    409: "The record changed since the version given, or it is locked (e.g. a submitted hearing).",
    413: "The request body is too large.",
    422: "A value is not acceptable; `field` names the first one, with the same message as the pages.",
    429: "Too many refused tokens from this address; wait a minute.",
}


def register(paths: dict[str, dict], schemas: dict | None = None) -> None:
    """Add endpoints (``{"/sync/push": {"post": {...}}}``) and component schemas to the document.

    A path may gain methods from several modules; describing one method or one schema name twice
    differently is a mistake and raises ``ValueError``. A schema may be a function that makes it: it is
    called for each document (the declared record types are read when the document is asked for).
    """
    for path, operations in paths.items():
        existing = PATHS.setdefault(path, {})
        for method, operation in operations.items():
            if method in existing and existing[method] != operation:
                raise ValueError(f"{method.upper()} {path} is already described")
            existing[method] = operation
    for name, schema in (schemas or {}).items():
        if name in SCHEMAS and SCHEMAS[name] != schema:
            raise ValueError(f"schema {name} is already described")
        SCHEMAS[name] = schema


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*codes: int) -> dict:
    """Responses for these error statuses, each with the shared Error body."""
    return {str(code): json_response(DESCRIPTIONS[code], ref("Error")) for code in codes}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def path_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "format": "uuid"},
    }


def document(server_url: str, session_cookie: str) -> dict:
    """The whole OpenAPI 3.1 document, paths in alphabetical order; every list with its paging."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trial monitor API",
            "version": "1",
            "description": (
                "Missions, trials, defendants, hearings and their observations, and mission findings. "
                "Authenticate with a personal API token (create one on your profile page) sent as "
                "`Authorization: Bearer <token>`. The same permissions apply as on the pages. Records are "
                "addressed by uuid and carry `version`: send it back with a change (or as `If-Match`) and "
                'a stale version is answered with 409. Errors are `{"message": …, "field": …}`. '
                "See docs/api.md."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": with_paging({path: PATHS[path] for path in sorted(PATHS)}),
        "components": {
            "schemas": {
                "Error": ERROR,
                "RefusedChange": REFUSED_CHANGE,
                **{name: schema() if callable(schema) else schema for name, schema in SCHEMAS.items()},
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (`tm_…`, read-only or read-write) from the "
                    "profile page.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": "The session cookie of a signed-in user; state changes then need the "
                    "`X-CSRFToken` header as the pages send it.",
                },
            },
        },
    }


# Paging (applied to every list by paging.py) -----------------------------------------------------------
DEFAULT_LIMIT = 100
MAX_LIMIT = 500

PAGE_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "description": "Which page, from 1 (default 1); past the end: an empty list.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Records a page: 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    },
]
PAGE_HEADERS = {
    "X-Total-Count": {
        "description": "How many records the whole list has.",
        "schema": {"type": "string", "pattern": r"^\d+$"},
    },
    "Link": {
        "description": 'The next page, as <url>; rel="next" (absent on the last page).',
        "schema": {"type": "string"},
    },
}


def with_paging(paths: dict) -> dict:
    """``paths`` with the paging parameters, headers and 400 on every GET that answers an array."""
    described = {}
    for path, operations in paths.items():
        described[path] = dict(operations)
        get = operations.get("get")
        ok = (get or {}).get("responses", {}).get("200", {})
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("type") != "array":
            continue
        names = {p.get("name") for p in get.get("parameters", [])}
        described[path]["get"] = {
            **get,
            "parameters": [
                *get.get("parameters", []),
                *(p for p in PAGE_PARAMETERS if p["name"] not in names),
            ],
            "responses": {
                **errors(400),
                **get["responses"],
                "200": {**ok, "headers": {**PAGE_HEADERS, **ok.get("headers", {})}},
            },
        }
    return described
