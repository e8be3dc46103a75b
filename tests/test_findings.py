"""Mission findings: every count, denominator and uuid list, and the evidence behind each number."""

import re
from html import unescape

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings.aggregate import findings, matrix
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import login, make_user, setup_trial, start_hearing

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
ITEM = CHECKLIST.item("informed_of_reasons")  # concern: "no"


def answers(subjects, value, item=ITEM):
    return [
        {"target": "answer", "subject": s, "item": item.key, "field": "value", "value": value}
        for s in subjects
    ]


def allege(db, hearing, **fields):
    allegation = observe.add_allegation(db, ACTOR, hearing)
    changes = [
        {"target": "allegation", "uuid": allegation["uuid"], "field": k, "value": v}
        for k, v in fields.items()
    ]
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []
    return allegation


@pytest.fixture
def world(app, db):
    """A trial of 37 defendants observed over four hearings, plus another mission that must never count."""
    setup = setup_trial(app, defendants=37)
    d = [x["uuid"] for x in setup["defendants"]]
    h1, h2, h3, h4 = (start_hearing(app, setup, hearing_date=f"2026-0{m}-10") for m in (1, 2, 3, 4))

    def fill(hearing, changes):
        assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []

    fill(h1, answers(d[0:10], "no") + answers(d[10:20], "yes"))
    fill(h2, answers(d[0:5], "no") + answers(d[20:25], "no"))  # 0-4 repeat: still counted once
    fill(h3, answers(d[25:31], "no"))  # stays a draft: never counts
    fill(h4, answers([d[31]], "no") + answers([d[32]], "not_observed"))
    fill(
        h4, [{"target": "presence", "defendant": d[31], "value": False}]
    )  # absent: his answer does not count
    for n in range(6):
        allege(
            db, h1, alleged_by="defendant", defendant_uuid=d[n], stage="police_custody", methods=["beating"]
        )
    allege(
        db,
        h2,
        alleged_by="defendant",
        defendant_uuid=d[0],
        stage="pretrial_detention",
        court_response=["ignored"],
    )
    allege(
        db,
        h2,
        alleged_by="defendant",
        defendant_uuid=d[6],
        methods=["beating", "asphyxiation"],
        court_response=["investigation_ordered"],
        perpetrators="Lt. X",
    )
    allege(db, h3, alleged_by="defendant", defendant_uuid=d[7])  # draft
    witness = observe.add_witness(db, ACTOR, h1, setup["observer"]["id"])
    fill(
        h1,
        [
            {"target": "witness", "uuid": witness["uuid"], "field": "anonymous", "value": 1},
            {"target": "witness", "uuid": witness["uuid"], "field": "voice_hidden", "value": 1},
        ],
    )
    allege(db, h1, alleged_by="witness", witness_uuid=witness["uuid"])
    for hearing in (h1, h2, h4):
        observe.submit(db, ACTOR, hearing)
    observe.review(db, ACTOR, h2, setup["lead"]["id"], "approved", "")
    for n, (start, judge) in enumerate(
        [("2026-01-01T10:00", "2026-01-04T12:00"), ("2026-01-01T10:00", "2026-01-03T12:00")]
    ):
        missions.update_defendant(
            db, ACTOR, setup["defendants"][n], {"apprehended_at": start, "first_judge_at": judge}
        )
    for n in range(21):
        basis = '["anonymous_witness"]' if n < 16 else '["confession"]'
        row = records.get(db, "defendant", d[n])
        missions.update_defendant(
            db, ACTOR, row, {"verdict": "convicted", "conviction_basis": basis, "sentence_months": 12 + n}
        )

    # Another mission, led by someone else, with its own concerns: never counted here.
    other_lead = make_user(app, "other.lead", "lead")
    other = missions.create_mission(
        db, ACTOR, other_lead, {"name": "Other", "checklist_id": "fair_trial", "checklist_version": 1}
    )
    other_trial = missions.create_trial(db, ACTOR, other, {"title": "Other trial"})
    stranger = missions.bulk_add_defendants(db, ACTOR, other_trial, ["Stranger"])[0]
    missions.assign_observer(db, ACTOR, other_trial, setup["observer"], other)
    oh = observe.start_hearing(db, ACTOR, other_trial, other, setup["observer"], "2026-01-15")
    fill(oh, answers([stranger["uuid"]], "no"))
    allege(db, oh, alleged_by="defendant", defendant_uuid=stranger["uuid"])
    observe.submit(db, ACTOR, oh)
    return {"setup": setup, "d": d, "hearings": (h1, h2, h3, h4), "witness": witness}


def compute(db, world, **scope):
    mission = world["setup"]["mission"]
    return findings(db, Scope(mission["id"], **scope), CHECKLIST, records.get(db, "mission", mission["uuid"]))


def test_counts_once_per_person_without_drafts_absentees_or_other_missions(db, world):
    d = world["d"]
    data = compute(db, world)
    item = next(i for i in data["items"] if i["key"] == ITEM.key)
    assert item["concern"] == {"count": 15, "of": 25, "uuids": sorted(d[0:10] + d[20:25])}
    assert item["observed"]["uuids"] == sorted(d[0:25])
    assert data["method"]["hearings"]["count"] == 3
    assert data["method"]["defendants_observed"]["count"] == 37

    t = data["torture"]
    assert t["defendants_alleging"] == {"count": 7, "of": 37, "uuids": sorted(d[0:7])}
    # an allegation names the witness as heard at a sitting; the finding counts the person
    assert t["witnesses_alleging"] == {"count": 1, "of": 1, "uuids": [world["witness"]["person_uuid"]]}
    assert t["allegations"]["count"] == 9
    assert t["by_method"]["beating"]["count"] == 7 and t["by_method"]["asphyxiation"]["count"] == 1
    assert t["by_stage"]["police_custody"]["count"] == 6
    assert t["investigation_ordered"]["count"] == 1 and t["perpetrators_named"]["count"] == 1
    assert t["court_response"]["ignored"]["of"] == 9

    a = data["anonymous_witnesses"]
    assert (
        a["anonymous"]["count"] == 1
        and a["voice_hidden"]["count"] == 1
        and a["identity_known_to_defence"]["count"] == 0
    )
    assert a["convictions_resting_on_anonymous"] == {"count": 16, "of": 21, "uuids": sorted(d[0:16])}

    c = data["custody"]
    assert c["judge_over_72"] == {"count": 1, "of": 2, "uuids": [d[0]]}
    assert c["judge_over_48"]["uuids"] == sorted(d[0:2])
    assert data["verdicts"]["convicted"]["count"] == 21 and data["verdicts"]["pending"]["count"] == 16
    assert data["verdicts"]["sentence_months"] == {
        "min": 12,
        "max": 32,
        "median": 22,
        "with_sentence": {"count": 21, "of": 21, "uuids": sorted(d[0:21])},
    }


def test_filters_narrow_and_drafts_never_count(db, world):
    d = world["d"]
    only_approved = compute(db, world, statuses=("approved",))
    item = next(i for i in only_approved["items"] if i["key"] == ITEM.key)
    assert item["concern"]["uuids"] == sorted(d[0:5] + d[20:25])
    with_drafts = compute(db, world, statuses=("draft", "submitted", "approved"))
    assert next(i for i in with_drafts["items"] if i["key"] == ITEM.key)["concern"]["count"] == 15
    january = compute(db, world, date_from="2026-01-01", date_to="2026-01-31")
    assert january["torture"]["defendants_alleging"]["count"] == 6


def test_the_matrix_has_one_cell_per_defendant_and_item(db, world):
    d = world["d"]
    mission = world["setup"]["mission"]
    grid = matrix(db, Scope(mission["id"]), CHECKLIST)
    assert len(grid["defendants"]) == 37
    assert grid["cells"][d[0]][ITEM.key] == {"hearings": 2, "concerns": 2, "concern": True}
    assert grid["cells"][d[10]][ITEM.key] == {"hearings": 1, "concerns": 0, "concern": False}
    assert d[31] not in grid["cells"]


def test_every_number_on_the_page_opens_exactly_the_people_counted(app, client, db, world):
    login(client, "lena")
    mission = world["setup"]["mission"]
    page = client.get(f"/missions/{mission['uuid']}/findings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html
    links = re.findall(r'<a class="count" href="([^"]+)">(\d+)</a>', html)
    assert len(links) > 40
    data = compute(db, world)
    for href, shown in links:
        evidence = client.get(unescape(href))
        assert evidence.status_code == 200, href
        body = evidence.get_data(as_text=True)
        listed = re.findall(r'<li id="e-([0-9a-f-]{36})">', body)
        path = re.search(r"path=([^&]+)", unescape(href)).group(1)
        from monitor.findings.aggregate import resolve

        expected = resolve(data, path)["uuids"]
        assert listed == expected and len(listed) == int(shown), path
        heading = re.search(r"<h1>(.*?)</h1>", body, re.S).group(1).strip()
        text = re.sub(r"<[^>]+>", " ", body.split("<main", 1)[1])
        assert heading not in ("Counted", "Evidence") and path not in text, (path, heading)  # words, no path
    concern = client.get(f"/missions/{mission['uuid']}/findings/evidence?path=items.{ITEM.key}.concern")
    body = concern.get_data(as_text=True)
    assert "Defendant 0" in body and "Defendant 10<" not in body and "Defendant 25" not in body


def test_observers_and_other_leads_cannot_open_the_findings(app, client, world):
    mission = world["setup"]["mission"]["uuid"]
    paths = [
        f"/missions/{mission}/findings",
        f"/missions/{mission}/findings/matrix",
        f"/missions/{mission}/findings/compare",
        f"/missions/{mission}/findings/evidence?path=torture.allegations",
    ]
    login(client, "oleg")
    assert [client.get(p).status_code for p in paths] == [403] * 4
    other = app.test_client()
    login(other, "other.lead")
    assert [other.get(p).status_code for p in paths] == [403] * 4
    lead = app.test_client()
    login(lead, "lena")
    assert [lead.get(p).status_code for p in paths] == [200] * 4
    assert lead.get(f"/missions/{mission}/findings/evidence?path=nonsense").status_code == 404


def test_witnesses_alleging_torture_cite_the_torture_ban_not_the_accuseds_privilege(app, client, world):
    """ICCPR 14(3)(g) protects only the accused; a witness alleging torture rests on ICCPR 7 and CAT 15."""
    login(client, "lena")
    html = client.get(f"/missions/{world['setup']['mission']['uuid']}/findings").get_data(as_text=True)
    sentence = html[html.index("said they had been tortured") :]
    sentence = sentence[: sentence.index("</li>")]
    assert "ICCPR 7" in sentence and "CAT 15" in sentence and "14(3)(g)" not in sentence


def test_comparing_by_judge_needs_a_recorded_judge_and_says_so(app, client):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    handle = connect(app.config["DATABASE"])
    observe.submit(handle, Actor(name="t"), records.get(handle, "hearing", hearing["uuid"]))
    login(client, "lena")
    url = f"/missions/{setup['mission']['uuid']}/findings/compare?by=judge"
    page = client.get(url).get_data(as_text=True)
    assert "No presiding judge is recorded yet" in page and "<table" not in page  # not one "—" column

    other = start_hearing(app, setup, hearing_date="2026-11-27")
    records.update(
        handle,
        "hearing",
        Actor(name="t"),
        records.get(handle, "hearing", other["uuid"]),
        {"judge": "Judge A"},
    )
    observe.submit(handle, Actor(name="t"), records.get(handle, "hearing", other["uuid"]))
    handle.close()
    page = client.get(url).get_data(as_text=True)
    heads = re.findall(r'<th scope="col" class="num">([^<]*)</th>', page)
    assert heads == ["Judge A"]
    assert "Observations with no presiding judge recorded are in no column" in page
