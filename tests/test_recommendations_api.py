"""The recommendations over the JSON API: import all or nothing, an assessment put by a lead (not by an
administrator), its linked number counted live, official figures added and read."""

from pathlib import Path

import pytest

from monitor.audit import Actor
from monitor.db import connect
from monitor.recommendations import records as register
from tests.conftest import setup_trial
from tests.test_tokens import bearer, make_token

ACTOR = Actor(name="test")
SAMPLE = Path(__file__).parent / "fixtures" / "upr_recommendations.csv"


@pytest.fixture
def api(app, client, people):
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    register.set_mission_country(db, ACTOR, setup["mission"], "KZ")
    db.close()
    _row, lead = make_token(app, "lena")
    _row, admin = make_token(app, "ada")
    base = f"/api/v1/missions/{setup['mission']['uuid']}"
    return {"base": base, "lead": bearer(lead), "admin": bearer(admin), "setup": setup}


def test_an_import_is_all_or_nothing_and_again_changes_nothing(client, api):
    url = api["base"] + "/recommendations/import"
    bad = SAMPLE.read_text().replace("Noted,Torture", "Maybe,Torture")
    refused = client.post(url, json={"csv": bad}, headers=api["lead"])
    assert refused.status_code == 422
    assert refused.get_json()["problems"] == [
        {"row": 3, "column": "Response", "message": refused.get_json()["problems"][0]["message"]}
    ]
    assert (
        client.get(api["base"] + "/recommendations", headers=api["lead"]).get_json()["recommendations"] == []
    )
    first = client.post(url, json={"csv": SAMPLE.read_text()}, headers=api["lead"]).get_json()
    again = client.post(url, json={"csv": SAMPLE.read_text()}, headers=api["lead"]).get_json()
    assert (first["created"], again["created"], again["unchanged"]) == (6, 0, 6)
    assert client.post(url, json={"csv": SAMPLE.read_text()}, headers=api["admin"]).status_code == 403


def test_a_lead_puts_an_assessment_and_reads_it_with_its_evidence(client, db, api):
    client.post(
        api["base"] + "/recommendations/import", json={"csv": SAMPLE.read_text()}, headers=api["lead"]
    )
    rec = db.execute("SELECT uuid FROM recommendation WHERE identifier = '140.71'").fetchone()[0]
    url = f"{api['base']}/recommendations/{rec}/assessment"
    body = {"cycle": "4", "status": "not_implemented", "reasoning": "No investigation opened."}
    assert client.put(url, json=body, headers=api["admin"]).status_code == 403
    put = client.put(url, json=body, headers=api["lead"])
    assert put.status_code == 200 and put.get_json()["status"] == "not_implemented"
    assert client.put(url, json={**body, "status": "maybe"}, headers=api["lead"]).status_code == 422
    listed = client.get(api["base"] + "/recommendations", headers=api["admin"]).get_json()
    row = next(r for r in listed["recommendations"] if r["identifier"] == "140.71")
    assert row["assessments"][0]["reasoning"] == "No investigation opened."
    assert client.get(url, headers=api["admin"]).get_json()["assessments"][0]["cycle"] == "4"


def test_official_figures_are_added_by_a_lead_and_read(client, api):
    url = api["base"] + "/statistics"
    figure = {
        "what": "Torture complaints",
        "value": 662,
        "period": "2023",
        "source": "GPO",
        "retrieved_on": "2026-11-01",
    }
    assert client.post(url, json=figure, headers=api["admin"]).status_code == 403
    assert (
        client.post(url, json={**figure, "retrieved_on": "yesterday"}, headers=api["lead"]).status_code == 422
    )
    created = client.post(url, json=figure, headers=api["lead"])
    assert created.status_code == 201 and created.get_json()["value"] == 662
    listed = client.get(url, headers=api["admin"]).get_json()["statistics"]
    assert [(s["what"], s["value"], s["country"]) for s in listed] == [("Torture complaints", 662, "KZ")]


def test_a_lead_links_and_unlinks_evidence_with_the_pages_rules(app, client, db, api):
    client.post(
        api["base"] + "/recommendations/import", json={"csv": SAMPLE.read_text()}, headers=api["lead"]
    )
    rec = db.execute("SELECT uuid FROM recommendation WHERE identifier = '140.71'").fetchone()[0]
    put = client.put(
        f"{api['base']}/recommendations/{rec}/assessment",
        json={"cycle": "4", "status": "not_implemented", "reasoning": ""},
        headers=api["lead"],
    ).get_json()
    links = f"/api/v1/assessments/{put['uuid']}/links"
    number = {"path": "torture.defendants_alleging", "mode": "live"}
    assert client.post(links, json=number, headers=api["admin"]).status_code == 403  # reads, never links

    live = client.post(links, json=number, headers=api["lead"])
    assert live.status_code == 201
    assert (live.get_json()["count"], live.get_json()["of"], live.get_json()["frozen_at"]) == (0, 3, None)
    frozen = client.post(links, json={**number, "mode": "frozen"}, headers=api["lead"]).get_json()
    assert frozen["mode"] == "frozen" and frozen["frozen_at"] and frozen["count"] == 0
    defendant = api["setup"]["defendants"][0]["uuid"]
    record = client.post(links, json={"kind": "defendant", "target_uuid": defendant}, headers=api["lead"])
    assert record.status_code == 201 and record.get_json()["target_uuid"] == defendant

    other = setup_trial(app)["defendants"][0]["uuid"]  # a defendant of another mission
    for body, field in (
        ({"path": "no.such.count", "mode": "live"}, "path"),
        ({**number, "filters": "trial=not-a-uuid"}, "path"),
        ({**number, "mode": "sometimes"}, "path"),
        ({"kind": "defendant", "target_uuid": other}, "target_uuid"),
        ({"kind": "hearing", "target_uuid": defendant}, "target_uuid"),
        ({**number, "note": "x" * 1001}, "note"),
        ({**number, "colour": "red"}, "colour"),
    ):
        refused = client.post(links, json=body, headers=api["lead"])
        assert (refused.status_code, refused.get_json()["field"]) == (422, field), body

    listed = client.get(f"{api['base']}/recommendations/{rec}/assessment", headers=api["lead"]).get_json()
    evidence = listed["assessments"][0]["evidence"]
    assert [e["kind"] for e in evidence] == ["finding", "finding", "defendant"]  # nothing refused was kept
    gone = f"/api/v1/assessment-links/{evidence[0]['uuid']}"
    assert client.delete(gone, headers=api["admin"]).status_code == 403
    assert client.delete(gone, headers=api["lead"]).status_code == 204
    assert client.delete(gone, headers=api["lead"]).status_code == 404
    after = client.get(f"{api['base']}/recommendations/{rec}/assessment", headers=api["lead"]).get_json()
    assert [e["uuid"] for e in after["assessments"][0]["evidence"]] == [e["uuid"] for e in evidence[1:]]
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'assessment_link.delete'").fetchone()[0] == 1
