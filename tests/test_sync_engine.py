"""The sync engine without HTTP: export, import, idempotence, conflicts, refusals — two real databases."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.sync import conflicts, exporter
from monitor.sync.bundle import FORMAT_VERSION, BundleError
from monitor.sync.content import content_hash
from monitor.sync.importer import import_bundle
from tests.conftest import make_app, make_user, setup_trial

ACTOR = Actor(name="test")
TABLES = ("mission", "trial", "defendant", "hearing", "answer", "witness", "allegation", "note", "review")


def counts(db) -> dict:
    return {table: db[table].count for table in TABLES} | {
        "mission_member": db["mission_member"].count,
        "hearing_defendant": db["hearing_defendant"].count,
    }


def versions(db) -> dict:
    return {
        table: sorted((r["uuid"], r["version"]) for r in db.query(f"SELECT uuid, version FROM [{table}]"))  # noqa: S608
        for table in TABLES
    }


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    app = make_app(tmp_path / "server")
    setup = setup_trial(app, defendants=4)
    db = connect(app.config["DATABASE"])
    yield app, setup, db
    db.close()


@pytest.fixture
def laptop(tmp_path):
    (tmp_path / "laptop").mkdir()
    app = make_app(tmp_path / "laptop")
    owner = make_user(
        app, "oleg", "admin"
    )  # first-run account on the laptop: same user name as on the server
    db = connect(app.config["DATABASE"])
    yield app, owner, db
    db.close()


def export(db, username, mission, what="changes", mark=True, **kwargs):
    user = users.get_by_username(db, username)
    mission = db["mission"].get(mission["id"]) if "id" in mission else mission
    chosen = exporter.select(db, user, mission, what, trial=kwargs.pop("trial", None))
    data, manifest, sent = exporter.build(db, user, mission, chosen, what, **kwargs)
    if mark:
        exporter.mark_sent(db, sent, manifest, "test", user)
    return data


def local_mission(db, mission_uuid):
    return next(db.query("SELECT * FROM mission WHERE uuid = ?", [mission_uuid]))


def answer_everything(db, hearing, defendants, value="no"):
    checklist = checklists.get("fair_trial", 1)
    items = [i for i in checklist.items if i.scope == "defendant" and i.answer == "yesno"][:5]
    batch = [
        {"target": "answer", "item": item.key, "subject": d["uuid"], "field": "value", "value": value}
        for item in items
        for d in defendants
    ]
    assert observe.save_changes(db, ACTOR, hearing, checklist, batch) == []


def test_setup_then_hearings_then_push_round_trip(server, laptop):
    server_app, setup, server_db = server
    laptop_app, owner, laptop_db = laptop
    setup_bundle = export(server_db, "lena", setup["mission"], "setup")
    report = import_bundle(laptop_db, setup_bundle, owner, ACTOR, link_account=True)
    assert report.linked
    assert report.total("inserted") == 1 + 1 + 4  # mission, trial, four defendants
    assert laptop_db["trial_observer"].count == 1
    me = users.get_by_username(laptop_db, "oleg")
    assert me["uuid"] == setup["observer"]["uuid"]  # the laptop account now is the server's oleg

    mission = local_mission(laptop_db, setup["mission"]["uuid"])
    trial = laptop_db["trial"].get(1)
    hearing = observe.start_hearing(laptop_db, ACTOR, trial, mission, me, "2026-11-21")
    defendants = missions.defendants(laptop_db, trial["id"])
    answer_everything(laptop_db, hearing, defendants)
    observe.add_note(laptop_db, ACTOR, hearing, me["id"], "Court opened late", "2026-11-21T09:05:00Z")
    observe.submit(laptop_db, ACTOR, hearing)

    push = export(laptop_db, "oleg", mission)
    server_oleg = users.get_by_username(server_db, "oleg")
    first = import_bundle(server_db, push, server_oleg, ACTOR)
    assert first.counts["hearing"]["inserted"] == 1 and first.counts["note"]["inserted"] == 1
    assert server_db["answer"].count == 20
    before, before_versions = counts(server_db), versions(server_db)
    for _ in range(2):
        again = import_bundle(server_db, push, server_oleg, ACTOR)
        assert again.total("inserted") == again.total("updated") == again.total("conflict") == 0
    assert counts(server_db) == before and versions(server_db) == before_versions
    # nothing new on the laptop: a second "changes" export carries no records
    assert exporter.select(laptop_db, me, mission, "changes").count() == 0


def test_a_dry_run_reports_and_writes_nothing(server, laptop):
    _app, setup, server_db = server
    _lapp, owner, laptop_db = laptop
    data = export(server_db, "lena", setup["mission"], "setup", mark=False)
    before = counts(laptop_db)
    report = import_bundle(laptop_db, data, owner, ACTOR, dry_run=True)
    assert report.total("inserted") == 6 and report.dry_run
    assert counts(laptop_db) == before


def test_two_laptops_edit_the_same_defendant_one_conflict_nothing_overwritten(server, tmp_path):
    server_app, setup, server_db = server
    second_lead = make_user(server_app, "lara", "lead")
    missions.add_member(server_db, ACTOR, setup["mission"], second_lead, "lead")
    laptops = []
    for name in ("lena", "lara"):
        folder = tmp_path / f"laptop-{name}"
        folder.mkdir()
        app = make_app(folder)
        owner = make_user(app, name, "admin")
        db = connect(app.config["DATABASE"])
        import_bundle(
            db, export(server_db, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True
        )
        laptops.append((db, users.get_by_username(db, name)))
    defendant_uuid = setup["defendants"][0]["uuid"]
    for (db, _user), sentence in zip(laptops, ("5 years", "7 years"), strict=True):
        row = next(db.query("SELECT * FROM defendant WHERE uuid = ?", [defendant_uuid]))
        missions.update_defendant(db, ACTOR, row, {"sentence": sentence})
    results, bundles = [], []
    for db, user in laptops:
        bundles.append(export(db, user["username"], local_mission(db, setup["mission"]["uuid"])))
        server_user = users.get_by_username(server_db, user["username"])
        results.append(import_bundle(server_db, bundles[-1], server_user, ACTOR))
    assert results[0].counts["defendant"]["updated"] == 1
    assert results[1].counts["defendant"]["conflict"] == 1
    row = next(server_db.query("SELECT * FROM defendant WHERE uuid = ?", [defendant_uuid]))
    assert row["sentence"] == "5 years"  # the second laptop overwrote nothing
    queue = conflicts.open_conflicts(server_db, None)
    assert len(queue) == 1
    fields = conflicts.differing(queue[0])
    assert [f["field"] for f in fields] == ["sentence"]
    lead = users.get_by_username(server_db, "lena")
    conflicts.resolve(
        server_db, Actor(uuid=lead["uuid"], name="lena"), lead, queue[0], {"sentence": "incoming"}
    )
    row = next(server_db.query("SELECT * FROM defendant WHERE uuid = ?", [defendant_uuid]))
    assert row["sentence"] == "7 years"
    assert conflicts.open_conflicts(server_db, None) == []
    entry = next(server_db.query("SELECT * FROM audit WHERE action = 'sync.resolve'"))
    assert entry["actor_name"] == "lena" and json.loads(entry["after"])["incoming_fields"] == ["sentence"]
    # the second laptop's bundle again: its version is known now, so no new conflict and no change
    again = import_bundle(server_db, bundles[1], users.get_by_username(server_db, "lara"), ACTOR)
    assert again.total("conflict") == again.total("updated") == 0
    assert conflicts.open_conflicts(server_db, None) == []
    for db, _user in laptops:
        db.close()


def test_refusals_change_nothing(server, laptop):
    server_app, setup, server_db = server
    _lapp, owner, laptop_db = laptop
    good = export(server_db, "lena", setup["mission"], "setup", mark=False)
    sealed = export(server_db, "lena", setup["mission"], "setup", mark=False, passphrase="a long passphrase")
    before = counts(laptop_db)
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01
    cases = {
        "flipped byte": (bytes(flipped), None),
        "truncated": (good[: len(good) // 2], None),
        "wrong passphrase": (sealed, "not the passphrase"),
        "sealed flipped": (sealed[:-10] + bytes([sealed[-10] ^ 1]) + sealed[-9:], "a long passphrase"),
        "no passphrase": (sealed, None),
    }
    for name, (data, passphrase) in cases.items():
        with pytest.raises(BundleError) as caught:
            import_bundle(laptop_db, data, owner, ACTOR, passphrase=passphrase)
        assert str(caught.value), name
    assert counts(laptop_db) == before
    assert (
        import_bundle(laptop_db, sealed, owner, ACTOR, passphrase="a long passphrase").total("inserted") == 6
    )


def craft(data: bytes, mutate) -> bytes:
    """Rebuild a bundle after ``mutate(manifest, parts)`` with every checksum made right again, as an
    attacker who knows the format would."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        parts = {name: json.loads(archive.read(name)) for name in manifest["parts"]}
    mutate(manifest, parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, items in parts.items():
            if name.startswith("records/"):
                for record in items:
                    record["hash"] = content_hash(record["content"])
            raw = json.dumps(items).encode()
            manifest["parts"][name].update(count=len(items), sha256=hashlib.sha256(raw).hexdigest())
            archive.writestr(name, raw)
        archive.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


def records_of(parts, record_type):
    return [r for name, items in parts.items() if name.startswith(f"records/{record_type}-") for r in items]


@pytest.fixture
def pushed(server, laptop):
    """Oleg's laptop, set up from the server, with one submitted hearing; its push bundle (not yet sent)."""
    _app, setup, server_db = server
    _lapp, owner, laptop_db = laptop
    import_bundle(
        laptop_db, export(server_db, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True
    )
    me = users.get_by_username(laptop_db, "oleg")
    mission = local_mission(laptop_db, setup["mission"]["uuid"])
    trial = next(laptop_db.query("SELECT * FROM trial"))
    hearing = observe.start_hearing(laptop_db, ACTOR, trial, mission, me, "2026-11-21")
    answer_everything(laptop_db, hearing, missions.defendants(laptop_db, trial["id"]))
    observe.add_witness(laptop_db, ACTOR, hearing, me["id"])
    observe.add_note(laptop_db, ACTOR, hearing, me["id"], "Judge left at noon", "2026-11-21T12:00:00Z")
    observe.submit(laptop_db, ACTOR, hearing)
    return export(laptop_db, "oleg", mission, mark=False)


def other_mission(server_db, lead):
    checklist = checklists.get("fair_trial", 1)
    mission = missions.create_mission(
        server_db,
        ACTOR,
        lead,
        {"name": "Other", "checklist_id": checklist.id, "checklist_version": checklist.version},
    )
    return mission, missions.create_trial(server_db, ACTOR, mission, {"title": "Other trial"})


def test_crafted_bundles_are_refused_and_change_nothing(server, pushed):
    server_app, setup, server_db = server
    oleg = users.get_by_username(server_db, "oleg")
    olga = make_user(server_app, "olga", "observer")
    missions.assign_observer(server_db, ACTOR, setup["trial"], olga, setup["mission"])
    other, other_trial = other_mission(server_db, setup["lead"])

    def as_lena(manifest, parts):
        for record in records_of(parts, "hearing"):
            record["content"]["observer_uuid"] = setup["lead"]["uuid"]

    def into_other_trial(manifest, parts):
        for record in records_of(parts, "hearing"):
            record["content"]["trial_uuid"] = other_trial["uuid"]

    def other_mission_manifest(manifest, parts):
        manifest["mission"]["uuid"] = other["uuid"]

    def approve_own(manifest, parts):
        for record in records_of(parts, "hearing"):
            record["content"]["status"] = "approved"

    def change_defendant(manifest, parts):
        defendant = server_db["defendant"].get(setup["defendants"][0]["id"])
        content = exporter.Reader(server_db).record(exporter.KINDS["defendant"], defendant)
        content["content"]["sentence"] = "acquitted by the observer"
        parts["records/defendant-0001.json"] = [content]
        manifest["parts"]["records/defendant-0001.json"] = {"type": "defendant"}

    def newer_format(manifest, parts):
        manifest["format_version"] = FORMAT_VERSION + 1

    def unknown_question(manifest, parts):
        records_of(parts, "hearing")[0]["content"]["answers"][0][1] = "was_the_moon_full"

    def impossible_answer(manifest, parts):
        records_of(parts, "hearing")[0]["content"]["answers"][0][2] = "maybe"

    def witness_on_no_side(manifest, parts):
        records_of(parts, "witness")[0]["content"]["side"] = "the moon"

    before, before_versions = counts(server_db), versions(server_db)
    cases = {
        "impersonates another user": (as_lena, oleg, "another person"),
        "writes into another mission's trial": (into_other_trial, oleg, "another mission"),
        "claims another mission": (other_mission_manifest, oleg, "another mission"),
        "approves its own hearing": (approve_own, oleg, "Only a lead"),
        "changes a defendant as an observer": (change_defendant, oleg, "only a lead"),
        "newer format": (newer_format, oleg, "newer version"),
        "answers a question the checklist lacks": (unknown_question, oleg, "its checklist does not have"),
        "gives an answer the checklist does not allow": (
            impossible_answer,
            oleg,
            "not one the checklist allows",
        ),
        "a witness field the form refuses": (witness_on_no_side, oleg, "the form refuses in side"),
        "someone else's push": (lambda m, p: None, olga, "another person"),
    }
    for name, (mutate, importer_user, message) in cases.items():
        with pytest.raises(BundleError) as caught:
            import_bundle(server_db, craft(pushed, mutate), importer_user, ACTOR)
        assert message in str(caught.value), (name, str(caught.value))
    assert counts(server_db) == before and versions(server_db) == before_versions
    assert import_bundle(server_db, pushed, oleg, ACTOR).counts["hearing"]["inserted"] == 1


SCHEMA = json.loads((Path(__file__).parent.parent / "monitor" / "sync" / "schema.json").read_text())


def test_every_part_of_a_bundle_follows_the_published_schema(server, pushed):
    _app, setup, server_db = server
    validator = jsonschema.Draft202012Validator
    validator.check_schema(SCHEMA)
    defs = {"$defs": SCHEMA["$defs"]}
    bundles = [pushed, export(server_db, "lena", setup["mission"], "trial", trial=setup["trial"], mark=False)]
    seen_types = set()
    for data in bundles:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            validator(SCHEMA).validate(manifest)
            for name, info in manifest["parts"].items():
                items = json.loads(archive.read(name))
                kind = info["type"]
                item_schema = {"user": "user", "audit": "audit_entry"}.get(kind, "record")
                for item in items:
                    validator({**defs, "$ref": f"#/$defs/{item_schema}"}).validate(item)
                    if item_schema == "record":
                        validator({**defs, "$ref": f"#/$defs/content.{kind}"}).validate(item["content"])
                seen_types.add(kind)
    assert {"user", "audit", "mission", "trial", "defendant", "hearing", "witness", "note"} <= seen_types


def test_the_schema_lists_exactly_the_fields_a_record_carries(server):
    """A migration that adds a column makes it travel: the schema (and docs/bundle-format.md) must follow."""
    _app, _setup, server_db = server
    from monitor.sync.content import KINDS, columns

    for name, kind in KINDS.items():
        expected = set(columns(server_db, kind)) | {key for _c, key in kind.people} | set(kind.extra)
        expected |= {f"{table}_uuid" for _c, table in kind.links}
        if kind.parent_key:
            expected.add(kind.parent_key)
        assert set(SCHEMA["$defs"][f"content.{name}"]["properties"]) == expected, name


def answer_indexes(db) -> set[str]:
    return {
        row["name"]
        for row in db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'answer'")
    }


def test_a_bulk_import_rebuilds_the_answer_indexes_and_a_failed_one_keeps_them(server, pushed, monkeypatch):
    from monitor.sync import importer

    _app, _setup, server_db = server
    oleg = users.get_by_username(server_db, "oleg")
    indexes = answer_indexes(server_db)
    assert {"answer_item", "answer_units"} <= indexes
    monkeypatch.setattr(importer, "BULK_HEARINGS", 1)

    def broken(manifest, parts):
        records_of(parts, "witness_appearance")[0]["content"]["hearing_uuid"] = (
            "00000000-0000-4000-8000-000000000000"
        )

    with pytest.raises(BundleError):
        import_bundle(server_db, craft(pushed, broken), oleg, ACTOR)
    assert answer_indexes(server_db) == indexes and server_db["answer"].count == 0
    report = import_bundle(server_db, pushed, oleg, ACTOR)
    assert report.counts["hearing"]["inserted"] == 1
    assert answer_indexes(server_db) == indexes
    assert server_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plan = server_db.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM answer WHERE item_key = 'x' AND value = 'no'"
    ).fetchall()
    assert "answer_item" in str(plan) or "answer_units" in str(plan)


def test_any_single_flipped_bit_is_refused_or_harmless(server, laptop):
    """Every third byte of a real bundle, one bit flipped: a clear BundleError, or — where zip does not
    look (a timestamp in a header) — exactly the import of the intact file. Nothing else escapes."""
    _app, setup, server_db = server
    _lapp, owner, laptop_db = laptop
    good = export(server_db, "lena", setup["mission"], "setup", mark=False)
    intact = import_bundle(laptop_db, good, owner, ACTOR, dry_run=True).counts
    refused = 0
    for position in range(0, len(good), 3):
        for bit in (0, 5):
            data = good[:position] + bytes([good[position] ^ (1 << bit)]) + good[position + 1 :]
            try:
                report = import_bundle(laptop_db, data, owner, ACTOR, dry_run=True)
            except BundleError:
                refused += 1
                continue
            assert report.counts == intact, position
    assert refused > len(good) // 3  # most flips are caught by checksums, CRCs or the zip structure
    assert laptop_db["mission"].count == 0
