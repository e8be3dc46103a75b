"""The case file between machines: pulled to a laptop, changed there, pushed back with its history; the same
fact changed on both sides is a conflict for a lead; an observer's bundle writes only their own changes."""

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.auth import users
from monitor.cases import records as cases
from monitor.db import connect
from monitor.ids import natural_uuid
from monitor.sync import conflicts, exporter
from monitor.sync.importer import Refused, import_bundle
from tests.conftest import make_app, make_user, setup_trial

ACTOR = Actor(name="test")
V1 = checklists.get("fair_trial", 1)
KEY = "informed_of_reasons"


def export(db, username, mission, what="changes", mark=True):
    user = users.get_by_username(db, username)
    mission = next(db.query("SELECT * FROM mission WHERE uuid = ?", [mission["uuid"]]))
    chosen = exporter.select(db, user, mission, what)
    data, manifest, sent = exporter.build(db, user, mission, chosen, what)
    if mark:
        exporter.mark_sent(db, sent, manifest, "test", user)
    return data


def defendant(db, uuid):
    return next(db.query("SELECT * FROM defendant WHERE uuid = ?", [uuid]))


def change(db, username, defendant_uuid, value, version, reason="", source="counsel"):
    user = users.get_by_username(db, username)
    return cases.change_facts(
        db,
        ACTOR,
        user,
        defendant(db, defendant_uuid),
        V1,
        [cases.Change(KEY, value, "", version)],
        cases.Learned(source, reason=reason),
    )


@pytest.fixture
def machines(tmp_path):
    """The server with a fact recorded by the lead, and oleg's laptop set up and pulled from it."""
    (tmp_path / "server").mkdir()
    (tmp_path / "laptop").mkdir()
    server_app = make_app(tmp_path / "server")
    setup = setup_trial(server_app, defendants=2)
    server = connect(server_app.config["DATABASE"])
    d0 = setup["defendants"][0]["uuid"]
    change(server, "lena", d0, "no", 0, source="defendant")
    laptop_app = make_app(tmp_path / "laptop")
    owner = make_user(laptop_app, "oleg", "admin")
    laptop = connect(laptop_app.config["DATABASE"])
    import_bundle(laptop, export(server, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True)
    oleg = users.get_by_username(laptop, "oleg")
    report = import_bundle(laptop, export(server, "oleg", setup["mission"], "pull", mark=False), oleg, ACTOR)
    assert report.counts["case_fact"]["inserted"] == 1
    yield server, laptop, setup, d0
    server.close()
    laptop.close()


def test_a_fact_changed_on_a_laptop_reaches_the_server_with_its_history(machines):
    server, laptop, setup, d0 = machines
    assert cases.facts(laptop, defendant(laptop, d0)["id"])[KEY]["value"] == "no"
    change(laptop, "oleg", d0, "yes", 1, reason="the record of arrest says so", source="court_record")
    push = export(laptop, "oleg", setup["mission"])
    report = import_bundle(server, push, users.get_by_username(server, "oleg"), ACTOR)
    assert report.counts["case_fact"]["updated"] == 1
    assert report.counts["case_fact_history"]["inserted"] == 1
    fact = cases.facts(server, defendant(server, d0)["id"])[KEY]
    assert (fact["value"], fact["source"], fact["recorded_by_name"]) == ("yes", "court_record", "oleg")
    [kept] = cases.history(server, defendant(server, d0)["id"])[KEY]
    assert (kept["value"], kept["source"], kept["recorded_by_name"]) == ("no", "defendant", "lena")
    assert (kept["changed_by_name"], kept["reason"]) == ("oleg", "the record of arrest says so")
    again = import_bundle(server, push, users.get_by_username(server, "oleg"), ACTOR)  # exactly once
    assert again.total("inserted") == again.total("updated") == 0
    # and back: the lead's pull of the server now carries it to another laptop unchanged
    assert server.execute("SELECT count(*) FROM case_fact_history").fetchone()[0] == 1


def test_a_fact_changed_on_both_sides_is_a_conflict_for_a_lead(machines):
    server, laptop, setup, d0 = machines
    change(server, "lena", d0, "unclear", 1, reason="the judge said otherwise", source="observed")
    change(laptop, "oleg", d0, "yes", 1, reason="counsel corrected it")
    report = import_bundle(
        server, export(laptop, "oleg", setup["mission"]), users.get_by_username(server, "oleg"), ACTOR
    )
    assert [c["type"] for c in report.conflicts] == ["case_fact"]
    assert cases.facts(server, defendant(server, d0)["id"])[KEY]["value"] == "unclear"  # ours stays
    conflict = next(server.query("SELECT * FROM sync_conflict"))
    assert conflict["record_uuid"] == natural_uuid(d0, KEY) and '"value":"yes"' in conflict["incoming"]
    # the lead takes the laptop's version: the value it replaces is kept in the history, nothing lost
    lena = users.get_by_username(server, "lena")
    choices = {f["field"]: "incoming" for f in conflicts.differing(conflict)}
    conflicts.resolve(server, ACTOR, lena, conflict, choices)
    fact = cases.facts(server, defendant(server, d0)["id"])[KEY]
    assert fact["value"] == "yes"
    latest = cases.history(server, defendant(server, d0)["id"])[KEY][0]
    assert (latest["value"], latest["source"], latest["reason"]) == (
        "unclear",
        "observed",
        "sync conflict resolved",
    )


def test_the_same_fact_recorded_on_two_machines_is_one_record(machines):
    server, laptop, setup, _d0 = machines
    d1 = setup["defendants"][1]["uuid"]
    change(server, "oleg", d1, "no", 0, source="family")
    change(laptop, "oleg", d1, "no", 0, source="family")
    report = import_bundle(
        server, export(laptop, "oleg", setup["mission"]), users.get_by_username(server, "oleg"), ACTOR
    )
    # same uuid both sides; it is either the same content or a conflict, never a second fact
    assert report.counts["case_fact"].get("inserted", 0) == 0
    assert server.execute("SELECT count(*) FROM case_fact WHERE item_key = ?", [KEY]).fetchone()[0] == 2


def test_an_observer_cannot_send_a_fact_in_another_persons_name(machines):
    server, laptop, setup, d0 = machines
    lena = users.get_by_username(laptop, "lena")
    fact = cases.facts(laptop, defendant(laptop, d0)["id"])[KEY]
    laptop.execute(
        "UPDATE case_fact SET value = 'yes', recorded_by = ?, version = version + 1 WHERE id = ?",
        [lena["id"], fact["id"]],
    )
    laptop.conn.commit()
    oleg_laptop = users.get_by_username(laptop, "oleg")
    mission = next(laptop.query("SELECT * FROM mission"))
    chosen = exporter.select(
        laptop,
        users.get_by_username(laptop, "lena"),
        mission,
        "trial",
        trial=next(laptop.query("SELECT * FROM trial")),
    )
    data, _manifest, _sent = exporter.build(laptop, oleg_laptop, mission, chosen, "changes")
    with pytest.raises(Refused, match="another person's name"):
        import_bundle(server, data, users.get_by_username(server, "oleg"), ACTOR)
    assert cases.facts(server, defendant(server, d0)["id"])[KEY]["value"] == "no"
