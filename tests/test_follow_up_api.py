"""The follow-up and legal assessment through the API: the findings API says "3 of 27", a lead writes,
others are refused, a wrong value is a 422 naming its field and nothing changes; the responses match the
OpenAPI document."""

import jsonschema
import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import make_user, setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
EVENT = {"kind": "investigation_opened", "event_date": "2026-02-01", "source": "Prosecutor's letter"}


@pytest.fixture
def api(app, db, people):
    """27 of 37 defendants alleged torture at a submitted sitting observed by oleg, in lena's mission."""
    setup = setup_trial(app, defendants=37)
    hearing = start_hearing(app, setup)
    allegations = []
    for defendant in setup["defendants"][:27]:
        allegation = observe.add_allegation(db, ACTOR, hearing)
        changes = observe.changes(
            "allegation", {"alleged_by": "defendant", "defendant_uuid": defendant["uuid"]}, allegation["uuid"]
        )
        assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []
        allegations.append(allegation)
    observe.submit(db, ACTOR, hearing)
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("ada", "lena", "oleg", "olga")}

    def call(who, method, path, **kwargs):
        return getattr(client, method)(f"/api/v1{path}", headers=bearer(secrets[who]), **kwargs)

    return {"call": call, "setup": setup, "allegations": allegations, "client": client}


def test_three_events_through_the_api_make_three_of_twenty_seven(api):
    call = api["call"]
    for allegation in api["allegations"][:3]:
        response = call("lena", "post", f"/allegations/{allegation['uuid']}/follow-up", json=EVENT)
        assert response.status_code == 201, response.get_json()
    findings = call("lena", "get", f"/missions/{api['setup']['mission']['uuid']}/findings").get_json()
    opened = findings["torture"]["follow_up"]["investigation_opened"]
    assert (opened["count"], opened["of"]) == (3, 27)
    events = call("oleg", "get", f"/allegations/{api['allegations'][0]['uuid']}/follow-up").get_json()
    assert [e["kind"] for e in events["events"]] == ["investigation_opened"]


def test_only_a_lead_of_the_mission_writes(app, db, api):
    call, path = api["call"], f"/allegations/{api['allegations'][0]['uuid']}/follow-up"
    assert call("oleg", "post", path, json=EVENT).status_code == 403
    assert call("ada", "post", path, json=EVENT).status_code == 403  # an administrator, not a lead
    assert call("olga", "get", path).status_code == 403
    trial = f"/trials/{api['setup']['trial']['uuid']}/legal-assessment"
    body = {"entries": [{"right_key": "arrest", "conclusion": "respected"}]}
    assert call("oleg", "put", trial, json=body).status_code == 403
    assert db["follow_up"].count == 0 and db["legal_assessment"].count == 0


def test_a_follow_up_on_an_allegation_of_another_mission_is_refused(app, db, api):
    otto = make_user(app, "otto", "lead")
    missions.create_mission(
        db, ACTOR, otto, {"name": "Other", "checklist_id": "fair_trial", "checklist_version": 1}
    )
    _token, secret = make_token(app, "otto")
    response = api["client"].post(
        f"/api/v1/allegations/{api['allegations'][0]['uuid']}/follow-up", json=EVENT, headers=bearer(secret)
    )
    assert response.status_code == 403 and db["follow_up"].count == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"event_date": "2026-02-30"}, "event_date"),
        ({"kind": "un_communication"}, "un_body"),
        ({"source": ""}, "source"),
        ({"perpetrators": "Lt. X"}, "perpetrators"),
    ],
)
def test_a_wrong_event_is_a_422_naming_the_field(db, api, change, field):
    path = f"/allegations/{api['allegations'][0]['uuid']}/follow-up"
    response = api["call"]("lena", "post", path, json={**EVENT, **change})
    assert response.status_code == 422 and response.get_json()["field"] == field
    assert db["follow_up"].count == 0


def test_a_lead_records_a_legal_assessment_and_a_wrong_one_changes_nothing(db, api):
    call, path = api["call"], f"/trials/{api['setup']['trial']['uuid']}/legal-assessment"
    good = {
        "right_key": "torture",
        "conclusion": "violated",
        "reasoning": "No investigation.",
        "refs": "CAT 12",
    }
    grade = {"right_key": "", "conclusion": "unfair", "reasoning": "Confessions under torture."}
    response = call("lena", "put", path, json={"entries": [good, grade]})
    assert response.status_code == 200
    data = response.get_json()
    torture = next(r for r in data["rights"] if r["key"] == "torture")
    assert torture["assessment"]["conclusion"] == "violated" and data["overall"]["conclusion"] == "unfair"
    wrong = call("lena", "put", path, json={"entries": [{**good, "conclusion": "fair"}]})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "torture"
    assert call("oleg", "get", path).get_json()["rights"] == data["rights"]  # unchanged, and readable


def test_the_responses_match_the_openapi_document(api):
    call = api["call"]
    document = api["client"].get("/api/v1/openapi.json").get_json()

    def check(value, name):
        jsonschema.validate(value, {**document, "$ref": f"#/components/schemas/{name}"})

    event = call("lena", "post", f"/allegations/{api['allegations'][0]['uuid']}/follow-up", json=EVENT)
    check(event.get_json(), "FollowUpEvent")
    path = f"/trials/{api['setup']['trial']['uuid']}/legal-assessment"
    assessment = call("lena", "put", path, json={"entries": [{"right_key": "", "conclusion": "fair"}]})
    check(assessment.get_json(), "LegalAssessment")
    withdrawn = call("lena", "post", f"/follow-up/{event.get_json()['uuid']}/withdraw", json={"reason": "x"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn_at"]
