"""Issue #11's acceptance: a 37-defendant trial gives the same counts, with denominators of the 37 on trial,
in the findings page, the JSON API, the CLI and the mission report (PDF and DOCX opened again).

The mission is on fair_trial v2 (the default for a new mission). 27 defendants told the court they were
tortured, several of them again at later sittings and again in the second observer's record of the same
sitting; one more did so only in an observation still in draft (never counted); 21 of the 37, all convicted,
were convicted mainly on an anonymous witness's testimony; a second mission with its own allegations and
convictions must never be counted.
"""

import json
import re
from html import unescape

import docx
import pytest
from pypdf import PdfReader

from monitor import checklists, records
from monitor.audit import Actor
from monitor.cases import records as cases
from monitor.findings.cli import findings_command
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports.cli import report_command
from tests.conftest import login, make_user
from tests.test_tokens import bearer, make_token

ACTOR = Actor(name="acceptance")
V2 = checklists.get("fair_trial", 2)
ON_TRIAL, ALLEGING, ANONYMOUS_BASIS = 37, 27, 21


def allege(db, hearing, defendant_uuid):
    allegation = observe.add_allegation(db, ACTOR, hearing)
    changes = [
        {"target": "allegation", "uuid": allegation["uuid"], "field": field, "value": value}
        for field, value in (
            ("alleged_by", "defendant"),
            ("defendant_uuid", defendant_uuid),
            ("stage", "police_custody"),
            ("methods", ["beating"]),
        )
    ]
    assert observe.save_changes(db, ACTOR, hearing, V2, changes) == []


@pytest.fixture
def case(app, db):
    lead = make_user(app, "lena", "lead")
    oleg, olga = make_user(app, "oleg", "observer"), make_user(app, "olga", "observer")
    mission = missions.create_mission(
        db, ACTOR, lead, {"name": "Oil workers", "checklist_id": "fair_trial", "checklist_version": 2}
    )
    trial = missions.create_trial(db, ACTOR, mission, {"title": "Strike case", "court": "Regional court"})
    d = missions.bulk_add_defendants(db, ACTOR, trial, [f"Defendant {n:02}" for n in range(ON_TRIAL)])
    for observer in (oleg, olga):
        missions.assign_observer(db, ACTOR, trial, observer, mission)

    first = observe.start_hearing(db, ACTOR, trial, mission, oleg, "2026-03-02")
    second_record = observe.start_hearing(db, ACTOR, trial, mission, olga, "2026-03-02")  # same sitting
    later = observe.start_hearing(db, ACTOR, trial, mission, oleg, "2026-03-09")
    draft = observe.start_hearing(db, ACTOR, trial, mission, olga, "2026-03-16")
    assert first["sitting_id"] == second_record["sitting_id"] != later["sitting_id"]
    for n in range(ALLEGING):
        allege(db, first, d[n]["uuid"])
    for n in range(10):  # the co-observer records the same allegations of the same sitting
        allege(db, second_record, d[n]["uuid"])
    for n in range(5, 20):  # repeated at a later sitting
        allege(db, later, d[n]["uuid"])
    allege(db, draft, d[ALLEGING]["uuid"])  # only in a draft: not counted
    for hearing in (first, second_record, later):
        observe.submit(db, ACTOR, hearing)

    for n, defendant in enumerate(d):
        basis = ["anonymous_witness"] if n < ANONYMOUS_BASIS else ["documents"]
        row = records.get(db, "defendant", defendant["uuid"])
        missions.update_defendant(
            db,
            ACTOR,
            row,
            {"verdict": "convicted", "conviction_basis": json.dumps(basis), "sentence_months": 60},
        )
    # a case fact: 9 told the court they were not told why they were arrested, 3 per the judgment
    for n in range(12):
        source = "court_record" if n < 3 else "defendant"
        cases.change_facts(
            db, ACTOR, oleg, d[n], V2, [cases.Change("informed_of_reasons", "no")], cases.Learned(source)
        )

    other_lead = make_user(app, "other.lead", "lead")
    other = missions.create_mission(
        db, ACTOR, other_lead, {"name": "Elsewhere", "checklist_id": "fair_trial", "checklist_version": 2}
    )
    other_trial = missions.create_trial(db, ACTOR, other, {"title": "Other case"})
    strangers = missions.bulk_add_defendants(db, ACTOR, other_trial, [f"Stranger {n}" for n in range(5)])
    missions.assign_observer(db, ACTOR, other_trial, oleg, other)
    elsewhere = observe.start_hearing(db, ACTOR, other_trial, other, oleg, "2026-03-02")
    for stranger in strangers:
        allege(db, elsewhere, stranger["uuid"])
        row = records.get(db, "defendant", stranger["uuid"])
        missions.update_defendant(
            db, ACTOR, row, {"verdict": "convicted", "conviction_basis": '["anonymous_witness"]'}
        )
    observe.submit(db, ACTOR, elsewhere)
    return {"mission": records.get(db, "mission", mission["uuid"]), "d": d}


def expected_counts(data: dict) -> None:
    """The counts every output must give, read from the findings JSON."""
    items = {item["key"]: item for item in data["items"]}
    assert data["method"]["sittings"]["count"] == 2 and data["method"]["observations"]["count"] == 3
    assert data["torture"]["defendants_alleging"]["count"] == ALLEGING
    assert data["torture"]["defendants_alleging"]["of"] == ON_TRIAL
    assert data["torture"]["allegations"]["count"] == ALLEGING + 10 + 15, "records: repeated ones included"
    assert data["torture"]["investigation_ordered"] == {"count": 0, "of": ALLEGING, "uuids": []}
    assert items["torture_alleged_in_court"]["concern"]["count"] == ALLEGING
    assert items["torture_alleged_in_court"]["concern"]["of"] == ON_TRIAL
    assert items["torture_alleged_in_court"]["concern_alleged"]["count"] == ALLEGING
    assert items["torture_alleged_in_court"]["concern_established"]["count"] == 0, (
        "told the court, not proven"
    )
    resting = data["anonymous_witnesses"]["convictions_resting_on_anonymous"]
    assert (resting["count"], resting["of"]) == (ANONYMOUS_BASIS, ON_TRIAL)
    basis = items["conviction_main_basis"]
    assert (basis["concern"]["count"], basis["concern"]["of"]) == (ANONYMOUS_BASIS, ON_TRIAL)
    assert basis["concern_established"]["count"] == ANONYMOUS_BASIS, "according to the judgment"
    informed = items["informed_of_reasons"]
    assert (informed["concern"]["count"], informed["concern"]["of"]) == (12, ON_TRIAL)
    assert (informed["concern_established"]["count"], informed["concern_alleged"]["count"]) == (3, 9)


def test_the_json_api_gives_the_counts_with_denominators_of_the_37_on_trial(app, db, case):
    secret = make_token(app, "lena")[1]
    response = app.test_client().get(
        f"/api/v1/missions/{case['mission']['uuid']}/findings", headers=bearer(secret)
    )
    assert response.status_code == 200
    data = response.get_json()
    expected_counts(data)
    alleging = set(data["torture"]["defendants_alleging"]["uuids"])
    assert alleging == {d["uuid"] for d in case["d"][:ALLEGING]}, "not the draft's, not the other mission's"


def test_the_cli_gives_the_same_counts(app, case):
    app.cli.add_command(findings_command)
    result = app.test_cli_runner().invoke(args=["findings", case["mission"]["uuid"], "--format", "json"])
    assert result.exit_code == 0, result.output
    expected_counts(json.loads(result.output))


def test_the_findings_page_says_27_of_37_and_21_of_37(app, client, case):
    login(client, "lena")
    response = client.get(f"/missions/{case['mission']['uuid']}/findings")
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.get_data(as_text=True))))
    assert f"{ALLEGING} of {ON_TRIAL} defendants on trial told the court they had been tortured" in page
    assert f"an investigation for 0 of {ALLEGING} people who alleged torture" in page, "persons, not records"
    assert f"Alleged, not established, for {ALLEGING} of {ON_TRIAL} defendants on trial" in page
    assert re.search(rf"\b{ANONYMOUS_BASIS} of {ON_TRIAL} defendants on trial [^—]*— established", page)
    assert re.search(rf"\b{ANONYMOUS_BASIS} of {ON_TRIAL} convicted defendants\b[^.]*anonymous witness", page)
    assert f"{ALLEGING + 1} of" not in page, "the draft's allegation is not counted"


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_mission_report_states_the_same_counts(app, case, tmp_path, fmt):
    app.cli.add_command(report_command)
    path = tmp_path / f"mission.{fmt}"
    args = ["report", case["mission"]["uuid"], "--kind", "mission", "--format", fmt, "--profile", "internal"]
    result = app.test_cli_runner().invoke(args=[*args, "--lang", "en", "-o", str(path)])
    assert result.exit_code == 0, result.output
    if fmt == "pdf":
        text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    else:
        document = docx.Document(path)
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        text = "\n".join([p.text for p in document.paragraphs] + cells)
    text = re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(text.split()))
    assert f"{ALLEGING} of {ON_TRIAL} defendants on trial told the court they had been tortured" in text
    assert f"an investigation for 0 of {ALLEGING} people who alleged torture" in text, "persons, not records"
    assert f"Alleged, not established, for {ALLEGING} of {ON_TRIAL} defendants on trial" in text
    assert re.search(rf"\b{ANONYMOUS_BASIS} of {ON_TRIAL} defendants on trial [^—]*— established", text)
    assert re.search(rf"\b{ANONYMOUS_BASIS} of {ON_TRIAL} convicted defendants\b[^.]*anonymous witness", text)
    assert "Based on 2 sittings (3 observations" in text
    assert "Stranger" not in text and "Elsewhere" not in text
