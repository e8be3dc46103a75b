"""A witness is a person in the trial, heard at one or more sittings (appearances): counted once, matched
from per-hearing records by migration and by format-1 bundles, merged and split by a lead."""

import io
import json
import zipfile

import pytest

from monitor import audit, checklists, records
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.findings.aggregate import findings
from monitor.findings.scope import Scope
from monitor.migrations import migrations
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.sync.importer import import_bundle
from monitor.witnesses import matching
from monitor.witnesses import records as witnesses
from tests.conftest import login, make_app, make_user, post, setup_trial, start_hearing
from tests.test_sync_engine import craft, export, records_of

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
ITEM = "anonymous_defence_could_question"  # a v1 witness-scope item
SECRET = "Zhanar Oskemenova, police sergeant"


def hear(db, hearing, person_uuid=None, **fields):
    """A witness heard at this hearing (a person heard again when ``person_uuid``), with these fields."""
    witness = observe.add_witness(db, ACTOR, hearing, hearing["observer_id"], person_uuid)
    if fields:
        changes = observe.changes("witness", fields, witness["uuid"])
        assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []
    return witnesses.appearance(db, witness["uuid"])


def submitted(db, hearing):
    observe.submit(db, ACTOR, records.get(db, "hearing", hearing["uuid"]))


@pytest.fixture
def trial(app, people):
    return setup_trial(app)


def test_a_witness_heard_at_three_sittings_counts_once(app, trial, db):
    heard = []
    for day in ("2026-11-20", "2026-11-21", "2026-11-24"):
        hearing = start_hearing(app, trial, hearing_date=day)
        person = heard[0]["person_uuid"] if heard else None
        fields = {} if heard else {"label": "Witness K", "anonymous": 1, "side": "prosecution"}
        heard.append(hear(db, hearing, person, **fields))
        answer = {"target": "answer", "item": ITEM, "subject": heard[-1]["uuid"], "field": "value"}
        assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, [{**answer, "value": "no"}]) == []
        submitted(db, hearing)
    other = start_hearing(app, trial, hearing_date="2026-11-25")
    hear(db, other, label="Witness L", side="defence")
    submitted(db, other)
    assert len({w["uuid"] for w in heard}) == 3 and {w["person_uuid"] for w in heard} == {
        heard[0]["person_uuid"]
    }
    assert heard[-1]["heard"] == 3
    data = findings(db, Scope(trial["mission"]["id"]), CHECKLIST, trial["mission"])
    anonymous = data["anonymous_witnesses"]
    assert anonymous["witnesses"]["count"] == 2  # two persons, four appearances
    assert anonymous["anonymous"] == {"count": 1, "of": 2, "uuids": [heard[0]["person_uuid"]]}
    item = next(i for i in data["items"] if i["key"] == ITEM)
    assert item["observed"] == {"count": 1, "of": None, "uuids": [heard[0]["person_uuid"]]}


def test_an_allegation_by_a_witness_heard_twice_counts_one_witness_alleging(app, trial, db):
    first, second = start_hearing(app, trial), start_hearing(app, trial, hearing_date="2026-11-27")
    one = hear(db, first, label="Witness M")
    again = hear(db, second, one["person_uuid"])
    for hearing, appearance in ((first, one), (second, again)):
        allegation = observe.add_allegation(db, ACTOR, hearing)
        told = {"alleged_by": "witness", "witness_uuid": appearance["uuid"], "stage": "police_custody"}
        assert (
            observe.save_changes(
                db, ACTOR, hearing, CHECKLIST, observe.changes("allegation", told, allegation["uuid"])
            )
            == []
        )
        submitted(db, hearing)
    torture = findings(db, Scope(trial["mission"]["id"]), CHECKLIST, trial["mission"])["torture"]
    assert torture["witnesses_alleging"] == {"count": 1, "of": 1, "uuids": [one["person_uuid"]]}
    assert torture["allegations"]["count"] == 2


def test_only_its_recorder_changes_who_a_witness_heard_again_is(app, trial, db, people):
    first = start_hearing(app, trial)
    one = hear(db, first, label="Witness N", anonymous=1, identity=SECRET)
    olga = users.get_by_username(db, "olga")
    missions.assign_observer(db, ACTOR, trial["trial"], olga, trial["mission"])
    theirs = start_hearing(app, trial, observer=olga, hearing_date="2026-11-28")
    again = hear(db, theirs, one["person_uuid"])
    refused = observe.save_changes(
        db, ACTOR, theirs, CHECKLIST, observe.changes("witness", {"identity": "X"}, again["uuid"])
    )
    assert len(refused) == 1 and witnesses.person(db, one["person_uuid"])["identity"] == SECRET
    said = observe.changes("witness", {"testimony": "Saw the arrest."}, again["uuid"])
    assert observe.save_changes(db, ACTOR, theirs, CHECKLIST, said) == []
    assert witnesses.appearance(db, one["uuid"])["testimony"] == ""  # the first appearance keeps its own
    # Olga's form names the witness heard again without the identity she may not receive.
    client = app.test_client()
    login(client, "olga")
    page = client.get(f"/hearings/{theirs['uuid']}").get_data(as_text=True)
    assert "Witness N" in page and SECRET not in page and "Heard at 2 sittings" in page


def test_the_form_records_a_witness_heard_again(app, trial, client, db):
    first = start_hearing(app, trial)
    one = hear(db, first, label="Witness O")
    second = start_hearing(app, trial, hearing_date="2026-11-22")
    login(client, "oleg")
    page = client.get(f"/hearings/{second['uuid']}").get_data(as_text=True)
    assert "Heard again:" in page and one["person_uuid"] in page
    assert (
        post(client, f"/hearings/{second['uuid']}/witnesses", {"person": one["person_uuid"]}).status_code
        == 302
    )
    assert [w["person_uuid"] for w in observe.witnesses(db, second["id"])] == [one["person_uuid"]]
    # a person of another trial, or nonsense, is refused and nothing is added
    post(client, f"/hearings/{second['uuid']}/witnesses", {"person": "not-a-person"})
    assert len(observe.witnesses(db, second["id"])) == 1


# Migration -------------------------------------------------------------------------------------------------


def old_database(tmp_path):
    """A database as the previous release made it (every step before m013), with real rows written
    through the records layer (so with their audit entries): three trials' worth of per-hearing witnesses."""
    path = tmp_path / "monitor.sqlite"
    db = connect(str(path))
    migrations.apply(db, stop_before="m013_witness_persons")
    lead = users.create(
        db,
        ACTOR,
        username="lena",
        display_name="Lena",
        password="x" * 12,
        role="lead",
        argon2={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    oleg = users.create(
        db,
        ACTOR,
        username="oleg",
        display_name="Oleg",
        password="x" * 12,
        role="observer",
        argon2={"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    )
    mission = missions.create_mission(
        db, ACTOR, lead, {"name": "M", "checklist_id": CHECKLIST.id, "checklist_version": CHECKLIST.version}
    )
    trial = missions.create_trial(db, ACTOR, mission, {"title": "T"})
    other_trial = missions.create_trial(db, ACTOR, mission, {"title": "U"})
    rows = {}

    def witness(key, trial_row, day, **fields):
        hearing = observe.start_hearing(db, ACTOR, trial_row, mission, oleg, day)
        row = records.insert(
            db,
            "witness",
            ACTOR,
            {"hearing_id": hearing["id"], "trial_id": trial_row["id"], "recorded_by": oleg["id"], **fields},
        )
        db.execute(
            "INSERT INTO answer (hearing_id, subject_uuid, item_key, value, uuid, created_at, updated_at) "
            "VALUES (?, ?, ?, 'no', ?, '2026-01-01', '2026-01-01')",
            [hearing["id"], row["uuid"], ITEM, f"00000000-0000-4000-8000-{len(rows):012d}"],
        )
        rows[key] = row

    # the same person three times, label typed differently (case, spaces, NFC vs NFD)
    witness(
        "k1",
        trial,
        "2026-10-01",
        label="Свидетель К",
        anonymous=1,
        side="prosecution",
        identity=SECRET,
        testimony="Day one",
    )
    witness(
        "k2",
        trial,
        "2026-10-02",
        label="  свидетель   к ",
        anonymous=1,
        side="prosecution",
        testimony="Day two",
    )
    witness("k3", trial, "2026-10-03", label="Свидетель К", anonymous=1, side="prosecution", voice_hidden=1)
    # the same label with another anonymity: unsure, both stay apart and flagged
    witness("p1", trial, "2026-10-04", label="Petrov", side="defence")
    witness("p2", trial, "2026-10-05", label="Petrov", side="defence", anonymous=1)
    # the form's default labels say nothing: apart, flagged
    witness("w1", trial, "2026-10-06", label="W1", side="prosecution")
    witness("w2", trial, "2026-10-07", label="W1", side="prosecution")
    witness("e", trial, "2026-10-08", label="")
    # the same label and side, but two identities: apart, flagged
    witness("i1", trial, "2026-10-09", label="Officer A", side="prosecution", identity="A. One")
    witness("i2", trial, "2026-10-10", label="Officer A", side="prosecution", identity="A. Two")
    # the same label in another trial is another person
    witness("k_other", other_trial, "2026-10-11", label="Свидетель К", anonymous=1, side="prosecution")
    allegation = records.insert(
        db,
        "allegation",
        ACTOR,
        {
            "hearing_id": 1,
            "trial_id": trial["id"],
            "alleged_by": "witness",
            "witness_uuid": rows["k1"]["uuid"],
        },
    )
    return db, rows, allegation


def test_the_migration_matches_by_label_flags_the_unsure_and_keeps_every_uuid(tmp_path, capfd):
    db, rows, allegation = old_database(tmp_path)
    audit_before = db["audit"].count
    assert audit.verify(db).ok
    migrations.apply(db)
    printed = capfd.readouterr().err
    assert "11 witness rows became 9 persons with 11 appearances (7 persons flagged for a lead)" in printed
    assert db["witness_appearance"].count == 11 and db["witness"].count == 9
    # every old uuid is an appearance now, and what pointed at it still does
    for row in rows.values():
        appearance = witnesses.appearance(db, row["uuid"])
        assert (
            appearance is not None
            and appearance["id"] == row["id"]
            and appearance["hearing_id"] == row["hearing_id"]
        )
        assert (
            db.execute("SELECT count(*) FROM answer WHERE subject_uuid = ?", [row["uuid"]]).fetchone()[0] == 1
        )
    assert witnesses.appearance(db, records.get(db, "allegation", allegation["uuid"])["witness_uuid"])
    person = {key: witnesses.appearance(db, row["uuid"])["person_uuid"] for key, row in rows.items()}
    assert person["k1"] == person["k2"] == person["k3"]
    k = witnesses.person(db, person["k1"])
    assert (k["identity"], k["anonymous"], k["voice_hidden"], k["review"]) == (SECRET, 1, 1, "")
    assert [witnesses.appearance(db, rows[key]["uuid"])["testimony"] for key in ("k1", "k2", "k3")] == [
        "Day one",
        "Day two",
        "",
    ]
    assert len({person[key] for key in ("p1", "p2", "w1", "w2", "e", "i1", "i2", "k_other")}) == 8
    reviews = {key: witnesses.person(db, person[key])["review"] for key in person}
    assert reviews == {
        "k1": "",
        "k2": "",
        "k3": "",
        "k_other": "",
        "p1": matching.LABEL_CONFLICT,
        "p2": matching.LABEL_CONFLICT,
        "w1": matching.NO_LABEL,
        "w2": matching.NO_LABEL,
        "e": matching.NO_LABEL,
        "i1": matching.FIELDS_DIFFER,
        "i2": matching.FIELDS_DIFFER,
    }
    # the chain is intact and only grew: one entry per person, per appearance, and the counts
    assert audit.verify(db).ok
    assert db["audit"].count == audit_before + 9 + 11 + 1
    entries = [r["after"] for r in db.query("SELECT after FROM audit WHERE action LIKE 'witness%migrate'")]
    assert entries and not any(SECRET in entry for entry in entries)  # identities only as keyed hashes
    db.close()


def test_the_label_rule_normalises_and_never_matches_default_labels():
    assert matching.normalise("  Свиде\u0301тель  К ") == matching.normalise(
        "свидéтель к".replace("é", "е\u0301")
    )
    assert not matching.matchable("W12") and not matching.matchable("  ") and matching.matchable("W. Smith")


# A lead's page ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_persons(app, trial, db):
    """One witness recorded as two persons on two days, their identities differing."""
    first, second = start_hearing(app, trial), start_hearing(app, trial, hearing_date="2026-11-23")
    a = hear(db, first, label="Witness P", anonymous=1, identity=SECRET, side="prosecution")
    b = hear(db, second, label="Witness P (2)", anonymous=1, identity="Z. O., sergeant", police_officer="yes")
    return {"a": a, "b": b, **trial}


def test_a_lead_merges_two_persons_choosing_where_they_differ(app, client, db, two_persons):
    a, b = two_persons["a"], two_persons["b"]
    trial_uuid = two_persons["trial"]["uuid"]
    login(client, "lena")
    page = client.get(f"/trials/{trial_uuid}/witnesses").get_data(as_text=True)
    assert SECRET in page and "2026-11-20" in page and "2026-11-23" in page
    asked = post(
        client, f"/trials/{trial_uuid}/witnesses/merge", {"keep": a["person_uuid"], "other": b["person_uuid"]}
    )
    assert asked.status_code == 200 and 'name="choose_identity"' in asked.get_data(as_text=True)
    assert db["witness"].count == 2  # nothing merged before the lead chose
    done = post(
        client,
        f"/trials/{trial_uuid}/witnesses/merge",
        {
            "keep": a["person_uuid"],
            "other": b["person_uuid"],
            "choose_identity": "keep",
            "choose_label": "keep",
        },
    )
    assert done.status_code == 302
    assert db["witness"].count == 1
    merged = witnesses.person(db, a["person_uuid"])
    assert (merged["identity"], merged["label"], merged["police_officer"]) == (SECRET, "Witness P", "yes")
    assert {
        w["person_uuid"] for w in (witnesses.appearance(db, a["uuid"]), witnesses.appearance(db, b["uuid"]))
    } == {a["person_uuid"]}
    actions = [r["action"] for r in db.query("SELECT action FROM audit WHERE action LIKE 'witness.merge%'")]
    assert "witness.merged_away" in actions and actions.count("witness.merge") >= 2
    assert audit.verify(db).ok
    # and split again: the second sitting's appearance becomes a person of its own
    assert post(client, f"/appearances/{b['uuid']}/split").status_code == 302
    split = witnesses.appearance(db, b["uuid"])
    assert (
        split["person_uuid"] != a["person_uuid"] and split["identity"] == SECRET and db["witness"].count == 2
    )
    # a person heard once has nothing to split off
    post(client, f"/appearances/{b['uuid']}/split")
    assert db["witness"].count == 2


def test_an_administrator_reads_the_page_without_identities_and_changes_nothing(app, db, two_persons):
    admin = app.test_client()
    login(admin, "ada")
    trial_uuid = two_persons["trial"]["uuid"]
    page = admin.get(f"/trials/{trial_uuid}/witnesses")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Witness P" in text and SECRET not in text and "sergeant" not in text and "Hidden:" in text
    api = admin.get(f"/api/v1/trials/{trial_uuid}/witnesses")
    assert api.status_code == 200 and SECRET not in api.get_data(as_text=True)
    assert [p["identity"] for p in api.json] == [None, None]
    refused = post(
        admin,
        f"/trials/{trial_uuid}/witnesses/merge",
        {"keep": two_persons["a"]["person_uuid"], "other": two_persons["b"]["person_uuid"]},
    )
    assert refused.status_code == 403 and db["witness"].count == 2
    lead = app.test_client()
    login(lead, "lena")
    assert SECRET in lead.get(f"/api/v1/trials/{trial_uuid}/witnesses").get_data(as_text=True)


def test_the_api_lists_persons_with_their_appearances_and_the_hearing_its_witnesses(app, db, two_persons):
    client = app.test_client()
    login(client, "oleg")
    trial_uuid = two_persons["trial"]["uuid"]
    persons = client.get(f"/api/v1/trials/{trial_uuid}/witnesses").json
    assert [(p["label"], [a["hearing_date"] for a in p["appearances"]]) for p in persons] == [
        ("Witness P", ["2026-11-20"]),
        ("Witness P (2)", ["2026-11-23"]),
    ]
    assert persons[0]["identity"] == SECRET  # oleg recorded it
    hearing_uuid = records.get_by_id(db, "hearing", two_persons["a"]["hearing_id"])["uuid"]
    hearing = client.get(f"/api/v1/hearings/{hearing_uuid}").json
    assert [(w["uuid"], w["person"], w["heard"]) for w in hearing["witnesses"]] == [
        (two_persons["a"]["uuid"], two_persons["a"]["person_uuid"], 1)
    ]


# Format-1 bundles ------------------------------------------------------------------------------------------


def as_format_1(manifest, parts):
    """A bundle as the previous release wrote it: a witness per hearing, person and testimony in one."""
    persons = {r["uuid"]: r for r in records_of(parts, "witness")}
    old = []
    for appearance in records_of(parts, "witness_appearance"):
        person = persons[appearance["content"]["witness_uuid"]]["content"]
        content = {k: person[k] for k in matching.PERSON_FIELDS}
        content.update(against=appearance["content"]["against"], testimony=appearance["content"]["testimony"])
        content.update(
            hearing_uuid=appearance["content"]["hearing_uuid"],
            recorded_by_uuid=appearance["content"]["recorded_by_uuid"],
        )
        old.append({**appearance, "content": content, "history": []})
    for name in [n for n in parts if n.startswith(("records/witness-", "records/witness_appearance-"))]:
        del parts[name]
        del manifest["parts"][name]
    parts["records/witness-0001.json"] = old
    manifest["parts"]["records/witness-0001.json"] = {"type": "witness"}


def test_a_format_1_bundle_imports_its_witnesses_as_persons_with_appearances(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a_app, b_app = make_app(tmp_path / "a"), make_app(tmp_path / "b")
    setup = setup_trial(a_app)
    a = connect(a_app.config["DATABASE"])
    days = ("2026-11-20", "2026-11-21", "2026-11-22")
    for day in days:  # recorded as v1 did: a new witness at every hearing
        hear(
            a,
            start_hearing(a_app, setup, hearing_date=day),
            label="Witness Q",
            anonymous=1,
            side="prosecution",
            identity=SECRET,
            testimony=f"On {day}",
        )
    hear(a, start_hearing(a_app, setup, hearing_date="2026-11-23"), side="defence")  # kept the label W<n>
    assert a["witness"].count == 4
    data = craft(export(a, "lena", setup["mission"], "trial", mark=False, trial=setup["trial"]), as_format_1)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "records/witness-0001.json" in names and not any("witness_appearance" in n for n in names)
        assert all(
            "hearing_uuid" in r["content"] for r in json.loads(archive.read("records/witness-0001.json"))
        )
    b = connect(b_app.config["DATABASE"])
    ada = make_user(b_app, "ada", "admin")
    report = import_bundle(b, data, ada, ACTOR)
    assert report.counts["witness"]["inserted"] == 2 and report.counts["witness_appearance"]["inserted"] == 4
    persons = {p["label"]: p for p in witnesses.persons_of_trial(b, 1)}
    assert [a["hearing_date"] for a in persons["Witness Q"]["appearances"]] == list(days)
    assert persons["Witness Q"]["identity"] == SECRET and persons["Witness Q"]["review"] == ""
    assert persons["W4"]["review"] == matching.NO_LABEL  # the form's default label: nothing to match by
    testimonies = sorted(r["testimony"] for r in b.query("SELECT testimony FROM witness_appearance"))
    assert testimonies == ["", *(f"On {day}" for day in days)]
    again = import_bundle(b, data, ada, ACTOR)  # exactly once
    assert again.total("inserted") == again.total("updated") == again.total("conflict") == 0
    assert b["witness"].count == 2 and b["witness_appearance"].count == 4
    assert audit.verify(b).ok
    a.close()
    b.close()


def test_a_v2_witness_item_is_answered_for_the_person_and_counted_once(app, trial, db):
    from monitor.findings.aggregate import item_counts

    v2 = checklists.get("fair_trial", 2)
    person_item = next(i for i in v2.items if i.unit == "witness")
    appearance_item = next(i for i in v2.items if i.unit == "appearance")
    first, second = start_hearing(app, trial), start_hearing(app, trial, hearing_date="2026-11-29")
    one = hear(db, first, label="Witness R")
    again = hear(db, second, one["person_uuid"])
    answer = {"target": "answer", "item": person_item.key, "field": "value", "value": "unclear"}
    assert observe.save_changes(db, ACTOR, first, v2, [{**answer, "subject": one["uuid"]}]) == []
    assert observe.save_changes(db, ACTOR, second, v2, [{**answer, "subject": again["person_uuid"]}]) == []
    # an appearance's item is about that appearance: the person's uuid is no subject for it
    wrong = {**answer, "item": appearance_item.key, "subject": again["person_uuid"]}
    assert len(observe.save_changes(db, ACTOR, second, v2, [wrong])) == 1
    submitted(db, first)
    submitted(db, second)
    counted = next(
        i for i in item_counts(db, Scope(trial["mission"]["id"]), v2) if i["key"] == person_item.key
    )
    assert counted["observed"]["uuids"] == [one["person_uuid"]]


def test_the_trial_report_lists_a_witness_heard_twice_once_with_both_sittings(app, trial, db):
    from monitor.reports.build import build_report

    first, second = start_hearing(app, trial), start_hearing(app, trial, hearing_date="2026-11-30")
    one = hear(db, first, label="Witness S", anonymous=1, identity=SECRET)
    hear(db, second, one["person_uuid"])
    submitted(db, first)
    submitted(db, second)
    with app.app_context(), app.test_request_context():
        for profile in ("internal", "public"):
            content, _mimetype, _name = build_report(
                db,
                records.get(db, "mission", trial["mission"]["uuid"]),
                "trial",
                "html",
                profile,
                "en",
                app.instance_path,
                trial_uuid=trial["trial"]["uuid"],
            )
            html = content.decode()
            section = html[html.index('id="witnesses"') :]
            assert "2026-11-20, 2026-11-30" in section and SECRET not in html
            assert ("Witness S" in section) == (profile == "internal")  # the public edition: a pseudonym


def test_a_push_in_batches_sends_the_persons_first_and_each_batch_imports(tmp_path):
    from monitor.sync import exporter

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a_app, b_app = make_app(tmp_path / "a"), make_app(tmp_path / "b")
    setup = setup_trial(a_app)
    a = connect(a_app.config["DATABASE"])
    one = hear(a, start_hearing(a_app, setup), label="Witness T")
    hear(a, start_hearing(a_app, setup, hearing_date="2026-11-21"), one["person_uuid"])
    b = connect(b_app.config["DATABASE"])
    ada = make_user(b_app, "ada", "admin")
    import_bundle(b, export(a, "lena", setup["mission"], "setup", mark=False), ada, ACTOR)
    oleg = users.get_by_username(a, "oleg")
    mission = records.get(a, "mission", setup["mission"]["uuid"])
    batches = exporter.push_batches(exporter.select(a, oleg, mission, "changes"), size=1)
    assert [sorted(batch.records) for batch in batches] == [
        ["witness"],
        ["hearing", "sitting", "witness_appearance"],  # a sitting travels with its first hearing
        ["hearing", "sitting", "witness_appearance"],
    ]
    for batch in batches:
        data, _manifest, _sent = exporter.build(a, oleg, mission, batch, "changes")
        assert import_bundle(b, data, ada, ACTOR).total("inserted")
    assert b["witness"].count == 1 and b["witness_appearance"].count == 2
    a.close()
    b.close()
