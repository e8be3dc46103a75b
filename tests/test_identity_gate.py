"""One gate for witness identities: an administrator who is not a lead of the mission never receives an
anonymous witness's identity or named perpetrators — on a page, in a report, an export, a bundle, the
list of corrections, a conflict, the API or the audit log — while the mission's lead still does."""

import hashlib
import hmac
import io
import json
import os
import re
import stat
import zipfile

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from monitor import checklists, permissions, sensitive
from monitor.audit import Actor
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports.redact import PROFILES
from monitor.sync import conflicts, exporter
from monitor.sync.content import Reader, content_hash
from monitor.sync.importer import import_bundle
from tests.conftest import login, post, setup_trial, start_hearing, wait_for_job

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
IDENTITY_BEFORE = "Vexley Quorrabine"  # the anonymous witness's identity before the correction
IDENTITY = "Ormund Thistlegrave"  # … and after it
INCOMING = "Pellucid Brannagh"  # the identity another machine sent (the conflict)
REMOVED = "Tamsin Oxenbridge"  # an anonymous witness added and removed during the correction
PERPETRATORS = "Major Kestrel Yablonsky"
SECRETS = (IDENTITY_BEFORE, IDENTITY, INCOMING, REMOVED, PERPETRATORS)
PUBLIC_WITNESS = "Dalia Openshaw"  # a witness who testified openly: everyone may read her name


def flat(text: str) -> str:
    return " ".join(text.split())


def leaked(text: str) -> list[str]:
    text = flat(text)
    return [secret for secret in SECRETS if secret in text]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    return "\n".join(page.extract_text() for page in reader.pages) + metadata


def zip_text(data: bytes) -> str:
    """Every member of a zip (a CSV export, a bundle, the XML inside DOCX and XLSX), as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts) + "\n" + zip_text(data)


def xlsx_text(data: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = [str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c]
    return "\n".join(cells) + "\n" + zip_text(data)


def readable(fmt: str, data: bytes) -> str:
    """A file's whole text, read by an independent reader for its format."""
    if fmt == "pdf":
        return pdf_text(data)
    if fmt == "docx":
        return docx_text(data)
    if fmt == "xlsx":
        return xlsx_text(data)
    if fmt == "csv":
        return zip_text(data)
    if fmt == "json":
        return json.dumps(json.loads(data), ensure_ascii=False)
    return data.decode()


def set_fields(db, hearing, target, record_uuid, **values):
    changes = observe.changes(target, values, record_uuid)
    assert observe.save_changes(db, ACTOR, db["hearing"].get(hearing["id"]), CHECKLIST, changes) == []


@pytest.fixture
def world(app, people):
    """Lena's mission: oleg's hearing with an anonymous witness (identity corrected after submission),
    a witness who testified openly, an allegation naming a perpetrator, and a witness conflict."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    oleg = setup["observer"]
    db = connect(app.config["DATABASE"])
    try:
        witness = observe.add_witness(db, ACTOR, hearing, oleg["id"])
        set_fields(db, hearing, "witness", witness["uuid"], anonymous=True, identity=IDENTITY_BEFORE)
        open_witness = observe.add_witness(db, ACTOR, hearing, oleg["id"])
        set_fields(db, hearing, "witness", open_witness["uuid"], identity=PUBLIC_WITNESS)
        allegation = observe.add_allegation(db, ACTOR, hearing)
        set_fields(
            db,
            hearing,
            "allegation",
            allegation["uuid"],
            alleged_by="witness",
            witness_uuid=witness["uuid"],
            perpetrators=PERPETRATORS,
            confidentiality="normal",
        )
        observe.submit(db, ACTOR, hearing)
        observe.start_correction(db, ACTOR, db["hearing"].get(hearing["id"]), oleg["id"], "name misspelt")
        set_fields(db, hearing, "witness", witness["uuid"], identity=IDENTITY)
        mistaken = observe.add_witness(db, ACTOR, hearing, oleg["id"])
        set_fields(db, hearing, "witness", mistaken["uuid"], anonymous=True, identity=REMOVED)
        observe.remove(db, ACTOR, db["hearing"].get(hearing["id"]), "witness", mistaken["uuid"])
        # Another machine changed the same witness differently: a conflict waits for a lead.
        kind = exporter.KINDS["witness"]
        record = Reader(db).record(kind, db["witness"].get(witness["person_id"]))  # the person
        record["content"]["identity"] = INCOMING
        record["hash"] = content_hash(record["content"])
        selection = exporter.Selection()
        selection.add(kind, record)
        bundle, _manifest, _sent = exporter.build(db, oleg, setup["mission"], selection, "changes")
        assert import_bundle(db, bundle, oleg, ACTOR).total("conflict") == 1
        conflict = conflicts.open_conflicts(db, None)[0]
        observe.submit(db, ACTOR, db["hearing"].get(hearing["id"]))
    finally:
        db.close()
    return {
        **setup,
        "hearing": hearing,
        "witness": witness,
        "conflict": conflict,
        "allegation": allegation,
        "admin": people["admin"],
        "other_observer": people["other_observer"],
    }


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


# The decision ---------------------------------------------------------------------------------------


def test_the_gate_gives_identities_to_leads_and_their_recorder_only(app, world):
    db = connect(app.config["DATABASE"])
    try:
        mission_id = world["mission"]["id"]
        lena, oleg, ada, olga = world["lead"], world["observer"], world["admin"], world["other_observer"]
        assert permissions.receives_identities(db, mission_id, lena)
        assert permissions.receives_identities(db, mission_id, oleg, recorded_by=oleg["id"])
        assert permissions.receives_identities(db, mission_id, oleg, recorded_by=oleg["uuid"])
        assert not permissions.receives_identities(db, mission_id, oleg)
        assert not permissions.receives_identities(db, mission_id, ada)
        assert not permissions.receives_identities(db, mission_id, olga, recorded_by=oleg["id"])
        assert permissions.allowed_profiles(db, mission_id, lena) == ("internal", "partner", "public")
        assert permissions.allowed_profiles(db, mission_id, ada) == ("partner", "public")
        hearing = db["hearing"].get(world["hearing"]["id"])
        assert permissions.hearing_profile(db, hearing, mission_id, oleg) == "internal"
        assert permissions.hearing_profile(db, hearing, mission_id, ada) == "partner"
        # an administrator the mission makes one of its leads is a lead like any other
        missions.add_member(db, ACTOR, world["mission"], ada, "lead")
        assert permissions.receives_identities(db, mission_id, ada)
        assert permissions.hearing_profile(db, hearing, mission_id, ada) == "internal"
    finally:
        db.close()
    assert permissions.PROFILE_ORDER == PROFILES


# Pages and the API -----------------------------------------------------------------------------------


def test_the_hearing_page_and_its_corrections_hide_identities_from_an_administrator(app, world):
    hearing = world["hearing"]["uuid"]
    admin, lead = signed_in(app, "ada"), signed_in(app, "lena")
    page = admin.get(f"/hearings/{hearing}").get_data(as_text=True)
    assert leaked(page) == [] and PUBLIC_WITNESS in page and "Hidden:" in page
    assert IDENTITY in lead.get(f"/hearings/{hearing}").get_data(as_text=True)
    changes = admin.get(f"/hearings/{hearing}/changes")
    assert changes.status_code == 200
    text = changes.get_data(as_text=True)
    assert leaked(text) == [] and "Hidden:" in text and "Correction 1" in text
    seen_by_lead = lead.get(f"/hearings/{hearing}/changes").get_data(as_text=True)
    assert IDENTITY_BEFORE in seen_by_lead and IDENTITY in seen_by_lead
    observer = signed_in(app, "oleg")
    assert IDENTITY_BEFORE in observer.get(f"/hearings/{hearing}/changes").get_data(as_text=True)


def test_the_conflict_page_hides_the_identities_on_both_sides_from_an_administrator(app, world):
    path = f"/sync/conflicts/{world['conflict']['uuid']}"
    page = signed_in(app, "ada").get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert leaked(text) == [] and "Hidden:" in text
    assert text.count('type="radio"') >= 2  # the administrator can still choose a side, unread
    seen_by_lead = signed_in(app, "lena").get(path).get_data(as_text=True)
    assert IDENTITY in seen_by_lead and INCOMING in seen_by_lead


def test_the_api_gives_an_administrator_null_for_identities_and_perpetrators(app, world):
    path = f"/api/v1/hearings/{world['hearing']['uuid']}"
    document = signed_in(app, "ada").get(path).get_json()
    assert leaked(json.dumps(document, ensure_ascii=False)) == []
    anonymous = next(w for w in document["witnesses"] if w["anonymous"])
    assert anonymous["identity"] is None and anonymous["identity_hidden"]
    assert {w["identity"] for w in document["witnesses"] if not w["anonymous"]} == {PUBLIC_WITNESS}
    assert [a["perpetrators"] for a in document["allegations"]] == [None]
    assert document["allegations"][0]["perpetrators_hidden"]
    lead = signed_in(app, "lena").get(path).get_json()
    assert IDENTITY in {w["identity"] for w in lead["witnesses"]}
    assert [a["perpetrators"] for a in lead["allegations"]] == [PERPETRATORS]


# Reports and exports ---------------------------------------------------------------------------------


def test_an_administrator_gets_the_hearing_report_as_partner_and_the_lead_as_internal(app, world):
    path = f"/hearings/{world['hearing']['uuid']}/report"
    admin, lead, observer = signed_in(app, "ada"), signed_in(app, "lena"), signed_in(app, "oleg")
    html = admin.get(path).get_data(as_text=True)
    assert leaked(html) == [] and "Profile: partner" in html
    pdf = admin.get(path + "?format=pdf")
    assert pdf.mimetype == "application/pdf"
    assert leaked(pdf_text(pdf.data)) == [] and "partner" in pdf_text(pdf.data)
    for client in (lead, observer):
        assert {IDENTITY, PERPETRATORS} <= set(leaked(client.get(path).get_data(as_text=True)))
        assert {IDENTITY, PERPETRATORS} <= set(leaked(pdf_text(client.get(path + "?format=pdf").data)))
    db = connect(app.config["DATABASE"])
    try:
        profiles = [
            json.loads(row["after"])["profile"]
            for row in db.query("SELECT after FROM audit WHERE action = 'report.export' ORDER BY id")
        ]
    finally:
        db.close()
    assert profiles == ["partner", "partner", "internal", "internal", "internal", "internal"]


def export(client, app, mission_uuid, **form) -> bytes:
    """Start an export as the exports page does, wait for it, and download the file."""
    started = post(client, f"/missions/{mission_uuid}/exports", form)
    assert started.status_code == 302 and "/exports/" in started.headers["Location"], form
    job_uuid = started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    job = wait_for_job(app, job_uuid)
    assert job["status"] == "done", job["error"]
    assert job["profile"] == form["profile"]
    download = client.get(f"/exports/{job_uuid}/download")
    data = download.get_data()
    download.close()
    assert download.status_code == 200
    return data


def test_an_administrator_is_refused_the_internal_profile_with_a_reason(app, world):
    mission = world["mission"]["uuid"]
    admin = signed_in(app, "ada")
    page = admin.get(f"/missions/{mission}/exports").get_data(as_text=True)
    assert 'value="internal"' not in page and "only for the mission&#39;s leads" in page
    assert 'value="internal"' in signed_in(app, "lena").get(f"/missions/{mission}/exports").get_data(
        as_text=True
    )
    db = connect(app.config["DATABASE"])
    try:
        jobs_before = db["export_job"].count
        for form in (
            {"what": "data", "format": "json", "profile": "internal", "lang": "en"},
            {"what": "mission", "format": "html", "profile": "internal", "lang": "en"},
        ):
            refused = post(admin, f"/missions/{mission}/exports", form, follow_redirects=True)
            assert refused.status_code == 200
            assert "only for the mission&#39;s leads" in refused.get_data(as_text=True)
        assert db["export_job"].count == jobs_before  # nothing was started
        refusals = list(db.query("SELECT after FROM audit WHERE action = 'permission.refused'"))
        assert len(refusals) == 2 and "profile above" in refusals[0]["after"]
    finally:
        db.close()


@pytest.mark.parametrize("profile", ("partner", "public"))
def test_no_export_or_report_an_administrator_can_ask_for_holds_an_identity(app, world, profile):
    mission, trial = world["mission"]["uuid"], world["trial"]["uuid"]
    admin = signed_in(app, "ada")
    for fmt in ("csv", "xlsx", "json"):
        data = export(admin, app, mission, what="data", format=fmt, profile=profile, lang="en")
        text = readable(fmt, data)
        assert leaked(text) == [], (fmt, profile)
        assert world["witness"]["uuid"] in text  # the witness is there, without the identity
    for what in ("mission", "trial"):
        for fmt in ("pdf", "docx", "html"):
            form = {"what": what, "format": fmt, "profile": profile, "lang": "en", "trial": trial}
            text = readable(fmt, export(admin, app, mission, **form))
            assert leaked(text) == [], (what, fmt, profile)
            assert f"Profile: {profile}" in flat(text), (what, fmt)


def test_the_lead_still_exports_identities_with_the_internal_profile(app, world):
    lead = signed_in(app, "lena")
    for fmt in ("csv", "xlsx", "json"):
        data = export(
            lead, app, world["mission"]["uuid"], what="data", format=fmt, profile="internal", lang="en"
        )
        assert {IDENTITY, PERPETRATORS} <= set(leaked(readable(fmt, data))), fmt


# Bundles -----------------------------------------------------------------------------------------------


def download_bundle(client, world, what) -> bytes:
    form = {"mission": world["mission"]["uuid"], "what": what, "trial": world["trial"]["uuid"]}
    response = post(client, "/sync/export", form)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def test_a_bundle_an_administrator_exports_withholds_identities_and_says_so(app, world):
    admin = signed_in(app, "ada")
    for what in ("trial", "changes"):
        data = download_bundle(admin, world, what)
        text = zip_text(data)
        assert leaked(text) == [], what
        assert world["witness"]["uuid"] in text
        assert PUBLIC_WITNESS in text or what == "changes"  # sent whole with the trial, not again
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            witnesses = [
                record
                for name in archive.namelist()
                if name.startswith("records/witness")
                for record in json.loads(archive.read(name))
            ]
        assert manifest["withheld"] == [
            "allegation.perpetrators",
            "hearing_revision.snapshot",
            "witness.identity",
        ]
        anonymous = next(w for w in witnesses if w["uuid"] == world["witness"]["person_uuid"])  # the person
        assert anonymous["content"]["identity"] == "" and anonymous["hash"] == content_hash(
            anonymous["content"]
        )
    # What was withheld has not crossed: the lead's next bundle still carries it, whole.
    lead_bundle = zip_text(download_bundle(signed_in(app, "lena"), world, "changes"))
    assert {IDENTITY, PERPETRATORS} <= set(leaked(lead_bundle))
    with zipfile.ZipFile(io.BytesIO(download_bundle(signed_in(app, "lena"), world, "trial"))) as archive:
        assert json.loads(archive.read("manifest.json"))["withheld"] == []


# The audit log -------------------------------------------------------------------------------------------


def test_the_audit_log_keeps_only_keyed_hashes_of_sensitive_values(app, world):
    db = connect(app.config["DATABASE"])
    try:
        rows = list(db.query("SELECT * FROM audit ORDER BY id"))
        correction = next(r for r in rows if r["action"] == "hearing.correction")
    finally:
        db.close()
    for row in rows:
        assert leaked(f"{row['before']} {row['after']}") == [], row["action"]
        assert not re.search(r'"sha256:[0-9a-f]{64}"', f"{row['before']} {row['after']}"), row["action"]
    key_file = os.path.join(app.instance_path, "audit.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with open(key_file) as f:
        key = bytes.fromhex(f.read().strip())
    keyed = "hmac-sha256:" + hmac.new(key, IDENTITY_BEFORE.encode(), hashlib.sha256).hexdigest()
    plain = hashlib.sha256(IDENTITY_BEFORE.encode()).hexdigest()
    snapshot = json.loads(json.loads(correction["after"])["snapshot"])
    assert (
        snapshot["witnesses"][world["witness"]["uuid"]]["identity"] == keyed
    )  # keyed, with this installation's key
    assert plain not in correction["after"]
    assert snapshot["allegations"] and all(
        a["perpetrators"].startswith("hmac-sha256:") for a in snapshot["allegations"].values()
    )
    actions = {r["action"] for r in rows}
    assert {"hearing.save", "hearing.correction", "witness.remove"} <= actions
    page = signed_in(app, "ada").get("/admin/audit").get_data(as_text=True)
    assert leaked(page) == [] and "hmac-sha256:" in page


def test_a_keyed_hash_depends_on_the_installation_key(app, tmp_path):
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            here = sensitive.keyed_hash(db, IDENTITY)
            assert sensitive.keyed_hash(db, IDENTITY) == here and here.startswith("hmac-sha256:")
            assert sensitive.keyed_hash(db, "") == ""
        # outside the app (a script on the database file) the key beside the database is the same one
        assert sensitive.keyed_hash(db, IDENTITY) == here
    finally:
        db.close()
    other = tmp_path / "other"
    other.mkdir()
    from tests.conftest import make_app

    elsewhere = make_app(other)
    db = connect(elsewhere.config["DATABASE"])
    try:
        with elsewhere.app_context():
            assert sensitive.keyed_hash(db, IDENTITY) != here
    finally:
        db.close()


def test_an_old_style_audit_entry_is_recognised_as_carrying_a_clear_value():
    assert sensitive.carries_clear_value({"before": None, "after": json.dumps({"identity": "A Name"})})
    plain = "sha256:" + hashlib.sha256(b"A Name").hexdigest()
    assert sensitive.carries_clear_value({"after": json.dumps({f"witness:{'0' * 8}:identity": plain})})
    snapshot = json.dumps({"witnesses": {"x": {"identity": "A Name"}}})
    assert sensitive.carries_clear_value({"after": json.dumps({"snapshot": snapshot})})
    keyed = json.dumps({"identity": "hmac-sha256:" + "0" * 64, "label": "W1"})
    assert not sensitive.carries_clear_value({"before": keyed, "after": keyed})


def test_no_page_an_administrator_can_open_holds_an_identity(app, world):
    """Every GET route of the permission table, on this mission (a submitted hearing that counts in the
    findings, a kept revision, a real conflict), opened by the administrator."""
    from monitor.evidence import records as evidence
    from tests.test_permissions import PERMISSIONS, readable

    db = connect(app.config["DATABASE"])
    sitting_uuid = db.execute(
        "SELECT uuid FROM sitting WHERE id = ?", [world["hearing"]["sitting_id"]]
    ).fetchone()[0]
    oleg = next(db.query("SELECT * FROM user WHERE username = 'oleg'"))
    defendant = next(db.query("SELECT * FROM defendant WHERE uuid = ?", [world["defendants"][0]["uuid"]]))
    person = next(db.query("SELECT * FROM witness WHERE uuid = ?", [world["witness"]["person_uuid"]]))
    on_case, on_witness = (  # a file on the case file; one on the witness that names them
        evidence.attach(db, ACTOR, oleg, kind, row, filename="f.pdf", data=data, max_bytes=1 << 20)
        for kind, row, data in (
            ("defendant", defendant, b"%PDF-1.4\ncase file\n"),
            ("witness", person, b"%PDF-1.4\n" + IDENTITY.encode() + b"\n"),
        )
    )
    # the recommendations register of the mission's country: a recommendation and an official figure
    from monitor.recommendations import records as register

    register.set_mission_country(db, ACTOR, world["mission"], "KZ")
    recommendation, _outcome = register.save_recommendation(
        db, ACTOR, {"country": "KZ", "cycle": "3", "text": "Investigate every allegation."}
    )
    statistic = register.save_statistic(
        db,
        ACTOR,
        {"country": "KZ", "what": "Complaints", "value": 3, "period": "2025", "source": "Ministry"}
        | {"retrieved_on": "2026-01-01"},
    )
    db.close()
    values = {
        "recommendation": recommendation["uuid"],
        "statistic": statistic["uuid"],
        "mission": world["mission"]["uuid"],
        "trial": world["trial"]["uuid"],
        "defendant": world["defendants"][0]["uuid"],
        "hearing": world["hearing"]["uuid"],
        "sitting": sitting_uuid,
        "witness": world["witness"]["uuid"],
        "observer": world["observer"]["uuid"],
        "conflict": world["conflict"]["uuid"],
        "job": "00000000-0000-4000-8000-000000000001",
        "sync_job": "00000000-0000-4000-8000-000000000002",
        "token": "00000000-0000-4000-8000-000000000003",
        "evidence": on_case["uuid"],
        "allegation": world["allegation"]["uuid"],  # its follow-up: refused to an administrator
    }
    paths = [path.format(**values) for method, path, _expected in PERMISSIONS.values() if method == "GET"]
    paths += [
        f"/missions/{values['mission']}/findings/evidence?path={path}"
        for path in ("torture.perpetrators_named", "anonymous_witnesses.anonymous", "torture.allegations")
    ]
    paths += [f"/hearings/{values['hearing']}/report?format=pdf", f"/evidence/{on_witness['uuid']}/download"]
    admin = signed_in(app, "ada")
    opened = 0
    for path in paths:
        response = admin.get(path, follow_redirects=True)
        body = pdf_text(response.data) if response.mimetype == "application/pdf" else readable(response)
        response.close()
        assert leaked(body) == [], path
        opened += response.status_code == 200
    assert opened >= 40, opened  # most of them really answered


def test_an_entry_written_before_keyed_hashes_is_shown_masked(app):
    """Old rows cannot be rewritten (hash chain, append-only triggers); a page can show them masked."""
    snapshot = json.dumps({"witnesses": {"w": {"identity": IDENTITY, "label": "W1"}}})
    plain = "sha256:" + hashlib.sha256(IDENTITY.encode()).hexdigest()
    entry = {
        "action": "hearing.correction",
        "before": json.dumps({f"witness:{'0' * 8}:identity": plain}),
        "after": json.dumps({"snapshot": snapshot, "reason": "typo"}),
    }
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            shown = sensitive.masked_entry(db, entry)
            keyed = sensitive.keyed_hash(db, IDENTITY)
    finally:
        db.close()
    assert IDENTITY not in f"{shown['before']} {shown['after']}" and plain not in shown["before"]
    assert json.loads(json.loads(shown["after"])["snapshot"])["witnesses"]["w"] == {
        "identity": keyed,
        "label": "W1",
    }
    assert json.loads(shown["after"])["reason"] == "typo"
    assert entry["after"].count(IDENTITY) == 1  # the entry itself is untouched
    assert not sensitive.carries_clear_value(shown)


def test_the_audit_page_shows_an_entry_written_before_keyed_hashes_masked(app):
    """A row in the real audit table that still holds an identity in clear (written before this release)
    reaches the administrator's audit page only as its keyed hash."""
    from monitor import audit
    from tests.conftest import make_user

    make_user(app, "ada", "admin")
    db = connect(app.config["DATABASE"])
    try:
        audit.record(
            db,
            "witness.create",
            ACTOR,
            record_type="witness",
            record_uuid="0" * 8,
            after={"identity": IDENTITY, "label": "W1", "anonymous": 1},
        )
        with app.app_context():
            keyed = sensitive.keyed_hash(db, IDENTITY)
    finally:
        db.close()
    page = signed_in(app, "ada").get("/admin/audit").get_data(as_text=True)
    assert IDENTITY not in page
    assert keyed in page.replace("&#34;", '"') or keyed[:20] in page  # shown, as its keyed hash
