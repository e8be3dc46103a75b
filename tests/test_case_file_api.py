"""The case file through the JSON API: read it, change one fact with the version read, 409 when stale."""

import jsonschema
import pytest

from tests.conftest import setup_trial, start_hearing
from tests.test_api import no_integer_ids
from tests.test_tokens import bearer, make_token

KEY = "family_notified"


@pytest.fixture
def api(app, people):
    """lena leads a mission with a trial of three defendants; oleg observes it (a draft observation)."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("ada", "lena", "oleg", "olga")}

    def call(who, method, path, **kwargs):
        headers = {**bearer(secrets[who]), **kwargs.pop("headers", {})}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    return {"call": call, "setup": setup, "hearing": hearing}


def path(api, key=KEY):
    return f"/defendants/{api['setup']['defendants'][0]['uuid']}/case-file/{key}"


def test_an_observer_records_a_fact_and_a_lead_replaces_it_with_a_reason(api, client):
    call, hearing = api["call"], api["hearing"]["uuid"]
    new = call(
        "oleg",
        "put",
        path(api),
        json={"value": "no", "source": "family", "learned_at": hearing, "version": 0},
    )
    assert new.status_code == 200
    entry = new.get_json()
    assert (
        entry["fact"]["value"] == "no" and entry["fact"]["learned_at"] == hearing and entry["history"] == []
    )
    assert entry["fact"]["recorded_by"] == api["setup"]["observer"]["uuid"]
    no_integer_ids(entry)
    refused = call("lena", "patch", path(api), json={"value": "yes", "source": "court_record", "version": 1})
    assert refused.status_code == 422 and refused.get_json()["field"] == "reason"
    changed = call(
        "lena",
        "patch",
        path(api),
        json={
            "value": "yes",
            "source": "court_record",
            "learned_from": "judgment of 3 May",
            "reason": "judgment",
        },
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200
    entry = changed.get_json()
    assert (entry["fact"]["value"], entry["fact"]["version"], entry["fact"]["learned_from"]) == (
        "yes",
        2,
        "judgment of 3 May",
    )
    [earlier] = entry["history"]
    assert (earlier["value"], earlier["source"], earlier["reason"]) == ("no", "family", "judgment")
    assert earlier["changed_by"] == api["setup"]["lead"]["uuid"]
    document = client.get("/api/v1/openapi.json").get_json()
    whole = call("oleg", "get", f"/defendants/{api['setup']['defendants'][0]['uuid']}/case-file").get_json()
    jsonschema.validate(whole, {**document, "$ref": "#/components/schemas/CaseFile"})
    jsonschema.validate(entry, {**document, "$ref": "#/components/schemas/CaseFileEntry"})
    assert [e["fact"]["value"] for e in whole["facts"] if e["item"] == KEY] == ["yes"]


def test_a_stale_version_is_a_409_and_changes_nothing(api):
    call = api["call"]
    assert (
        call("oleg", "put", path(api), json={"value": "no", "source": "family", "version": 0}).status_code
        == 200
    )
    stale = call(
        "lena", "put", path(api), json={"value": "yes", "source": "counsel", "reason": "r", "version": 0}
    )
    assert stale.status_code == 409
    assert stale.get_json()["version"] == 1 and stale.get_json()["field"] == "version"
    assert call("oleg", "get", path(api)).get_json()["fact"]["value"] == "no"


def test_bad_values_are_a_422_naming_the_field(api):
    call = api["call"]
    for body, field in (
        ({"value": "maybe", "source": "family"}, "value"),
        ({"value": "no"}, "source"),
        ({"value": "no", "source": "rumour"}, "source"),
        (
            {"value": "no", "source": "family", "learned_at": "00000000-0000-4000-8000-000000000000"},
            "learned_at",
        ),
        ({"value": 1, "source": "family"}, "value"),
        ({"colour": "red"}, "colour"),
    ):
        response = call("oleg", "put", path(api), json=body)
        assert (response.status_code, response.get_json()["field"]) == (422, field), body
    assert call("oleg", "put", path(api, "presence"), json={"value": "no"}).status_code == 404
    assert call("oleg", "get", path(api)).get_json()["fact"] is None


def test_who_may_change_a_fact_through_the_api(api):
    call = api["call"]
    body = {"value": "no", "source": "family"}
    assert call("olga", "put", path(api), json=body).status_code == 403  # not assigned to the trial
    assert call("ada", "put", path(api), json=body).status_code == 403  # administrator, not a lead
    assert call("ada", "get", path(api)).status_code == 200  # who reads it
    assert call("oleg", "get", path(api)).get_json()["fact"] is None
