"""Sittings and reconciliations between machines: two laptops that record one sitting offline make one
sitting on the server; a bundle of format 1 (hearings without sittings) still imports."""

import pytest

from monitor import checklists, records
from monitor.auth import users
from monitor.db import connect
from monitor.ids import natural_uuid
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sittings
from monitor.sync.bundle import BundleError
from monitor.sync.importer import import_bundle
from tests.conftest import make_app, make_user
from tests.test_sync_engine import ACTOR, craft, export, local_mission, records_of


@pytest.fixture
def field(tmp_path):
    """A server with lena's mission (oleg and olga observe its trial) and each observer's laptop, set up."""
    from tests.conftest import setup_trial

    (tmp_path / "server").mkdir()
    server_app = make_app(tmp_path / "server")
    setup = setup_trial(server_app, defendants=2)
    olga = make_user(server_app, "olga", "observer")
    server = connect(server_app.config["DATABASE"])
    missions.add_member(server, ACTOR, setup["mission"], olga, "observer")
    missions.assign_observer(server, ACTOR, setup["trial"], olga, setup["mission"])
    laptops = {}
    for name in ("oleg", "olga"):
        (tmp_path / name).mkdir()
        app = make_app(tmp_path / name)
        owner = make_user(app, name, "admin")
        db = connect(app.config["DATABASE"])
        import_bundle(db, export(server, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True)
        laptops[name] = db
    yield setup, server, laptops
    for db in (server, *laptops.values()):
        db.close()


def observe_offline(db, username, value):
    me = users.get_by_username(db, username)
    mission = local_mission(db, next(db.query("SELECT uuid FROM mission"))["uuid"])
    trial = next(db.query("SELECT * FROM trial"))
    hearing = observe.start_hearing(db, ACTOR, trial, mission, me, "2026-11-21")
    change = {"target": "answer", "item": "public_admitted", "subject": "", "field": "value", "value": value}
    assert observe.save_changes(db, ACTOR, hearing, checklists.get("fair_trial", 1), [change]) == []
    observe.submit(db, ACTOR, hearing)
    return export(db, username, mission)


def test_two_laptops_recording_one_sitting_offline_make_one_sitting_on_the_server(field):
    setup, server, laptops = field
    pushes = {
        name: observe_offline(db, name, value)
        for (name, db), value in zip(laptops.items(), ("yes", "no"), strict=True)
    }
    expected = natural_uuid(setup["trial"]["uuid"], "2026-11-21", "1")
    for name in ("oleg", "olga"):
        assert next(laptops[name].query("SELECT uuid FROM sitting"))["uuid"] == expected  # agreed offline
    first = import_bundle(server, pushes["oleg"], users.get_by_username(server, "oleg"), ACTOR)
    assert first.counts["sitting"]["inserted"] == 1 and first.counts["hearing"]["inserted"] == 1
    second = import_bundle(server, pushes["olga"], users.get_by_username(server, "olga"), ACTOR)
    assert second.counts["sitting"]["unchanged"] == 1 and second.counts["hearing"]["inserted"] == 1
    assert server["sitting"].count == 1
    sitting = records.get(server, "sitting", expected)
    assert {h["sitting_id"] for h in server.query("SELECT sitting_id FROM hearing")} == {sitting["id"]}
    assert [d["item_key"] for d in sittings.disagreements(server, sitting)] == ["public_admitted"]


def test_a_lead_reconciliation_travels_to_a_lead_and_an_observer_cannot_send_one(field, tmp_path):
    setup, server, laptops = field
    for name, value in (("oleg", "yes"), ("olga", "no")):
        push = observe_offline(laptops[name], name, value)
        import_bundle(server, push, users.get_by_username(server, name), ACTOR)
    sitting = next(server.query("SELECT * FROM sitting"))
    lena = users.get_by_username(server, "lena")
    sittings.reconcile(
        server,
        ACTOR,
        sitting,
        checklists.get("fair_trial", 1),
        lena["id"],
        "",
        "public_admitted",
        "no",
        "Notes",
    )
    bundle = export(server, "lena", setup["mission"], "trial", trial=setup["trial"], mark=False)
    (tmp_path / "copy").mkdir()
    copy_app = make_app(tmp_path / "copy")
    copy = connect(copy_app.config["DATABASE"])
    owner = make_user(copy_app, "lena", "admin")  # a lead's laptop: its first-run account
    report = import_bundle(copy, bundle, owner, ACTOR, link_account=True)
    assert report.counts["reconciliation"]["inserted"] == 1
    row = next(
        copy.query(
            "SELECT reconciliation.*, sitting.uuid AS s FROM reconciliation "
            "JOIN sitting ON sitting.id = sitting_id"
        )
    )
    assert (row["value"], row["reason"], row["s"]) == ("no", "Notes", sitting["uuid"])
    copy.close()

    # an observer's laptop cannot bring one in, even crafted with every checksum right
    oleg_push = observe_offline(laptops["oleg"], "oleg", "yes")
    lead_parts = {}

    def add_reconciliation(manifest, parts):
        with_reconciliation = craft(bundle, lambda m, p: lead_parts.update(p))
        assert with_reconciliation
        name = next(n for n in lead_parts if n.startswith("records/reconciliation-"))
        parts[name] = lead_parts[name]
        parts[name][0]["content"].update(value="yes", reason="the observer decides")
        manifest["parts"][name] = {"type": "reconciliation"}

    crafted = craft(oleg_push, add_reconciliation)
    with pytest.raises(BundleError, match="only a lead of the mission"):
        import_bundle(server, crafted, users.get_by_username(server, "oleg"), ACTOR)
    assert [r["value"] for r in server.query("SELECT value FROM reconciliation")] == ["no"]


def test_a_format_1_bundle_still_imports_and_its_hearing_gets_the_natural_sitting(field):
    setup, server, laptops = field
    push = observe_offline(laptops["oleg"], "oleg", "yes")

    def as_format_1(manifest, parts):
        manifest["format_version"] = 1
        for name in [n for n in parts if n.startswith("records/sitting-")]:
            del parts[name]
            del manifest["parts"][name]
        for record in records_of(parts, "hearing"):
            del record["content"]["sitting_uuid"]

    old = craft(push, as_format_1)
    report = import_bundle(server, old, users.get_by_username(server, "oleg"), ACTOR)
    assert report.counts["hearing"]["inserted"] == 1 and report.counts["sitting"]["inserted"] == 1
    sitting = next(server.query("SELECT * FROM sitting"))
    assert sitting["uuid"] == natural_uuid(setup["trial"]["uuid"], "2026-11-21", "1")
    assert next(server.query("SELECT sitting_id FROM hearing"))["sitting_id"] == sitting["id"]
    # the same hearing, sent again in format 2, is unchanged: both machines name the same sitting
    again = import_bundle(server, push, users.get_by_username(server, "oleg"), ACTOR)
    assert again.counts["hearing"]["unchanged"] == 1 and again.counts["sitting"]["unchanged"] == 1
    assert server["sitting"].count == 1


def test_a_hearing_cannot_name_a_sitting_of_another_trial(field):
    setup, server, laptops = field
    push = observe_offline(laptops["oleg"], "oleg", "yes")
    other = missions.create_trial(server, ACTOR, setup["mission"], {"title": "Other trial"})
    foreign, _made = sittings.sitting_for(server, ACTOR, other, "2026-11-21")

    def elsewhere(manifest, parts):
        for name in [n for n in parts if n.startswith("records/sitting-")]:
            del parts[name]
            del manifest["parts"][name]
        for record in records_of(parts, "hearing"):
            record["content"]["sitting_uuid"] = foreign["uuid"]

    before = server["hearing"].count
    with pytest.raises(BundleError, match="another trial"):
        import_bundle(server, craft(push, elsewhere), users.get_by_username(server, "oleg"), ACTOR)
    assert server["hearing"].count == before
