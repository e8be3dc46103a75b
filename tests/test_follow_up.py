"""Allegation follow-up: events after the courtroom, counted per person alleging in the findings (API,
page, mission report), written by the mission's leads only, refused with a message when wrong."""

import io
import json
import re
from html import unescape

import docx
import pytest
from pypdf import PdfReader

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.follow_up import records as follow_up
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports.build import build_report
from tests.conftest import login, make_user, post, setup_trial, start_hearing

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)


def allege(db, hearing, defendant_uuid):
    allegation = observe.add_allegation(db, ACTOR, hearing)
    changes = observe.changes(
        "allegation", {"alleged_by": "defendant", "defendant_uuid": defendant_uuid}, allegation["uuid"]
    )
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []
    return allegation


def event(kind="investigation_opened", **values):
    return {"kind": kind, "event_date": "2026-02-01", "source": "Letter of the prosecutor", **values}


@pytest.fixture
def world(app, db):
    """37 defendants on trial, 27 of them alleging torture at one submitted sitting (the first of them
    twice, at a second sitting); an investigation opened for 3 of them (one of those through both of
    his records), refused for 5."""
    setup = setup_trial(app, defendants=37)
    d = [x["uuid"] for x in setup["defendants"]]
    first, second = start_hearing(app, setup), start_hearing(app, setup, hearing_date="2026-11-21")
    allegations = [allege(db, first, d[n]) for n in range(27)]
    again = allege(db, second, d[0])
    observe.submit(db, ACTOR, first)
    observe.submit(db, ACTOR, second)
    lead = setup["lead"]
    for allegation in (allegations[0], again, allegations[1], allegations[2]):
        follow_up.add(db, ACTOR, lead, allegation, event())
    for allegation in allegations[3:8]:
        follow_up.add(db, ACTOR, lead, allegation, event("investigation_refused"))
    follow_up.add(
        db, ACTOR, lead, allegations[3], event("un_communication", un_body="CAT", reference="G/SO 229/31")
    )
    return {**setup, "d": d, "allegations": allegations, "again": again, "hearing": first}


def fu(client, world) -> dict:
    response = client.get(f"/api/v1/missions/{world['mission']['uuid']}/findings")
    assert response.status_code == 200
    return response.get_json()["torture"]["follow_up"]


def plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def test_three_of_twenty_seven_saw_an_investigation_opened_in_the_api(client, world):
    login(client, "lena")
    counts = fu(client, world)
    assert counts["people_alleging"]["count"] == 27
    assert counts["investigation_opened"] == {
        "count": 3,
        "of": 27,
        "uuids": sorted(world["d"][:3]),
    }  # defendant 0 once, though both his records have the event
    assert (counts["investigation_refused"]["count"], counts["communicated_to_un"]["count"]) == (5, 1)
    assert counts["charges_brought"] == {"count": 0, "of": 27, "uuids": []}


def test_the_findings_page_says_three_of_twenty_seven_and_opens_the_three(client, world):
    login(client, "lena")
    page = client.get(f"/missions/{world['mission']['uuid']}/findings").get_data(as_text=True)
    assert (
        "An investigation was opened for 3 of 27 people who alleged torture or ill-treatment; it was "
        "refused for 5" in plain(page)
    )
    link = re.search(r'href="([^"]*path=torture.follow_up.investigation_opened[^"]*)"', page).group(1)
    listed = client.get(unescape(link)).get_data(as_text=True)
    assert all(f"Defendant {n}" in listed for n in range(3)) and "Defendant 3<" not in listed


def test_the_mission_report_says_three_of_twenty_seven_in_pdf_and_docx(app, db, world):
    mission = records.get(db, "mission", world["mission"]["uuid"])
    sentence = "An investigation was opened for 3 of 27 people who alleged torture or ill-treatment"
    with app.app_context():
        for profile in ("internal", "partner", "public"):
            pdf, _m, _n = build_report(db, mission, "mission", "pdf", profile, "en", app.instance_path)
            text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
            assert re.sub(r"(\w)- (\w)", r"\1-\2", sentence) in re.sub(r"(\w)- (\w)", r"\1-\2", text)
            # counts only: no event's source, reference or date leaves in any edition
            assert [s for s in ("Letter of the prosecutor", "229/31", "2026-02-01") if s in text] == []
        content, _m, _n = build_report(db, mission, "mission", "docx", "partner", "en", app.instance_path)
        document = docx.Document(io.BytesIO(content))
        assert any(sentence in p.text for p in document.paragraphs)


def test_russian_findings_agree_with_the_total(client, world):
    login(client, "lena")
    post(client, "/language", {"language": "ru"})
    page = plain(client.get(f"/missions/{world['mission']['uuid']}/findings").get_data(as_text=True))
    assert "3 из 27" in page and "An investigation" not in page


def test_a_withdrawn_event_stops_counting_and_stays_on_the_timeline(client, world):
    login(client, "lena")
    row = follow_up.events(connect_db(client), [world["allegations"][1]["uuid"]])[0]
    response = post(client, f"/follow-up/{row['uuid']}/withdraw", {"reason": "wrong person"})
    assert response.status_code == 302
    assert fu(client, world)["investigation_opened"]["count"] == 2
    page = client.get(f"/allegations/{world['allegations'][1]['uuid']}/follow-up").get_data(as_text=True)
    assert "Withdrawn" in page and "wrong person" in page


def connect_db(client):
    return connect(client.application.config["DATABASE"])


def test_a_lead_adds_an_event_and_it_counts_and_is_audited(client, db, world):
    login(client, "lena")
    target = world["allegations"][10]
    response = post(
        client, f"/allegations/{target['uuid']}/follow-up", event("charges_brought", note="Two officers")
    )
    assert response.status_code == 302
    assert fu(client, world)["charges_brought"]["uuids"] == [world["d"][10]]
    audit = list(db.query("SELECT * FROM audit WHERE action = 'follow_up.create'"))
    assert len(audit) == 11 and "charges_brought" in audit[-1]["after"]
    assert audit[-1]["actor_name"] == "lena"


@pytest.mark.parametrize(
    "values, message",
    [
        (event(event_date="2999-01-01"), "not later than today"),
        (event(event_date="1 Feb"), "YYYY-MM-DD"),
        (event(source=""), "Say where this was learned"),
        (event(kind="bribe"), "Choose what happened"),
        (event("un_communication"), "Choose the UN body"),
        (event(note="x" * 2001), "at most 2000 characters"),
    ],
)
def test_bad_input_is_a_message_and_nothing_changes(client, db, world, values, message):
    login(client, "lena")
    before = db["follow_up"].count
    response = post(client, f"/allegations/{world['allegations'][10]['uuid']}/follow-up", values)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert db["follow_up"].count == before


def test_the_observer_reads_the_follow_up_of_his_allegation_and_may_not_add_to_it(app, client, db, world):
    login(client, "oleg")
    path = f"/allegations/{world['allegations'][0]['uuid']}/follow-up"
    page = client.get(path)
    assert page.status_code == 200 and "Letter of the prosecutor" in page.get_data(as_text=True)
    assert "Record the event" not in page.get_data(as_text=True)
    before = db["follow_up"].count
    assert post(client, path, event()).status_code == 403
    assert db["follow_up"].count == before


def test_a_follow_up_on_an_allegation_of_another_mission_is_refused(app, client, db, world):
    other_lead = make_user(app, "otto", "lead")
    other = missions.create_mission(
        db, ACTOR, other_lead, {"name": "Other", "checklist_id": "fair_trial", "checklist_version": 1}
    )
    missions.create_trial(db, ACTOR, other, {"title": "Other trial"})
    login(client, "otto")
    before = db["follow_up"].count
    path = f"/allegations/{world['allegations'][10]['uuid']}/follow-up"
    assert post(client, path, event()).status_code == 403
    assert client.get(path).status_code == 403
    assert db["follow_up"].count == before


def test_an_allegation_never_submitted_has_no_follow_up_yet(app, client, db, world):
    draft = start_hearing(app, world, hearing_date="2026-11-25")
    allegation = allege(db, draft, world["d"][30])
    login(client, "lena")
    response = post(client, f"/allegations/{allegation['uuid']}/follow-up", event())
    assert response.status_code == 400 and db["follow_up"].count == 10


def test_the_case_file_shows_the_defendants_timeline_to_whoever_may_read_it(app, client, world):
    login(client, "lena")
    page = client.get(f"/defendants/{world['d'][3]}/case-file").get_data(as_text=True)
    assert "Allegations after the courtroom" in page
    assert "Communication to a UN body" in page and "G/SO 229/31" in page and "Investigation refused" in page
    admin = app.test_client()
    make_user(app, "adam", "admin")
    login(admin, "adam")  # reads the case file, never an allegation's follow-up
    page = admin.get(f"/defendants/{world['d'][3]}/case-file").get_data(as_text=True)
    assert "G/SO 229/31" not in page and "Allegations after the courtroom" not in page


def test_the_mission_list_shows_each_allegation_with_its_latest_event(client, world):
    login(client, "lena")
    page = client.get(f"/missions/{world['mission']['uuid']}/follow-up").get_data(as_text=True)
    assert page.count('/follow-up"') >= 28 and "Communication to a UN body" in page


def test_the_findings_command_prints_the_follow_up_in_json_csv_and_markdown(app, world):
    runner = app.test_cli_runner()
    mission = world["mission"]["uuid"]
    as_json = runner.invoke(args=["findings", mission, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    opened = json.loads(as_json.output)["torture"]["follow_up"]["investigation_opened"]
    assert (opened["count"], opened["of"]) == (3, 27)
    csv = runner.invoke(args=["findings", mission, "--format", "csv"]).output
    assert "torture.follow_up.investigation_opened,3,27," in csv
    markdown = runner.invoke(args=["findings", mission, "--format", "md"]).output
    assert "An investigation was opened for 3 of 27 people who alleged torture or ill-treatment" in markdown
