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
