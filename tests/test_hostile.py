"""Hostile input, generated: random, oversized, malformed and script-bearing values posted to every form
and JSON endpoint. Never a server error; every script payload comes back escaped.

CI runs a few examples per endpoint; `make stress` runs thousands (HOSTILE_EXAMPLES).
"""

import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.audit import Actor
from monitor.db import connect
from monitor.observe import records as observe
from tests.conftest import csrf_token, login, make_app, make_user, setup_trial, start_hearing

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "8"))
SCRIPT = "<script>alert('x')</script>"
NASTY = st.sampled_from(
    [
        SCRIPT,
        "\"'><img src=x onerror=alert(1)>",
        "\x00",
        "\u202e",
        "😀" * 50,
        "x" * 70000,
        "-1",
        "1e309",
        "2026-13-45",
        "9999-12-31T25:61",
        "../../etc/passwd",
        "' OR 1=1 --",
        "",
        " ",
        "\r\n",
        "NaN",
        "[]",
        "{}",
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=300))
FORM = st.dictionaries(
    st.sampled_from(
        [
            "name",
            "title",
            "username",
            "password",
            "confirm",
            "display_name",
            "role",
            "language",
            "names",
            "decision",
            "comment",
            "answer",
            "reason",
            "hearing_date",
            "checklist",
            "start_date",
            "end_date",
            "apprehended_at",
            "arrest_registered_at",
            "age",
            "verdict",
            "conviction_basis",
            "user",
            "court",
            "edit-role",
            "edit-active",
            "profile-language",
            "password-current",
            "next",
            "status",
            "sentence_months",
        ]
    ),
    VALUE,
    max_size=8,
)
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), VALUE),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
CHANGE = st.fixed_dictionaries(
    {
        "id": st.text(max_size=5),
        "target": st.sampled_from(["hearing", "answer", "witness", "allegation", "presence", "user", ""]),
        "field": st.sampled_from(["courtroom", "value", "note", "identity", "methods", "status", "id", ""]),
        "value": JSON_VALUE,
    },
    optional={"subject": VALUE, "item": VALUE, "uuid": VALUE, "defendant": VALUE},
)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture
def world(app):
    setup = setup_trial(app)
    make_user(app, "ada", "admin")
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    witness = observe.add_witness(db, Actor(name="t"), hearing, setup["observer"]["id"])
    db.close()
    lead, observer = app.test_client(), app.test_client()
    login(lead, "lena")
    login(observer, "oleg")
    ids = {
        "mission": setup["mission"]["uuid"],
        "trial": setup["trial"]["uuid"],
        "defendant": setup["defendants"][0]["uuid"],
        "hearing": hearing["uuid"],
        "witness": witness["uuid"],
        "user": setup["observer"]["uuid"],
    }
    return {"lead": lead, "observer": observer, "ids": ids, "tokens": {}}


LEAD_FORMS = [
    "/missions/new",
    "/missions/{mission}/edit",
    "/missions/{mission}/members",
    "/missions/{mission}/trials/new",
    "/trials/{trial}/edit",
    "/trials/{trial}/observers",
    "/trials/{trial}/defendants/new",
    "/defendants/{defendant}",
    "/hearings/{hearing}/review",
    "/profile",
    "/language",
]
OBSERVER_FORMS = [
    "/trials/{trial}/hearings",
    "/hearings/{hearing}/witnesses",
    "/hearings/{hearing}/allegations",
    "/hearings/{hearing}/correct",
    "/hearings/{hearing}/witness/{witness}/remove",
    "/profile",
]


def check(response):
    """No server error; in a page, no script payload unescaped (JSON may carry any text: it is data, served
    as application/json with nosniff, and the pages insert it with textContent)."""
    assert response.status_code < 500, response.status_code
    if response.mimetype == "text/html":
        assert SCRIPT not in response.get_data(as_text=True), "a script payload came back unescaped"
    else:
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def token(world, who):
    if who not in world["tokens"]:
        world["tokens"][who] = csrf_token(world[who], "/")
    return world["tokens"][who]


@pytest.mark.parametrize(
    ("who", "path"), [("lead", p) for p in LEAD_FORMS] + [("observer", p) for p in OBSERVER_FORMS]
)
@SETTINGS
@given(form=FORM)
def test_forms_survive_hostile_input(world, who, path, form):
    client = world[who]
    url = path.format(**world["ids"])
    check(client.post(url, data={**form, "csrf_token": token(world, who)}))
    check(client.get(url if "remove" not in url else "/"))


@SETTINGS
@given(changes=st.lists(st.one_of(CHANGE, JSON_VALUE), max_size=6))
def test_autosave_survives_hostile_json(world, changes):
    client = world["observer"]
    url = "/hearings/{hearing}/save".format(**world["ids"])
    response = client.post(url, json={"changes": changes}, headers={"X-CSRFToken": token(world, "observer")})
    check(response)
    check(client.get("/hearings/{hearing}".format(**world["ids"])))


@SETTINGS
@given(payload=JSON_VALUE, typed=VALUE)
def test_notes_survive_hostile_json(world, payload, typed):
    client = world["observer"]
    url = "/hearings/{hearing}/notes".format(**world["ids"])
    headers = {"X-CSRFToken": token(world, "observer")}
    check(client.post(url, json={"text": payload, "typed_at": typed}, headers=headers))
    check(client.post(url, data=str(payload), headers={**headers, "Content-Type": "application/json"}))


@SETTINGS
@given(
    args=st.dictionaries(
        st.sampled_from(
            ["status", "trial", "court", "from", "to", "observer", "judge", "path", "person", "by", "format"]
        ),
        VALUE,
        max_size=5,
    )
)
def test_findings_filters_survive_hostile_query_strings(world, args):
    client = world["lead"]
    mission = world["ids"]["mission"]
    for url in (
        f"/missions/{mission}/findings",
        f"/missions/{mission}/findings/matrix",
        f"/missions/{mission}/findings/compare",
        f"/missions/{mission}/findings/evidence",
        f"/api/v1/missions/{mission}/findings",
    ):
        check(client.get(url, query_string=args))


# Resource limits (issue 12) ----------------------------------------------------------------------------

SMALL_LIMIT, SMALL_BUNDLE_LIMIT = 64 * 1024, 128 * 1024
BODY_TARGETS = [
    ("observer", "/login"),
    ("lead", "/missions/new"),
    ("lead", "/profile"),
    ("observer", "/hearings/{hearing}/save"),
    ("observer", "/hearings/{hearing}/notes"),
    ("lead", "/api/v1/missions"),
    ("lead", "/sync/import"),
    ("lead", "/api/v1/sync/push"),
]


@pytest.fixture
def small_world(tmp_path):
    """The app with small limits (64 KiB a request, 128 KiB a bundle), so examples stay cheap."""
    folder = tmp_path / "small"
    folder.mkdir()
    app = make_app(folder, MAX_CONTENT_LENGTH=SMALL_LIMIT, MAX_BUNDLE_BYTES=SMALL_BUNDLE_LIMIT)
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    lead, observer = app.test_client(), app.test_client()
    login(lead, "lena")
    login(observer, "oleg")
    return {
        "app": app,
        "lead": lead,
        "observer": observer,
        "ids": {"hearing": hearing["uuid"]},
        "tokens": {"lead": csrf_token(lead, "/"), "observer": csrf_token(observer, "/")},
    }


def _body(kind: str, size: int, token: str) -> tuple[bytes, str]:
    if kind == "form":
        head = urlencode({"csrf_token": token, "name": ""}).encode()
        return head + b"x" * max(0, size - len(head)), "application/x-www-form-urlencoded"
    if kind == "multipart":
        boundary = "hostileboundary"
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        head += f'--{boundary}\r\nContent-Disposition: form-data; name="bundle"; filename="b"\r\n\r\n'
        tail = f"\r\n--{boundary}--\r\n".encode()
        filler = b"x" * max(0, size - len(head) - len(tail))
        return head.encode() + filler + tail, f"multipart/form-data; boundary={boundary}"
    if kind == "json":
        return json.dumps({"text": "x" * max(0, size - 12)}).encode(), "application/json"
    return b"x" * size, "application/octet-stream"


@SETTINGS
@given(
    target=st.sampled_from(BODY_TARGETS),
    kind=st.sampled_from(["form", "multipart", "json", "octet"]),
    offset=st.sampled_from([-1, 0, 1, 2, 4096, SMALL_BUNDLE_LIMIT]),
)
def test_a_body_past_the_limit_is_a_413_with_a_message_and_changes_nothing(small_world, target, kind, offset):
    who, path = target
    client, token = small_world[who], small_world["tokens"][who]
    limit = SMALL_BUNDLE_LIMIT if path in ("/sync/import", "/api/v1/sync/push") else SMALL_LIMIT
    body, content_type = _body(kind, limit + offset, token)
    db = connect(small_world["app"].config["DATABASE"])
    before = db["audit"].count
    response = client.post(
        path.format(**small_world["ids"]),
        data=body,
        headers={"Content-Type": content_type, "X-CSRFToken": token},
    )
    check(response)
    if len(body) > limit:
        assert response.status_code == 413
        if path.startswith("/api/") or kind == "json":
            assert "larger than this server accepts" in response.get_json()["message"]
        else:
            assert "larger than this server accepts" in response.get_data(as_text=True)
        assert db["audit"].count == before
    else:
        assert response.status_code != 413
    db.close()


@SETTINGS
@given(args=st.dictionaries(st.sampled_from(["before", "verify", "page"]), VALUE, max_size=3))
def test_the_audit_page_survives_hostile_query_strings(world, args):
    admin = world.setdefault("admin", None)
    if admin is None:
        admin = world["admin"] = world["lead"].application.test_client()
        login(admin, "ada")
    response = admin.get("/admin/audit", query_string=args)
    check(response)
    assert response.status_code == 200
