"""The JSON API with tokens: every resource round trip, versions, errors, and the pages' permissions."""

import jsonschema
import pytest
import schemathesis
from schemathesis.specs.openapi.definitions import OPENAPI_31

from monitor.api import openapi
from tests.conftest import make_user, setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

RECORD_KEYS = {"uuid", "version", "created_at", "updated_at"}


@pytest.fixture
def api(app, people):
    """lena leads a mission with a trial of three defendants; oleg observes it and has a draft hearing."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("ada", "lena", "oleg", "olga")}

    def call(who, method, path, **kwargs):
        headers = {**bearer(secrets[who]), **kwargs.pop("headers", {})}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    return {"call": call, "setup": setup, "hearing": hearing, "client": client}


def no_integer_ids(data):
    """Integer keys never leave the machine: no "id" or "*_id" holding a number, anywhere."""
    if isinstance(data, dict):
        for key, value in data.items():
            assert not ((key == "id" or key.endswith("_id")) and isinstance(value, int)), key
            no_integer_ids(value)
    elif isinstance(data, list):
        for value in data:
            no_integer_ids(value)


# Missions, trials, defendants ----------------------------------------------------------------------------


def test_a_lead_creates_reads_lists_and_changes_a_mission(api):
    call = api["call"]
    response = call(
        "lena", "post", "/missions", json={"name": "Oil workers", "country": "KZ", "start_date": "2026-01-10"}
    )
    assert response.status_code == 201
    mission = response.get_json()
    assert mission.keys() >= RECORD_KEYS and mission["version"] == 1
    assert mission["checklist"] == "fair_trial:2" and mission["start_date"] == "2026-01-10"
    assert call("lena", "get", f"/missions/{mission['uuid']}").get_json() == mission
    assert {m["name"] for m in call("lena", "get", "/missions").get_json()} == {"Oil workers", "Test mission"}
    changed = call(
        "lena", "patch", f"/missions/{mission['uuid']}", json={"country": "Kazakhstan", "version": 1}
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["country"] == "Kazakhstan" and body["name"] == "Oil workers" and body["version"] == 2
    assert body["start_date"] == "2026-01-10"  # fields not sent stay as they were
    assert call("olga", "get", f"/missions/{mission['uuid']}").status_code == 403
    no_integer_ids(body)


def test_a_lead_adds_and_changes_trials_and_defendants(api):
    call, mission = api["call"], api["setup"]["mission"]["uuid"]
    trial = call(
        "lena", "post", f"/missions/{mission}/trials", json={"title": "Case 2", "court": "City court"}
    )
    assert trial.status_code == 201 and trial.get_json()["status"] == "ongoing"  # the form's default
    trial = trial.get_json()
    assert trial["mission"] == mission
    assert [t["title"] for t in call("lena", "get", f"/missions/{mission}/trials").get_json()] == [
        "Case 2",
        "Test trial",
    ]
    patched = call("lena", "patch", f"/trials/{trial['uuid']}", json={"status": "appeal"}).get_json()
    assert patched["status"] == "appeal" and patched["court"] == "City court" and patched["version"] == 2

    created = call(
        "lena",
        "post",
        f"/trials/{trial['uuid']}/defendants",
        json={
            "name": "Aigul",
            "age": 34,
            "apprehended_at": "2026-01-01T08:00",
            "first_judge_at": "2026-01-04T10:00",
            "verdict": "convicted",
            "conviction_basis": ["confession", "anonymous_witness"],
        },
    )
    assert created.status_code == 201
    defendant = created.get_json()
    assert defendant["custody_hours"] == {"to_registration": None, "to_judge": 74.0}
    assert defendant["conviction_basis"] == ["confession", "anonymous_witness"] and defendant["position"] == 1
    changed = call(
        "lena", "patch", f"/defendants/{defendant['uuid']}", json={"sentence_months": 60, "age": None}
    )
    assert changed.status_code == 200
    assert changed.get_json()["sentence_months"] == 60 and changed.get_json()["age"] is None
    assert changed.get_json()["conviction_basis"] == ["confession", "anonymous_witness"]
    listed = call("lena", "get", f"/trials/{trial['uuid']}/defendants").get_json()
    assert [d["name"] for d in listed] == ["Aigul"] and listed[0]["version"] == 2
    no_integer_ids(listed)


def test_observers_read_their_trials_and_defendants_but_change_nothing(api):
    call, trial = api["call"], api["setup"]["trial"]["uuid"]
    assert [t["uuid"] for t in call("oleg", "get", "/trials").get_json()] == [trial]
    assert call("oleg", "get", f"/trials/{trial}").status_code == 200
    assert len(call("oleg", "get", f"/trials/{trial}/defendants").get_json()) == 3
    assert call("oleg", "patch", f"/trials/{trial}", json={"title": "mine now"}).status_code == 403
    assert call("oleg", "post", f"/trials/{trial}/defendants", json={"name": "x"}).status_code == 403
    assert call("oleg", "get", "/missions").status_code == 403
    defendant = api["setup"]["defendants"][0]["uuid"]
    assert call("oleg", "get", f"/defendants/{defendant}").status_code == 403  # as on the pages
    assert call("olga", "get", f"/trials/{trial}").status_code == 403
    assert call("olga", "get", "/trials").get_json() == []
    assert {t["uuid"] for t in call("lena", "get", "/trials").get_json()} == {trial}


# Versions and errors ---------------------------------------------------------------------------------------


def test_a_stale_version_is_a_409_and_changes_nothing(api):
    call, mission = api["call"], api["setup"]["mission"]["uuid"]
    assert (
        call("lena", "patch", f"/missions/{mission}", json={"country": "A", "version": 1}).status_code == 200
    )
    stale = call("lena", "patch", f"/missions/{mission}", json={"country": "B", "version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["field"] == "version" and stale.get_json()["version"] == 2
    by_header = call(
        "lena", "patch", f"/missions/{mission}", json={"country": "B"}, headers={"If-Match": '"1"'}
    )
    assert by_header.status_code == 409
    assert call("lena", "get", f"/missions/{mission}").get_json()["country"] == "A"
    current = call("lena", "patch", f"/missions/{mission}", json={"country": "B"}, headers={"If-Match": "2"})
    assert current.status_code == 200 and current.get_json()["version"] == 3


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        ("/missions", {}, "name", "This field is required."),
        ("/missions", {"name": "   "}, "name", "This field is required."),
        (
            "/missions",
            {"name": "M", "start_date": "2026-02-01", "end_date": "2026-01-01"},
            "end_date",
            "The end date is before the start date.",
        ),
        ("/missions", {"name": "M", "start_date": "yesterday"}, "start_date", "Not a valid date value."),
        ("/missions", {"name": "M", "checklist": "nope:9"}, "checklist", "Not a valid choice."),
        ("/missions", {"name": "M", "boss": "me"}, "boss", "Unknown field."),
        ("/missions", {"name": 7}, "name", "Enter text."),
        ("/missions", {"name": "x" * 201}, "name", "At most 200 characters."),
        ("/missions/{mission}/trials", {"title": "T", "status": "won"}, "status", "Not a valid choice."),
        ("/trials/{trial}/defendants", {"name": "D", "age": 5}, "age", "An age from 10 to 120."),
        ("/trials/{trial}/defendants", {"name": "D", "age": "30"}, "age", "Enter a whole number."),
        ("/trials/{trial}/defendants", {"name": "D", "age": True}, "age", "Enter a whole number."),
        (
            "/trials/{trial}/defendants",
            {"name": "D", "conviction_basis": ["confession"]},
            "conviction_basis",
            "Only a conviction rests on evidence; set the verdict to convicted first.",
        ),
        (
            "/trials/{trial}/defendants",
            {"name": "D", "apprehended_at": "2026-01-02T10:00", "arrest_registered_at": "2026-01-01T10:00"},
            "arrest_registered_at",
            "The arrest cannot be registered before the actual apprehension.",
        ),
    ],
)
def test_an_unacceptable_value_is_a_422_naming_the_field_with_the_pages_message(
    api, db, path, body, field, message
):
    setup = api["setup"]
    path = path.format(mission=setup["mission"]["uuid"], trial=setup["trial"]["uuid"])
    before = db["audit"].count
    response = api["call"]("lena", "post", path, json=body)
    assert response.status_code == 422
    assert response.get_json() == {"message": message, "field": field}
    assert db["audit"].count == before


def test_a_change_is_checked_whole_and_refused_whole(api, db):
    call, defendant = api["call"], api["setup"]["defendants"][0]["uuid"]
    call("lena", "patch", f"/defendants/{defendant}", json={"apprehended_at": "2026-01-05T10:00"})
    response = call(
        "lena", "patch", f"/defendants/{defendant}", json={"first_judge_at": "2026-01-01T10:00", "age": 40}
    )
    assert response.status_code == 422 and response.get_json()["field"] == "first_judge_at"
    assert call("lena", "get", f"/defendants/{defendant}").get_json()["age"] is None


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ("{not json", "application/json", "The request body is not valid JSON."),
        ("[1, 2]", "application/json", "Send a JSON object in the request body."),
        ('"text"', "application/json", "Send a JSON object in the request body."),
        ("", "application/json", "Send a JSON object in the request body."),
        ('{"name": "M"}', "text/plain", "Send JSON, with the header Content-Type: application/json."),
        (
            "name=M",
            "application/x-www-form-urlencoded",
            "Send JSON, with the header Content-Type: application/json.",
        ),
        ("[" * 100000, "application/json", "The request body is not valid JSON."),
        (b'{"name": "\xff"}', "application/json", "The request body is not valid JSON."),
        ('{"name": "\\ud800"}', "application/json", "The request contains text that is not valid Unicode."),
    ],
)
def test_an_unreadable_body_is_a_400(api, db, data, content_type, message):
    response = api["call"]("lena", "post", "/missions", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["message"] == message
    assert db["mission"].count == 1


def test_errors_are_json_for_unknown_records_routes_and_methods(api):
    call = api["call"]
    missing = call("lena", "get", "/missions/0b0e2f7c-7d5a-4a57-9a0e-1d2c3b4a5f60")
    assert (
        missing.status_code == 404 and missing.get_json()["field"] is None and missing.get_json()["message"]
    )
    assert call("lena", "get", "/missions/not-a-uuid").status_code == 404
    nowhere = call("lena", "get", "/no/such/thing")
    assert nowhere.status_code == 404 and nowhere.mimetype == "application/json"
    wrong = call("lena", "delete", "/missions")
    assert wrong.status_code == 405 and wrong.mimetype == "application/json"
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert call("lena", "get", "/me").headers["Cache-Control"] == "no-store"


def test_an_anonymous_request_is_a_401_in_json(app, people):
    response = app.test_client().get("/api/v1/missions")
    assert response.status_code == 401 and response.get_json()["field"] is None


# Hearings ---------------------------------------------------------------------------------------------------


def test_an_observer_records_a_whole_hearing_through_the_api(api, db):
    call, trial = api["call"], api["setup"]["trial"]["uuid"]
    defendants = [d["uuid"] for d in api["setup"]["defendants"]]
    started = call("oleg", "post", f"/trials/{trial}/hearings", json={"hearing_date": "2026-11-21"})
    assert started.status_code == 201
    hearing = started.get_json()
    assert hearing["status"] == "draft" and hearing["hearing_date"] == "2026-11-21"
    assert [p["present"] for p in hearing["presence"]] == [True, True, True]
    url = f"/hearings/{hearing['uuid']}"

    witness = call(
        "oleg",
        "post",
        f"{url}/witnesses",
        json={"anonymous": True, "identity": "Officer K.", "against": defendants[:2]},
    )
    assert witness.status_code == 201
    witness = witness.get_json()
    assert (
        witness["identity"] == "Officer K."
        and witness["label"] == "W1"
        and witness["against"] == sorted(defendants[:2])  # kept sorted, as the page does
    )
    allegation = call(
        "oleg", "post", f"{url}/allegations", json={"defendant_uuid": defendants[0], "methods": ["beating"]}
    ).get_json()
    assert allegation["methods"] == ["beating"] and allegation["defendant_uuid"] == defendants[0]
    note = call(
        "oleg", "post", f"{url}/notes", json={"text": "  Judge entered  ", "typed_at": "2020-01-01T00:00:00Z"}
    )
    assert note.status_code == 201 and note.get_json()["text"] == "Judge entered"
    assert note.get_json()["typed_at"] > "2026"  # an implausible typing time becomes now, as on the page

    saved = call(
        "oleg",
        "patch",
        url,
        json={
            "changes": [
                {"target": "hearing", "field": "courtroom", "value": "4"},
                {"target": "presence", "defendant": defendants[2], "value": False},
                {
                    "target": "answer",
                    "item": "informed_of_reasons",
                    "subject": defendants[0],
                    "field": "value",
                    "value": "no",
                },
                {"target": "witness", "uuid": witness["uuid"], "field": "side", "value": "prosecution"},
                {
                    "target": "allegation",
                    "uuid": allegation["uuid"],
                    "field": "stage",
                    "value": "police_custody",
                },
            ]
        },
    )
    assert saved.status_code == 200 and saved.get_json()["errors"] == []
    document = call("oleg", "get", url).get_json()
    assert document["courtroom"] == "4" and document["version"] == saved.get_json()["version"]
    assert [p["present"] for p in document["presence"]] == [True, True, False]
    assert [(a["subject"], a["item"], a["value"]) for a in document["answers"]] == [
        (defendants[0], "informed_of_reasons", "no")
    ]
    assert (
        document["witnesses"][0]["side"] == "prosecution"
        and document["allegations"][0]["stage"] == "police_custody"
    )
    assert [n["text"] for n in document["notes"]] == ["Judge entered"]
    no_integer_ids(document)

    submitted = call("oleg", "post", f"{url}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert any(h["status"] == "submitted" for h in call("oleg", "get", "/hearings").get_json())
    locked = call(
        "oleg", "patch", url, json={"changes": [{"target": "hearing", "field": "courtroom", "value": "5"}]}
    )
    assert locked.status_code == 409
    assert call("oleg", "post", f"{url}/notes", json={"text": "late"}).status_code == 409
    assert call("oleg", "post", f"{url}/submit").status_code == 409
    assert call("lena", "get", url).get_json()["courtroom"] == "4"


def test_refused_changes_are_listed_and_the_valid_ones_saved(api):
    call, url = api["call"], f"/hearings/{api['hearing']['uuid']}"
    response = call(
        "oleg",
        "patch",
        url,
        json={
            "changes": [
                {"id": "a", "target": "hearing", "field": "start_time", "value": "25:99"},
                {"target": "hearing", "field": "judge", "value": "Judge B."},
                {"target": "hearing", "field": "no_such_field", "value": "x"},
            ]
        },
    )
    assert response.status_code == 200
    assert response.get_json()["errors"] == [
        {"index": 0, "id": "a", "field": "start_time", "message": "Enter a time as HH:MM."},
        {"index": 2, "id": None, "field": "no_such_field", "message": "This field could not be saved here."},
    ]
    assert call("oleg", "get", url).get_json()["judge"] == "Judge B."
    everything_refused = call(
        "oleg", "patch", url, json={"changes": [{"target": "hearing", "field": "hearing_date", "value": ""}]}
    )
    assert everything_refused.status_code == 422
    assert everything_refused.get_json()["field"] == "hearing_date"
    assert everything_refused.get_json()["message"] == "A hearing needs a date."
    for body, field in [
        ({"changes": "x"}, "changes"),
        ({"changes": [1]}, "changes"),
        ({"changes": [], "x": 1}, "x"),
    ]:
        response = call("oleg", "patch", url, json=body)
        assert response.status_code == 422 and response.get_json()["field"] == field


def test_a_hearing_change_with_a_stale_version_is_refused(api):
    call, url = api["call"], f"/hearings/{api['hearing']['uuid']}"
    version = call("oleg", "get", url).get_json()["version"]
    change = {"changes": [{"target": "hearing", "field": "judge", "value": "J"}]}
    assert call("oleg", "patch", url, json={**change, "version": version}).status_code == 200
    stale = call("oleg", "patch", url, json={**change, "version": version})
    assert stale.status_code == 409 and stale.get_json()["version"] == version + 1


def test_a_witness_with_a_bad_field_is_not_added_at_all(api, db):
    call, url = api["call"], f"/hearings/{api['hearing']['uuid']}"
    response = call("oleg", "post", f"{url}/witnesses", json={"label": "W9", "side": "jury"})
    assert response.status_code == 422 and response.get_json()["field"] == "side"
    assert call("oleg", "post", f"{url}/witnesses", json={"shoe_size": 9}).get_json()["field"] == "shoe_size"
    assert db["witness"].count == 0


def test_another_observer_and_the_leads_cannot_write_someone_elses_hearing(api):
    call, hearing = api["call"], api["hearing"]["uuid"]
    change = {"changes": [{"target": "hearing", "field": "judge", "value": "X"}]}
    assert call("olga", "get", f"/hearings/{hearing}").status_code == 403
    assert call("olga", "patch", f"/hearings/{hearing}", json=change).status_code == 403
    assert call("olga", "post", f"/hearings/{hearing}/notes", json={"text": "x"}).status_code == 403
    assert call("lena", "get", f"/hearings/{hearing}").status_code == 200  # leads read
    assert call("lena", "patch", f"/hearings/{hearing}", json=change).status_code == 403
    assert call("lena", "post", f"/hearings/{hearing}/submit").status_code == 403
    trial = api["setup"]["trial"]["uuid"]
    assert (
        call("olga", "post", f"/trials/{trial}/hearings", json={"hearing_date": "2026-11-21"}).status_code
        == 403
    )
    assert (
        call("lena", "post", f"/trials/{trial}/hearings", json={"hearing_date": "2026-11-21"}).status_code
        == 403
    )


def test_an_anonymous_witness_identity_is_only_for_leads_and_its_recorder(app, api):
    call, url = api["call"], f"/hearings/{api['hearing']['uuid']}"
    call("oleg", "post", f"{url}/witnesses", json={"anonymous": True, "identity": "Captain X"})
    call("oleg", "post", f"{url}/witnesses", json={"identity": "Dr Y"})
    assert [w["identity"] for w in call("oleg", "get", url).get_json()["witnesses"]] == ["Captain X", "Dr Y"]
    assert [w["identity"] for w in call("lena", "get", url).get_json()["witnesses"]] == ["Captain X", "Dr Y"]
    shown_to_admin = call("ada", "get", url).get_json()["witnesses"]
    assert [(w["identity"], w["identity_hidden"]) for w in shown_to_admin] == [(None, True), ("Dr Y", False)]
    assert "Captain X" not in call("ada", "get", url).get_data(as_text=True)


def test_a_trials_hearings_are_all_for_leads_and_their_own_for_an_observer(app, api):
    call, trial = api["call"], api["setup"]["trial"]
    start_hearing(app, api["setup"], observer=make_user(app, "oscar", "observer"))
    assert len(call("lena", "get", f"/trials/{trial['uuid']}/hearings").get_json()) == 2
    own = call("oleg", "get", f"/trials/{trial['uuid']}/hearings").get_json()
    assert [h["uuid"] for h in own] == [api["hearing"]["uuid"]] and own[0]["observer_name"] == "oleg"


# The OpenAPI document ---------------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
    schemathesis.openapi.from_dict(document).validate()


def test_every_api_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in described:
                missing.append(f"{method} {path}")
    assert missing == [], "describe these in the OpenAPI document (monitor.api.openapi.register)"


def test_every_reference_in_the_document_resolves(client):
    document = client.get("/api/v1/openapi.json").get_json()

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = document["components"]["schemas"]
    assert {ref.removeprefix("#/components/schemas/") for ref in refs(document)} <= schemas.keys()


def test_other_modules_add_their_paths_through_the_registry(app, client, monkeypatch):
    monkeypatch.setattr(openapi, "PATHS", {k: dict(v) for k, v in openapi.PATHS.items()})
    monkeypatch.setattr(openapi, "SCHEMAS", dict(openapi.SCHEMAS))
    push = {"post": {"operationId": "pushBundle", "responses": {"200": {"description": "Imported."}}}}
    openapi.register({"/sync/test-push": push}, {"Bundle": {"type": "string"}})
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["paths"]["/sync/test-push"] == push and document["components"]["schemas"]["Bundle"]
    openapi.register({"/sync/test-push": push})  # the same description again is harmless
    with pytest.raises(ValueError):
        openapi.register({"/sync/test-push": {"post": {"operationId": "other", "responses": {}}}})
    with pytest.raises(ValueError):
        openapi.register({}, {"Bundle": {"type": "integer"}})


def test_api_responses_match_the_documented_schemas(api, client):
    """A quick check of real responses against the document (schemathesis does many more)."""
    document = client.get("/api/v1/openapi.json").get_json()
    call, hearing = api["call"], api["hearing"]["uuid"]
    call("oleg", "post", f"/hearings/{hearing}/witnesses", json={"anonymous": True})
    call("oleg", "post", f"/hearings/{hearing}/notes", json={"text": "n"})

    def check(response, name):
        jsonschema.validate(response.get_json(), {**document, "$ref": f"#/components/schemas/{name}"})

    check(call("lena", "get", f"/hearings/{hearing}"), "HearingDocument")
    check(call("ada", "get", f"/hearings/{hearing}"), "HearingDocument")
    check(call("lena", "get", f"/missions/{api['setup']['mission']['uuid']}"), "Mission")
    check(call("lena", "get", f"/defendants/{api['setup']['defendants'][0]['uuid']}"), "Defendant")
    check(call("lena", "get", "/me"), "Me")
    check(call("lena", "get", "/nowhere"), "Error")
