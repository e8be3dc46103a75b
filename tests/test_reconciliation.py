"""Reconciliation of co-observers (issue #11): two observers of one sitting disagree on an item; the findings
count the sitting once, leave the item out as disputed until a lead reconciles it, then follow the lead."""

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings.aggregate import compute_findings
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sittings
from tests.conftest import login, make_user, post, setup_trial

ACTOR = Actor(name="test")
PUBLIC, RIGHTS, FAMILY = "public_admitted", "informed_of_rights", "family_notified"


@pytest.fixture
def sitting(app):
    """lena leads; oleg and olga observe the sitting of 2026-11-20 and submit. They disagree on whether the
    public was admitted (oleg yes, olga no), agree that defendant 0 was not told of their rights, and only
    oleg answered on the family (olga left it blank): that one counts as oleg's."""
    setup = setup_trial(app)
    olga = make_user(app, "olga", "observer", display_name="Olga Observer")
    ada = make_user(app, "ada", "admin")
    db = connect(app.config["DATABASE"])
    missions.add_member(db, ACTOR, setup["mission"], olga, "observer")
    missions.assign_observer(db, ACTOR, setup["trial"], olga, setup["mission"])
    checklist = checklists.get("fair_trial", 1)
    defendant = setup["defendants"][0]["uuid"]
    made = []
    for observer, public, family, note in (
        (setup["observer"], "yes", "no", "The doors stood open"),
        (olga, "no", "", "Police turned relatives away at the door"),
    ):
        hearing = observe.start_hearing(db, ACTOR, setup["trial"], setup["mission"], observer, "2026-11-20")
        changes = [
            {"target": "answer", "item": PUBLIC, "subject": "", "field": "value", "value": public},
            {"target": "answer", "item": PUBLIC, "subject": "", "field": "note", "value": note},
            {"target": "answer", "item": RIGHTS, "subject": defendant, "field": "value", "value": "no"},
            {"target": "answer", "item": FAMILY, "subject": defendant, "field": "value", "value": family},
        ]
        assert observe.save_changes(db, ACTOR, hearing, checklist, changes) == []
        observe.submit(db, ACTOR, hearing)
        made.append(records.get(db, "hearing", hearing["uuid"]))
    row = records.get_by_id(db, "sitting", made[0]["sitting_id"])
    db.close()
    return {**setup, "olga": olga, "ada": ada, "hearings": made, "sitting": row, "defendant": defendant}


def findings(app, world) -> dict:
    db = connect(app.config["DATABASE"])
    try:
        scope = Scope(mission_id=world["mission"]["id"])
        return compute_findings(db, scope, checklists.get("fair_trial", 1), world["mission"])
    finally:
        db.close()


def item(data: dict, key: str) -> dict:
    return next(entry for entry in data["items"] if entry["key"] == key)


def snapshots(app, world) -> list:
    db = connect(app.config["DATABASE"])
    try:
        return [
            (
                observe.snapshot(db, records.get(db, "hearing", h["uuid"])),
                records.get(db, "hearing", h["uuid"]),
            )
            for h in world["hearings"]
        ]
    finally:
        db.close()


def reconcile(client, world, value, reason="Both notes read together: the public was kept out", **extra):
    data = {"subject": "", "item": PUBLIC, "value": value, "reason": reason, **extra}
    return post(client, f"/sittings/{world['sitting']['uuid']}/reconcile", data)


def test_a_disagreement_is_disputed_until_the_lead_reconciles_it_and_then_the_findings_follow(
    app, client, sitting
):
    before = snapshots(app, sitting)
    data = findings(app, sitting)
    assert data["method"]["sittings"]["count"] == 1 and data["method"]["observations"]["count"] == 2
    public = item(data, PUBLIC)
    assert public["observed"]["count"] == 0 and public["concern"]["count"] == 0  # not counted either way
    assert public["disputed"]["count"] == 1 and public["disputed_sittings"]["uuids"] == [
        sitting["sitting"]["uuid"]
    ]
    rights, family = item(data, RIGHTS), item(data, FAMILY)
    assert (rights["concern"]["count"], rights["observed"]["count"], rights["disputed"]["count"]) == (1, 1, 0)
    assert (family["concern"]["count"], family["disputed"]["count"]) == (1, 0)  # a blank is no disagreement

    login(client, "lena")
    page = client.get(f"/sittings/{sitting['sitting']['uuid']}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    label = checklists.get("fair_trial", 1).item(PUBLIC).label.en
    assert label in html and "Olga Observer" in html and "oleg" in html
    assert "The doors stood open" in html and "Police turned relatives away at the door" in html
    assert "Disputed: not counted" in html
    assert "Informed" not in html  # the items they agree on are not listed
    listing = client.get(f"/missions/{sitting['mission']['uuid']}/disagreements").get_data(as_text=True)
    assert "2026-11-20" in listing

    response = reconcile(client, sitting, "no")
    assert response.status_code == 302
    assert "Reconciled answer saved." in client.get(response.headers["Location"]).get_data(as_text=True)
    public = item(findings(app, sitting), PUBLIC)
    assert (public["observed"]["count"], public["concern"]["count"], public["disputed"]["count"]) == (1, 1, 0)
    assert public["concern"]["uuids"] == [sitting["sitting"]["uuid"]]
    assert snapshots(app, sitting) == before  # both observations read back exactly as recorded
    listing = client.get(f"/missions/{sitting['mission']['uuid']}/disagreements").get_data(as_text=True)
    assert "No open disagreements." in listing


def test_deciding_again_is_versioned_and_audited(app, client, sitting):
    login(client, "lena")
    reconcile(client, sitting, "no")
    reconcile(client, sitting, "yes", reason="The recording shows the doors open after 10:00")
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM reconciliation"))
    assert (row["value"], row["version"], row["decided_by"]) == ("yes", 2, sitting["lead"]["id"])
    actions = [
        a["action"]
        for a in db.query("SELECT action FROM audit WHERE record_uuid = ? ORDER BY id", [row["uuid"]])
    ]
    assert actions == ["reconciliation.create", "reconciliation.update"]
    db.close()
    public = item(findings(app, sitting), PUBLIC)
    assert (public["observed"]["count"], public["concern"]["count"]) == (1, 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "  "}, "Give the reason for this answer."),
        ({"value": "maybe"}, "Choose one of the answers."),
        ({"item": "was_the_moon_full"}, "No such question."),
        (
            {"subject": "00000000-0000-4000-8000-000000000000"},
            "This question was not answered at this sitting.",
        ),
        ({"reason": "x" * 2001}, "At most 2000 characters."),
    ],
)
def test_bad_input_is_told_plainly_and_saves_nothing(app, client, sitting, fields, message):
    login(client, "lena")
    response = reconcile(client, sitting, fields.pop("value", "no"), **fields)
    assert response.status_code == 302
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    db = connect(app.config["DATABASE"])
    assert db["reconciliation"].count == 0
    db.close()


@pytest.mark.parametrize("username", ["oleg", "olga", "ada"])
def test_an_observer_or_an_administrator_who_is_not_a_lead_cannot_reconcile(app, client, sitting, username):
    login(client, username)
    assert reconcile(client, sitting, "no").status_code == 403
    assert client.get(f"/sittings/{sitting['sitting']['uuid']}").status_code == 403
    db = connect(app.config["DATABASE"])
    assert db["reconciliation"].count == 0
    db.close()


def test_a_lead_of_another_mission_cannot_reconcile(app, client, sitting):
    other = make_user(app, "lars", "lead")
    db = connect(app.config["DATABASE"])
    missions.create_mission(
        db, ACTOR, other, {"name": "Other", "checklist_id": "fair_trial", "checklist_version": 1}
    )
    db.close()
    login(client, "lars")
    assert reconcile(client, sitting, "no").status_code == 403


def test_a_returned_observation_stops_counting_and_its_disagreement_goes_with_it(app, sitting):
    db = connect(app.config["DATABASE"])
    observe.review(db, ACTOR, sitting["hearings"][1], sitting["lead"]["id"], "returned", "Check the doors")
    assert sittings.open_sittings(db, sitting["mission"]["id"]) == []
    db.close()
    public = item(findings(app, sitting), PUBLIC)
    assert (public["observed"]["count"], public["concern"]["count"], public["disputed"]["count"]) == (1, 0, 0)


def test_the_findings_page_shows_the_disputed_count_with_a_link_to_reconcile(app, client, sitting):
    login(client, "lena")
    html = client.get(f"/missions/{sitting['mission']['uuid']}/findings").get_data(as_text=True)
    assert "Based on" in html and "1</a> sitting (" in html  # one sitting, in the singular
    assert "disputed (observers of one sitting disagree; not counted)" in html
    assert f"/sittings/{sitting['sitting']['uuid']}?item={PUBLIC}" in html  # one sitting: straight to it
    page = client.get(f"/sittings/{sitting['sitting']['uuid']}?item={PUBLIC}").get_data(as_text=True)
    assert "Show every question" in page and page.count('class="disagreement open"') == 1


def test_an_observation_names_its_co_observers_and_the_lead_gets_a_link_to_compare(app, client, sitting):
    login(client, "lena")
    html = client.get(f"/hearings/{sitting['hearings'][0]['uuid']}").get_data(as_text=True)
    assert "This sitting is also observed by Olga Observer." in html
    assert f"/sittings/{sitting['sitting']['uuid']}" in html
    client.post("/logout", data={"csrf_token": ""})
    other = app.test_client()
    login(other, "olga")
    html = other.get(f"/hearings/{sitting['hearings'][1]['uuid']}").get_data(as_text=True)
    assert "also observed by oleg" in html and f"/sittings/{sitting['sitting']['uuid']}" not in html


def test_the_rule_holds_when_shared_sittings_are_few_among_many(app, sitting):
    """With few shared sittings the findings look their answers up from the observations (another query
    plan than above): same counts."""
    db = connect(app.config["DATABASE"])
    for day in range(1, 21):
        hearing = observe.start_hearing(
            db, ACTOR, sitting["trial"], sitting["mission"], sitting["observer"], f"2026-10-{day:02d}"
        )
        change = {"target": "answer", "item": PUBLIC, "subject": "", "field": "value", "value": "yes"}
        assert observe.save_changes(db, ACTOR, hearing, checklists.get("fair_trial", 1), [change]) == []
        observe.submit(db, ACTOR, hearing)
    db.close()
    data = findings(app, sitting)
    assert data["method"]["sittings"]["count"] == 21 and data["method"]["observations"]["count"] == 22
    public = item(data, PUBLIC)
    assert (public["observed"]["count"], public["concern"]["count"], public["disputed"]["count"]) == (
        20,
        0,
        1,
    )
    assert item(data, RIGHTS)["concern"]["count"] == 1
    db = connect(app.config["DATABASE"])
    sittings.reconcile(
        db,
        ACTOR,
        sitting["sitting"],
        checklists.get("fair_trial", 1),
        sitting["lead"]["id"],
        "",
        PUBLIC,
        "no",
        "x",
    )
    db.close()
    public = item(findings(app, sitting), PUBLIC)
    assert (public["observed"]["count"], public["concern"]["count"], public["disputed"]["count"]) == (
        21,
        1,
        0,
    )


def test_the_trial_page_lists_sittings_with_open_disagreements_for_its_leads_only(app, client, sitting):
    login(client, "lena")
    html = client.get(f"/trials/{sitting['trial']['uuid']}").get_data(as_text=True)
    assert f"/sittings/{sitting['sitting']['uuid']}" in html and 'id="sittings"' in html
    assert "Disagreements to reconcile" in client.get(f"/missions/{sitting['mission']['uuid']}").get_data(
        as_text=True
    )
    admin = app.test_client()
    login(admin, "ada")
    html = admin.get(f"/trials/{sitting['trial']['uuid']}").get_data(as_text=True)
    assert 'id="sittings"' not in html and "/sittings/" not in html
    html = admin.get(f"/missions/{sitting['mission']['uuid']}").get_data(as_text=True)
    assert "Disagreements to reconcile" not in html
