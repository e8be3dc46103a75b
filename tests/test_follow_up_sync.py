"""Follow-up events and legal assessments between machines: a lead's bundle carries them and a second
import changes nothing; a withdrawal follows; an observer's bundle carrying one is refused whole."""

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.follow_up import legal
from monitor.follow_up import records as follow_up
from monitor.follow_up import sync as after_court
from monitor.sync import exporter
from monitor.sync.importer import Refused, import_bundle
from tests.conftest import make_app, make_user, setup_trial, start_hearing, submitted_allegations

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
EVENT = {"kind": "complaint_lodged", "event_date": "2026-02-01", "source": "Counsel"}


def bundle(db, username, what="trial"):
    user = users.get_by_username(db, username)
    mission = next(db.query("SELECT * FROM mission"))
    trial = next(db.query("SELECT * FROM trial"))
    chosen = exporter.select(db, user, mission, what, trial=trial if what == "trial" else None)
    data, manifest, sent = exporter.build(db, user, mission, chosen, what)
    exporter.mark_sent(db, sent, manifest, "test", user)  # what crossed: a later change is an update
    return data


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    app = make_app(tmp_path / "server")
    setup = setup_trial(app, defendants=2)
    db = connect(app.config["DATABASE"])
    hearing = start_hearing(app, setup)
    [allegation] = submitted_allegations(db, hearing, setup["defendants"][:1], CHECKLIST, ACTOR)
    event = follow_up.add(db, ACTOR, setup["lead"], allegation, EVENT)
    trial = records.get(db, "trial", setup["trial"]["uuid"])
    entries = [{"right_key": "", "conclusion": "unfair", "reasoning": "Torture ignored."}]
    legal.save(db, ACTOR, setup["lead"], trial, CHECKLIST, entries)
    yield {"app": app, "db": db, "setup": setup, "allegation": allegation, "event": event}
    db.close()


def laptop(tmp_path, name, username, role="admin"):
    (tmp_path / name).mkdir()
    app = make_app(tmp_path / name)
    owner = make_user(app, username, role)
    return connect(app.config["DATABASE"]), owner


def test_a_leads_bundle_carries_follow_up_and_assessment_once(server, tmp_path):
    third, owner = laptop(tmp_path, "third", "lena")
    try:
        report = import_bundle(third, bundle(server["db"], "lena"), owner, ACTOR, link_account=True)
        assert report.counts["follow_up"]["inserted"] == 1
        assert report.counts["legal_assessment"]["inserted"] == 1
        row = records.get(third, "follow_up", server["event"]["uuid"])
        assert (row["kind"], row["source"], row["allegation_uuid"]) == (
            "complaint_lodged",
            "Counsel",
            server["allegation"]["uuid"],
        )
        again = import_bundle(third, bundle(server["db"], "lena"), owner, ACTOR)
        assert again.counts["follow_up"].get("inserted", 0) == 0 and not again.counts["follow_up"].get(
            "updated"
        )
        follow_up.withdraw(server["db"], ACTOR, server["event"], "wrong defendant")
        withdrawn = import_bundle(third, bundle(server["db"], "lena"), owner, ACTOR)
        assert withdrawn.counts["follow_up"]["updated"] == 1
        assert (
            records.get(third, "follow_up", server["event"]["uuid"])["withdrawn_reason"] == "wrong defendant"
        )
    finally:
        third.close()


def test_an_observers_bundle_never_carries_a_leads_records(server):
    oleg = users.get_by_username(server["db"], "oleg")
    mission = next(server["db"].query("SELECT * FROM mission"))
    chosen = exporter.select(server["db"], oleg, mission, "pull")
    assert not chosen.records.get("follow_up") and not chosen.records.get("legal_assessment")


def test_an_observer_importing_a_follow_up_is_refused_and_nothing_changes(server, tmp_path):
    db, setup = server["db"], server["setup"]
    oleg = users.get_by_username(db, "oleg")
    content = {
        **{k: "" for k in follow_up.FIELDS},
        **EVENT,
        "allegation_uuid": server["allegation"]["uuid"],
        "trial_uuid": setup["trial"]["uuid"],
        "recorded_by_uuid": oleg["uuid"],
        "withdrawn_at": None,
        "withdrawn_reason": "",
    }
    with pytest.raises(Refused, match="only a lead of the mission writes one"):
        after_court.authorize(db, oleg, "follow_up", content, None, setup["mission"]["id"], "x")


def test_a_follow_up_naming_an_allegation_of_another_trial_is_refused(server):
    db, setup = server["db"], server["setup"]
    from monitor.missions import records as missions

    other_trial = missions.create_trial(db, ACTOR, setup["mission"], {"title": "Other trial"})
    lena = users.get_by_username(db, "lena")
    content = {
        **{k: "" for k in follow_up.FIELDS},
        **EVENT,
        "allegation_uuid": server["allegation"]["uuid"],
        "trial_uuid": other_trial["uuid"],
        "recorded_by_uuid": lena["uuid"],
        "withdrawn_at": None,
        "withdrawn_reason": "",
    }
    with pytest.raises(Refused, match="another trial"):
        after_court.authorize(db, lena, "follow_up", content, None, setup["mission"]["id"], "x")
