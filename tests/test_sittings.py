"""Court sittings: two observers at one sitting make one sitting with two observations (issue #11)."""

from monitor import checklists, records
from monitor.audit import Actor, verify
from monitor.db import connect
from monitor.findings.aggregate import compute_findings
from monitor.findings.scope import Scope
from monitor.ids import NAMESPACE, natural_uuid
from monitor.migrations import migrations
from monitor.observe import records as observe
from monitor.observe import sittings
from monitor.schema import init_db
from tests.conftest import FAST_ARGON2, login, make_user, post, setup_trial, start_hearing

ACTOR = Actor(name="test")


def second_observer(app, setup):
    from monitor.missions import records as missions

    olga = make_user(app, "olga", "observer", display_name="Olga")
    db = connect(app.config["DATABASE"])
    missions.add_member(db, ACTOR, setup["mission"], olga, "observer")
    missions.assign_observer(db, ACTOR, setup["trial"], olga, setup["mission"])
    db.close()
    return olga


def submitted(app, setup, observer, hearing_date="2026-11-20", answers=()):
    """An observation started, answered (``(item, subject, value)``) and submitted."""
    db = connect(app.config["DATABASE"])
    try:
        hearing = observe.start_hearing(db, ACTOR, setup["trial"], setup["mission"], observer, hearing_date)
        changes = [
            {"target": "answer", "item": item, "subject": subject, "field": "value", "value": value}
            for item, subject, value in answers
        ]
        assert observe.save_changes(db, ACTOR, hearing, checklists.get("fair_trial", 1), changes) == []
        observe.submit(db, ACTOR, hearing)
        return records.get(db, "hearing", hearing["uuid"])
    finally:
        db.close()


def findings(app, setup):
    db = connect(app.config["DATABASE"])
    try:
        scope = Scope(mission_id=setup["mission"]["id"])
        return compute_findings(db, scope, checklists.get("fair_trial", 1), setup["mission"])
    finally:
        db.close()


def test_natural_uuid_is_the_same_on_every_machine_and_apart_per_key():
    assert str(NAMESPACE) == "6f1c3c2e-2a4b-5d1e-9b7a-3c1e2f4a5b6d"
    one = natural_uuid("trial", "2026-11-20", "1")
    assert one == natural_uuid("trial", "2026-11-20", "1")
    assert one != natural_uuid("trial", "2026-11-20", "2") != natural_uuid("trial2026-11-20", "1")


def test_two_observers_on_one_date_share_one_sitting_and_the_findings_say_one(app):
    setup = setup_trial(app)
    olga = second_observer(app, setup)
    first = submitted(app, setup, setup["observer"])
    second = submitted(app, setup, olga)
    assert first["sitting_id"] == second["sitting_id"]
    db = connect(app.config["DATABASE"])
    sitting = records.get_by_id(db, "sitting", first["sitting_id"])
    db.close()
    assert sitting["uuid"] == natural_uuid(setup["trial"]["uuid"], "2026-11-20", "1")
    method = findings(app, setup)["method"]
    assert method["sittings"]["count"] == 1 and method["sittings"]["uuids"] == [sitting["uuid"]]
    assert method["observations"]["count"] == 2 == method["hearings"]["count"]
    assert method["sittings_by_month"] == {"2026-11": 1} and method["hearings_by_month"] == {"2026-11": 2}


def test_another_date_or_a_second_session_is_another_sitting(app):
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    trial, mission, oleg = setup["trial"], setup["mission"], setup["observer"]
    one = observe.start_hearing(db, ACTOR, trial, mission, oleg, "2026-11-20")
    other_day = observe.start_hearing(db, ACTOR, trial, mission, oleg, "2026-11-21")
    afternoon = observe.start_hearing(db, ACTOR, trial, mission, oleg, "2026-11-20", session=2)
    assert len({one["sitting_id"], other_day["sitting_id"], afternoon["sitting_id"]}) == 3
    assert [s["session"] for s in sittings.sittings_of_trial(db, trial["id"])] == [1, 2, 1]
    db.close()


def test_the_start_page_says_an_observer_joins_a_sitting_already_observed(app, client):
    setup = setup_trial(app)
    olga = second_observer(app, setup)
    submitted(app, setup, olga)
    login(client, "oleg")
    response = post(
        client, f"/trials/{setup['trial']['uuid']}/hearings", {"hearing_date": "2026-11-20", "session": "1"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already observed by Olga" in page and "second observation" in page
    response = post(
        client, f"/trials/{setup['trial']['uuid']}/hearings", {"hearing_date": "2026-11-20", "session": "2"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already observed" not in page  # the afternoon session is a sitting of its own
    bad = post(
        client, f"/trials/{setup['trial']['uuid']}/hearings", {"hearing_date": "2026-11-20", "session": "12"}
    )
    assert bad.status_code == 302
    assert "session is a number from 1 to 9" in client.get(bad.headers["Location"]).get_data(as_text=True)
    db = connect(app.config["DATABASE"])
    assert db["hearing"].count == 3 and db["sitting"].count == 2
    db.close()


def test_changing_the_date_moves_the_observation_to_that_sitting(app, client):
    from tests.conftest import save

    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    login(client, "oleg")
    saved = save(client, hearing, {"target": "hearing", "field": "hearing_date", "value": "2026-11-23"})
    assert saved.status_code == 200 and saved.get_json()["errors"] == []
    db = connect(app.config["DATABASE"])
    moved = records.get(db, "hearing", hearing["uuid"])
    sitting = records.get_by_id(db, "sitting", moved["sitting_id"])
    assert sitting["sitting_date"] == "2026-11-23" and moved["sitting_id"] != hearing["sitting_id"]
    db.close()


def test_the_api_starts_joins_lists_and_reads_sittings(app, client):
    setup = setup_trial(app)
    olga = second_observer(app, setup)
    submitted(app, setup, olga)
    login(client, "oleg")
    token = client.get("/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    started = client.post(
        f"/api/v1/trials/{setup['trial']['uuid']}/hearings",
        json={"hearing_date": "2026-11-20"},
        headers={"X-CSRFToken": token},
    )
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["joined_sitting"] is True and body["other_observers"] == ["Olga"]
    listed = client.get(f"/api/v1/trials/{setup['trial']['uuid']}/sittings").get_json()
    assert [(s["sitting_date"], s["session"], s["observations"], s["counted"]) for s in listed] == [
        ("2026-11-20", 1, 2, 1)
    ]
    assert body["sitting"] == listed[0]["uuid"]
    read = client.get(f"/api/v1/sittings/{listed[0]['uuid']}").get_json()
    assert [o["uuid"] for o in read["observations"]] == [body["uuid"]]  # an observer: their own only
    assert "reconciliations" not in read
    client.post("/logout", headers={"X-CSRFToken": token})
    login(client, "lena")
    read = client.get(f"/api/v1/sittings/{listed[0]['uuid']}").get_json()
    assert len(read["observations"]) == 2 and read["reconciliations"] == []


def test_the_migration_groups_existing_hearings_into_sittings_by_trial_and_date(tmp_path):
    """A database made with the schema before m010, with real rows: two observers on one date, one on
    another; after the step, two sittings, every hearing in one, the audit chain intact."""
    from monitor.auth import users
    from monitor.missions import records as missions

    path = str(tmp_path / "old.sqlite")
    db = connect(path)
    migrations.apply(db, stop_before="m010_sittings")
    assert "sitting" not in db.table_names()
    lead = users.create(
        db, ACTOR, username="lena", display_name="", password="x" * 12, role="lead", argon2=FAST_ARGON2
    )
    oleg = users.create(
        db, ACTOR, username="oleg", display_name="", password="x" * 12, role="observer", argon2=FAST_ARGON2
    )
    olga = users.create(
        db, ACTOR, username="olga", display_name="", password="x" * 12, role="observer", argon2=FAST_ARGON2
    )
    mission = missions.create_mission(
        db, ACTOR, lead, {"name": "Old", "checklist_id": "fair_trial", "checklist_version": 1}
    )
    trial = missions.create_trial(db, ACTOR, mission, {"title": "Old trial"})
    made = []
    for observer, day, courtroom in (
        (oleg, "2026-10-01", "4"),
        (olga, "2026-10-01", "5"),
        (oleg, "2026-10-02", ""),
    ):
        made.append(
            records.insert(
                db,
                "hearing",
                ACTOR,
                {
                    "trial_id": trial["id"],
                    "observer_id": observer["id"],
                    "hearing_date": day,
                    "courtroom": courtroom,
                    "judge": "Judge A",
                    "status": "submitted",
                    "checklist_id": "fair_trial",
                    "checklist_version": 1,
                },
            )
        )
    db.execute(
        "INSERT INTO sync_record (uuid, record_type, hash, version) VALUES (?, 'hearing', ?, 1)",
        [made[0]["uuid"], "0" * 64],
    )
    audit_rows = db["audit"].count
    db.close()

    assert init_db(path)[:2] == ["m010_sittings", "m011_reconciliation"]  # later steps follow
    db = connect(path)
    rows = list(db.query("SELECT * FROM sitting ORDER BY sitting_date"))
    assert [(r["sitting_date"], r["session"], r["courtroom"], r["judge"]) for r in rows] == [
        ("2026-10-01", 1, "4", "Judge A"),  # from the earliest observation
        ("2026-10-02", 1, "", "Judge A"),
    ]
    assert rows[0]["uuid"] == natural_uuid(trial["uuid"], "2026-10-01", "1")
    by_uuid = {h["uuid"]: h for h in db.query("SELECT * FROM hearing")}
    assert by_uuid[made[0]["uuid"]]["sitting_id"] == by_uuid[made[1]["uuid"]]["sitting_id"] == rows[0]["id"]
    assert by_uuid[made[2]["uuid"]]["sitting_id"] == rows[1]["id"]
    assert all(h["version"] == 1 for h in by_uuid.values())  # the observers' records are as they were
    assert db["audit"].count == audit_rows + 2  # one entry per sitting made
    entry = next(db.query("SELECT * FROM audit WHERE action = 'sitting.migrate' ORDER BY id LIMIT 1"))
    assert made[0]["uuid"] in entry["after"] and made[1]["uuid"] in entry["after"]
    assert verify(db).ok
    assert db["sync_record"].count == 0  # stale hashes forgotten: a hearing's content names its sitting
    db.close()
