"""What a lead sets up: missions, members, trials, defendants (bulk and one by one), assignments."""

import re

import pytest

from monitor import records
from monitor.audit import Actor
from monitor.missions import records as missions
from tests.conftest import login, make_user, post, setup_trial


@pytest.fixture
def lead(app, client):
    make_user(app, "lena", "lead")
    make_user(app, "oleg", "observer")
    login(client, "lena")
    return client


def test_a_lead_creates_a_mission_and_becomes_its_lead(lead, db):
    response = post(
        lead,
        "/missions/new",
        {
            "name": "Oil workers",
            "country": "Kazakhstan",
            "checklist": "fair_trial:1",
            "start_date": "2026-01-10",
        },
    )
    assert response.status_code == 302
    mission = next(db.query("SELECT * FROM mission"))
    assert (mission["checklist_id"], mission["checklist_version"]) == ("fair_trial", 1)
    assert [m["username"] for m in missions.members(db, mission["id"])] == ["lena"]
    assert "Oil workers" in lead.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "checklist": "fair_trial:1"}, "This field is required"),
        ({"name": "x" * 201, "checklist": "fair_trial:1"}, "At most 200 characters"),
        ({"name": "M", "checklist": "no_such:9"}, "Not a valid choice"),
        (
            {"name": "M", "checklist": "fair_trial:1", "start_date": "2026-02-01", "end_date": "2026-01-01"},
            "before the start",
        ),
        ({"name": "M", "checklist": "fair_trial:1", "start_date": "31.12.2026"}, "Not a valid date"),
    ],
)
def test_bad_mission_input_is_explained_and_nothing_is_saved(lead, db, form, message):
    response = post(lead, "/missions/new", form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db["mission"].count == 0


def test_thirty_seven_defendants_pasted_at_once_keep_their_order(app, lead, db):
    setup = setup_trial(app, defendants=0)
    names = [f"Defendant number {n}" for n in range(1, 38)]
    pasted = "\n".join(names[:20]) + "\n\n   \n" + "\r\n".join(names[20:]) + "\n"
    response = post(lead, f"/trials/{setup['trial']['uuid']}/defendants/new", {"names": pasted})
    assert response.status_code == 302
    assert [d["name"] for d in missions.defendants(db, setup["trial"]["id"])] == names
    assert db["audit"].count_where("action = 'defendant.create'") == 37


def test_empty_or_huge_pastes_are_refused(app, lead, db):
    setup = setup_trial(app, defendants=0)
    url = f"/trials/{setup['trial']['uuid']}/defendants/new"
    assert "Paste at least one name" in post(lead, url, {"names": " \n \n"}).get_data(as_text=True)
    assert "At most 200 names" in post(lead, url, {"names": "\n".join(["x"] * 201)}).get_data(as_text=True)
    assert db["defendant"].count == 0


def defendant_form(**overrides):
    form = {"name": "Aidos K.", "verdict": "pending"}
    form.update(overrides)
    return form


def test_the_custody_timeline_is_saved_and_the_hours_computed(app, lead, db):
    setup = setup_trial(app, defendants=1)
    defendant = setup["defendants"][0]
    form = defendant_form(
        apprehended_at="2026-01-04T22:00",
        arrest_registered_at="2026-01-06T10:00",
        first_judge_at="2026-01-08T09:30",
        counsel="legal_aid",
        verdict="convicted",
        conviction_basis=["anonymous_witness", "confession"],
        sentence_months="84",
    )
    assert post(lead, f"/defendants/{defendant['uuid']}", form).status_code == 302
    row = records.get(db, "defendant", defendant["uuid"])
    assert row["arrest_registered_at"] == "2026-01-06T10:00"
    assert records.as_list(row["conviction_basis"]) == ["anonymous_witness", "confession"]
    assert missions.custody_hours(row) == {"to_registration": 36.0, "to_judge": 83.5}
    page = lead.get(f"/trials/{setup['trial']['uuid']}").get_data(as_text=True)
    assert "83.5 h" in page and "over72" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"apprehended_at": "2026-01-05T10:00", "arrest_registered_at": "2026-01-04T10:00"},
            "before the actual apprehension",
        ),
        (
            {"apprehended_at": "2026-01-05T10:00", "first_judge_at": "2026-01-01T10:00"},
            "cannot be before the apprehension",
        ),
        ({"age": "7"}, "An age from 10 to 120"),
        ({"age": "old"}, "Not a valid integer"),
        ({"name": ""}, "This field is required"),
        ({"conviction_basis": ["confession"]}, "set the verdict to convicted"),
        ({"conviction_basis": ["hearsay"], "verdict": "convicted"}, "not a valid choice"),
        ({"apprehended_at": "yesterday"}, "Not a valid datetime"),
    ],
)
def test_impossible_defendant_data_is_refused_and_nothing_changes(app, lead, db, overrides, message):
    setup = setup_trial(app, defendants=1)
    defendant = setup["defendants"][0]
    before = records.get(db, "defendant", defendant["uuid"])
    response = post(lead, f"/defendants/{defendant['uuid']}", defendant_form(**overrides))
    assert response.status_code == 200
    assert message.lower() in response.get_data(as_text=True).lower()
    assert records.get(db, "defendant", defendant["uuid"]) == before


def test_members_and_assignments(app, lead, db):
    setup = setup_trial(app, defendants=0)
    olga = make_user(app, "olga", "observer")
    mission, trial = setup["mission"], setup["trial"]
    assert (
        post(lead, f"/missions/{mission['uuid']}/members", {"user": olga["uuid"], "role": "lead"}).status_code
        == 302
    )
    assert "lead" not in [m["role"] for m in missions.members(db, mission["id"]) if m["username"] == "olga"]
    post(lead, f"/trials/{trial['uuid']}/observers", {"user": olga["uuid"]})
    assert "olga" in [o["username"] for o in missions.observers(db, trial["id"])]
    post(lead, f"/missions/{mission['uuid']}/members/{olga['uuid']}/remove")
    assert "olga" not in [o["username"] for o in missions.observers(db, trial["id"])]


def test_a_lead_of_another_mission_sees_nothing_of_this_one(app, client, db):
    setup = setup_trial(app)
    make_user(app, "other.lead", "lead")
    login(client, "other.lead")
    for path in (
        f"/missions/{setup['mission']['uuid']}",
        f"/trials/{setup['trial']['uuid']}",
        f"/defendants/{setup['defendants'][0]['uuid']}",
    ):
        assert client.get(path).status_code == 403
    assert (
        post(client, f"/trials/{setup['trial']['uuid']}/defendants/new", {"names": "Intruder"}).status_code
        == 403
    )
    assert db["defendant"].count == 3


def test_the_only_lead_can_be_neither_removed_nor_made_an_observer(app, lead, db):
    setup = setup_trial(app, defendants=0)
    mission, me = setup["mission"], setup["lead"]
    audited = db["audit"].count

    def roles():
        return {m["username"]: m["role"] for m in missions.members(db, mission["id"])}

    removed = post(lead, f"/missions/{mission['uuid']}/members/{me['uuid']}/remove", follow_redirects=True)
    assert "A mission needs a lead" in removed.get_data(as_text=True)
    demoted = post(
        lead,
        f"/missions/{mission['uuid']}/members",
        {"user": me["uuid"], "role": "observer"},
        follow_redirects=True,
    )
    assert "A mission needs a lead" in demoted.get_data(as_text=True)
    assert roles()["lena"] == "lead" and db["audit"].count == audited  # nothing changed, nothing logged

    other = make_user(app, "lars", "lead")
    post(lead, f"/missions/{mission['uuid']}/members", {"user": other["uuid"], "role": "lead"})
    assert post(lead, f"/missions/{mission['uuid']}/members/{me['uuid']}/remove").status_code == 302
    assert "lena" not in roles() and roles()["lars"] == "lead"


def test_the_mission_page_counts_sittings_as_the_findings_do(app, lead, db):
    from monitor.observe import records as observe
    from tests.conftest import start_hearing

    setup = setup_trial(app)
    olga = make_user(app, "olga", "observer")
    missions.assign_observer(db, Actor(name="t"), setup["trial"], olga, setup["mission"])
    first = start_hearing(app, setup, hearing_date="2026-11-20")
    second = start_hearing(app, setup, observer=olga, hearing_date="2026-11-20")  # the same sitting
    start_hearing(app, setup, hearing_date="2026-11-27")  # a draft of another sitting
    for hearing in (first, second):
        observe.submit(db, Actor(name="t"), records.get(db, "hearing", hearing["uuid"]))
    page = lead.get(f"/missions/{setup['mission']['uuid']}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "2 sittings observed (3 observations, 1 still a draft)" in text
    assert "The findings count the sittings with a submitted or approved observation: 1 so far." in text
