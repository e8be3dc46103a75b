"""The recommendations register between installations (issue #14): a lead's bundle carries the mission's
country, its recommendations and official figures, the mission's assessments with their linked evidence
(a live and a frozen findings count) and its submission's texts; they arrive identical, a second import
changes nothing; an observer's bundle carrying any of them is refused whole, and so is a tampered value."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect, utcnow
from monitor.recommendations import links as linked
from monitor.recommendations import records as register
from monitor.sync import exporter
from monitor.sync.bundle import BundleError, Refused
from monitor.sync.content import KINDS, Reader, content_hash
from monitor.sync.importer import import_bundle
from tests.conftest import make_app, make_user, setup_trial, start_hearing, submitted_allegations

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
REGISTER = exporter.REGISTER
PATH = "torture.defendants_alleging"


def bundle(db, username, what="trial"):
    user = users.get_by_username(db, username)
    mission = next(db.query("SELECT * FROM mission"))
    trial = next(db.query("SELECT * FROM trial"))
    chosen = exporter.select(db, user, mission, what, trial=trial if what == "trial" else None)
    data, manifest, sent = exporter.build(db, user, mission, chosen, what)
    exporter.mark_sent(db, sent, manifest, "test", user)
    return data


def rewrite(data: bytes, kind: str, change, author: dict | None = None) -> bytes:
    """The bundle edited by hand: ``change`` applied to the first record of ``kind``, its checksum made
    again to fit (and the manifest's, and its author when given)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(source.read("manifest.json"))
    if author is not None:
        manifest["author"] = {**manifest["author"], **author}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            if name.startswith(f"records/{kind}-"):
                items = json.loads(part)
                change(items[0]["content"])
                items[0]["hash"] = content_hash(items[0]["content"])
                part = json.dumps(items).encode()
                manifest["parts"][name]["sha256"] = hashlib.sha256(part).hexdigest()
            if name != "manifest.json":
                target.writestr(name, part)
        target.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def register_of(db) -> dict:
    """Every register record as a bundle would carry it: uuid → (kind, version, content)."""
    reader = Reader(db)
    return {
        row["uuid"]: (name, row["version"], reader.content(KINDS[name], row))
        for name in REGISTER
        for row in db.query(f"SELECT * FROM [{name}]")  # noqa: S608 (table from REGISTER)
    }


@pytest.fixture
def server(tmp_path):
    (tmp_path / "server").mkdir()
    app = make_app(tmp_path / "server")
    setup = setup_trial(app, defendants=2)
    db = connect(app.config["DATABASE"])
    hearing = start_hearing(app, setup)
    submitted_allegations(db, hearing, setup["defendants"][:1], CHECKLIST, ACTOR)
    mission, lead = setup["mission"], setup["lead"]
    register.set_mission_country(db, ACTOR, mission, "KZ")
    recommendation, _created = register.save_recommendation(
        db,
        ACTOR,
        {
            "country": "KZ",
            "body": "UPR",
            "cycle": "4",
            "identifier": "140.71",
            "recommending_state": "Norway",
            "text": "Investigate all allegations of torture promptly.",
            "response": "supported",
            "themes": ["Torture and other cruel treatment"],
        },
    )
    statistic = register.save_statistic(
        db,
        ACTOR,
        {
            "country": "KZ",
            "what": "Complaints of torture registered",
            "value": "662",
            "period": "2025",
            "source": "General Prosecutor's Office",
            "retrieved_on": "2026-01-15",
            "themes": "Torture and other cruel treatment",
        },
    )
    assessment = register.save_assessment(
        db, ACTOR, mission, recommendation, lead, "4", "not_implemented", "Allegations not investigated."
    )
    with app.test_request_context():
        findings = linked.Findings(db, mission)
        assert findings.count(PATH, {}) == {"count": 1, "of": 2}
        frozen = linked.freeze(findings, PATH, {}, utcnow())
    register.add_link(db, ACTOR, assessment, {"kind": "finding", "path": PATH, "filters": {}, "mode": "live"})
    register.add_link(
        db, ACTOR, assessment, {"kind": "finding", "path": PATH, "filters": {}, "mode": "frozen", **frozen}
    )
    register.add_link(db, ACTOR, assessment, {"kind": "statistic", "target_uuid": statistic["uuid"]})
    register.save_theme_text(db, ACTOR, mission, "Torture and other cruel treatment", "Open an inquiry.")
    yield {"app": app, "db": db, "setup": setup, "assessment": assessment, "recommendation": recommendation}
    db.close()


def laptop(tmp_path, name, username, role="admin"):
    (tmp_path / name).mkdir()
    app = make_app(tmp_path / name)
    owner = make_user(app, username, role)
    return connect(app.config["DATABASE"]), owner


def test_a_leads_register_arrives_identical_and_a_second_import_changes_nothing(server, tmp_path):
    third, owner = laptop(tmp_path, "third", "lena")
    try:
        sent = register_of(server["db"])
        assert sorted(kind for kind, _v, _c in sent.values()) == sorted(
            [*REGISTER, "assessment_link", "assessment_link"]
        )
        report = import_bundle(third, bundle(server["db"], "lena"), owner, ACTOR, link_account=True)
        assert {name: report.counts[name]["inserted"] for name in REGISTER} == {
            "mission_country": 1,
            "recommendation": 1,
            "official_statistic": 1,
            "assessment": 1,
            "assessment_link": 3,
            "submission_theme": 1,
        }
        assert register_of(third) == sent
        frozen = next(third.query("SELECT * FROM assessment_link WHERE mode = 'frozen'"))
        assert (frozen["frozen_count"], frozen["frozen_of"]) == (1, 2)
        audit_before = third["audit"].count
        again = import_bundle(third, bundle(server["db"], "lena"), owner, ACTOR)
        assert not any(again.total(action) for action in ("inserted", "updated", "conflict"))
        assert register_of(third) == sent
        assert third["audit"].count - audit_before <= 1  # at most the import itself is logged
    finally:
        third.close()


def test_an_observers_bundle_never_carries_the_register(server):
    oleg = users.get_by_username(server["db"], "oleg")
    mission = next(server["db"].query("SELECT * FROM mission"))
    for what in ("pull", "changes"):
        chosen = exporter.select(server["db"], oleg, mission, what)
        assert not any(chosen.records.get(name) for name in REGISTER), what


def test_an_observers_bundle_carrying_a_recommendation_is_refused_and_nothing_changes(server):
    db = server["db"]
    oleg = users.get_by_username(db, "oleg")
    before = register_of(db)

    def reword(content):
        content["text"] = "Nothing needs investigating."

    data = rewrite(
        bundle(db, "lena"), "recommendation", reword, author={"uuid": oleg["uuid"], "username": "oleg"}
    )
    with pytest.raises(Refused, match="only a lead of the mission writes the recommendations register"):
        import_bundle(db, data, oleg, ACTOR)
    assert register_of(db) == before
    assert records.get(db, "recommendation", server["recommendation"]["uuid"])["text"].startswith(
        "Investigate"
    )


def test_an_administrator_importing_an_observers_bundle_with_a_recommendation_is_refused(server, tmp_path):
    db = server["db"]
    oleg = users.get_by_username(db, "oleg")
    third, owner = laptop(tmp_path, "third", "ada")
    try:
        data = rewrite(bundle(db, "lena"), "recommendation", lambda c: None, author={"uuid": oleg["uuid"]})
        with pytest.raises(Refused, match="recommendations register"):
            import_bundle(third, data, owner, ACTOR)
        assert third["recommendation"].count == 0 and third["mission"].count == 0
    finally:
        third.close()


def test_a_tampered_assessment_status_is_refused_and_nothing_is_imported(server, tmp_path):
    third, owner = laptop(tmp_path, "third", "lena")
    try:

        def upgrade(content):
            content["status"] = "excellent"

        data = rewrite(bundle(server["db"], "lena"), "assessment", upgrade)
        with pytest.raises(BundleError, match="status the page refuses"):
            import_bundle(third, data, owner, ACTOR, link_account=True)
        assert third["assessment"].count == 0 and third["recommendation"].count == 0
        assert third["mission"].count == 0
    finally:
        third.close()


def test_the_register_records_follow_the_published_bundle_schema(server):
    import jsonschema

    schema = json.loads((Path(exporter.__file__).parent / "schema.json").read_text())
    validator = jsonschema.Draft202012Validator
    seen = set()
    with zipfile.ZipFile(io.BytesIO(bundle(server["db"], "lena"))) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        validator(schema).validate(manifest)
        for name, info in manifest["parts"].items():
            if info["type"] not in REGISTER:
                continue
            for item in json.loads(archive.read(name)):
                validator({"$defs": schema["$defs"], "$ref": f"#/$defs/content.{info['type']}"}).validate(
                    item["content"]
                )
                seen.add(info["type"])
    assert seen == set(REGISTER)
