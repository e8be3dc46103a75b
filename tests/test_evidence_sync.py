"""Evidence files between machines: a file attached on a laptop reaches the server with its SHA-256 and
the same bytes; a withdrawal follows it; a bundle whose file's bytes differ from its hash is refused."""

import base64
import hashlib
import io
import json
import zipfile

import pytest

from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.evidence import records as evidence
from monitor.sync import exporter
from monitor.sync.bundle import BundleError
from monitor.sync.importer import Refused, import_bundle
from tests.conftest import make_app, make_user, setup_trial
from tests.evidence_util import pdf_bytes, png_bytes

ACTOR = Actor(name="test")


def export(db, username, mission, what="changes", mark=True):
    user = users.get_by_username(db, username)
    mission = next(db.query("SELECT * FROM mission WHERE uuid = ?", [mission["uuid"]]))
    chosen = exporter.select(db, user, mission, what)
    data, manifest, sent = exporter.build(db, user, mission, chosen, what)
    if mark:
        exporter.mark_sent(db, sent, manifest, "test", user)
    return data


@pytest.fixture
def machines(tmp_path):
    """The server with a trial; oleg's laptop set up from it (two installations, two database files)."""
    (tmp_path / "server").mkdir()
    (tmp_path / "laptop").mkdir()
    server_app = make_app(tmp_path / "server")
    setup = setup_trial(server_app, defendants=1)
    server = connect(server_app.config["DATABASE"])
    laptop_app = make_app(tmp_path / "laptop")
    owner = make_user(laptop_app, "oleg", "admin")
    laptop = connect(laptop_app.config["DATABASE"])
    import_bundle(laptop, export(server, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True)
    yield server, laptop, setup, server_app, laptop_app
    server.close()
    laptop.close()


def attach_on(db, username, setup, data, name="order.pdf"):
    user = users.get_by_username(db, username)
    target = next(db.query("SELECT * FROM defendant WHERE uuid = ?", [setup["defendants"][0]["uuid"]]))
    return evidence.attach(
        db, ACTOR, user, "defendant", target, filename=name, data=data, source="counsel", max_bytes=1 << 24
    )


def test_a_file_attached_on_a_laptop_reaches_the_server_with_its_hash_and_bytes(machines):
    server, laptop, setup, server_app, _laptop_app = machines
    data = pdf_bytes()
    attached = attach_on(laptop, "oleg", setup, data)
    report = import_bundle(
        server, export(laptop, "oleg", setup["mission"]), users.get_by_username(server, "oleg"), ACTOR
    )
    assert report.counts["evidence"]["inserted"] == 1
    row = next(server.query("SELECT * FROM evidence WHERE uuid = ?", [attached["uuid"]]))
    assert (row["filename"], row["sha256"], row["size"], row["source"]) == (
        "order.pdf",
        hashlib.sha256(data).hexdigest(),
        len(data),
        "counsel",
    )
    assert evidence.content(server, row) == data
    assert evidence.verify(server) == []  # its import recorded the hash: audit-verify agrees
    result = server_app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "Evidence files intact: 1 files" in result.output
    # sent again: unchanged, nothing written
    again = import_bundle(
        server,
        export(laptop, "oleg", setup["mission"], mark=False),
        users.get_by_username(server, "oleg"),
        ACTOR,
    )
    assert again.counts.get("evidence", {}).get("inserted", 0) == 0


def test_a_withdrawal_by_the_lead_travels_and_purges_the_bytes_there(machines):
    server, laptop, setup, _server_app, _laptop_app = machines
    attached = attach_on(laptop, "oleg", setup, png_bytes(), name="list.png")
    oleg = users.get_by_username(server, "oleg")
    import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
    row = next(server.query("SELECT * FROM evidence WHERE uuid = ?", [attached["uuid"]]))
    evidence.withdraw(server, ACTOR, row, "a photo of the wrong list")
    pulled = import_bundle(
        laptop,
        export(server, "lena", setup["mission"], mark=False),
        users.get_by_username(laptop, "oleg"),
        ACTOR,
    )
    assert pulled.counts["evidence"]["updated"] == 1
    here = next(laptop.query("SELECT * FROM evidence WHERE uuid = ?", [attached["uuid"]]))
    assert here["withdrawn_reason"] == "a photo of the wrong list"
    assert laptop["evidence_blob"].count == 0
    assert evidence.verify(laptop) == []


def test_a_file_that_arrives_already_withdrawn_is_known_by_its_hash(machines, tmp_path):
    server, _laptop, setup, _server_app, _laptop_app = machines
    lena = users.get_by_username(server, "lena")
    row = attach_on(server, "lena", setup, pdf_bytes())
    evidence.withdraw(server, ACTOR, row, "not this trial's")
    (tmp_path / "third").mkdir()
    third_app = make_app(tmp_path / "third")
    owner = make_user(third_app, "lena", "admin")
    third = connect(third_app.config["DATABASE"])
    try:
        trial = next(server.query("SELECT * FROM trial"))
        mission = next(server.query("SELECT * FROM mission"))
        data, _manifest, _sent = exporter.build(
            server, lena, mission, exporter.select(server, lena, mission, "trial", trial=trial), "trial"
        )
        report = import_bundle(third, data, owner, ACTOR, link_account=True)
        assert report.counts["evidence"]["inserted"] == 1
        here = next(third.query("SELECT * FROM evidence"))
        assert here["withdrawn_reason"] == "not this trial's" and third["evidence_blob"].count == 0
        assert evidence.verify(third) == []  # no bytes to check, and its hash is on record
    finally:
        third.close()


def test_an_observer_may_not_withdraw_a_file_by_bundle(machines):
    server, laptop, setup, _server_app, _laptop_app = machines
    attached = attach_on(laptop, "oleg", setup, pdf_bytes())
    oleg = users.get_by_username(server, "oleg")
    import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
    laptop.execute(
        "UPDATE evidence SET withdrawn_at = '2026-12-01T00:00:00Z', withdrawn_reason = 'mine', "
        "version = version + 1 WHERE uuid = ?",
        [attached["uuid"]],
    )
    laptop.execute("DELETE FROM evidence_blob")
    laptop.conn.commit()
    with pytest.raises(Refused, match="only a lead can"):
        import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
    assert next(server.query("SELECT withdrawn_at FROM evidence"))["withdrawn_at"] is None


def test_a_bundle_whose_file_differs_from_its_hash_is_refused_naming_the_file(machines):
    server, laptop, setup, _server_app, _laptop_app = machines
    attach_on(laptop, "oleg", setup, pdf_bytes(), name="detention order.pdf")
    # the laptop's stored bytes changed after the file was attached (a record hash made afresh over them)
    blob = bytes(next(laptop.query("SELECT content FROM evidence_blob"))["content"])
    laptop.execute("UPDATE evidence_blob SET content = ?", [blob.replace(b"4471", b"4472")])
    laptop.conn.commit()
    before = server.execute("SELECT count(*) FROM audit").fetchone()[0]
    oleg = users.get_by_username(server, "oleg")
    with pytest.raises(Refused) as refused:
        import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
    assert "“detention order.pdf”" in str(refused.value)
    assert "does not match its SHA-256" in str(refused.value)
    assert server["evidence"].count == 0 and server["evidence_blob"].count == 0
    assert server.execute("SELECT count(*) FROM audit").fetchone()[0] == before


def test_a_bundle_edited_by_hand_to_swap_a_file_is_refused(machines):
    """Someone rewrites the bundle: new bytes in base64 and the record's own checksum made again to fit;
    the SHA-256 the file was attached with still tells."""
    server, laptop, setup, _server_app, _laptop_app = machines
    attach_on(laptop, "oleg", setup, pdf_bytes())
    data = export(laptop, "oleg", setup["mission"])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    from monitor.sync.content import content_hash

    with zipfile.ZipFile(out, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            part = source.read(name)
            if name.startswith("records/evidence"):
                records = json.loads(part)
                records[0]["content"]["file"] = base64.b64encode(pdf_bytes("Another order")).decode()
                records[0]["hash"] = content_hash(records[0]["content"])
                part = json.dumps(records).encode()
                manifest["parts"][name]["sha256"] = hashlib.sha256(part).hexdigest()
            if name != "manifest.json":
                target.writestr(name, part)
        target.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(BundleError, match="does not match its SHA-256"):
        import_bundle(server, out.getvalue(), users.get_by_username(server, "oleg"), ACTOR)
    assert server["evidence"].count == 0


def test_an_administrator_who_is_not_a_lead_sends_no_file_on_a_witness(tmp_path):
    app = make_app(tmp_path)
    setup = setup_trial(app)
    make_user(app, "ada", "admin")
    from monitor.observe import records as observe
    from tests.conftest import start_hearing

    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    witness = observe.add_witness(db, ACTOR, hearing, setup["observer"]["id"])
    person = next(db.query("SELECT * FROM witness WHERE uuid = ?", [witness["person_uuid"]]))
    oleg = users.get_by_username(db, "oleg")
    evidence.attach(db, ACTOR, oleg, "witness", person, filename="w.pdf", data=pdf_bytes(), max_bytes=1 << 24)
    mission = next(db.query("SELECT * FROM mission"))
    ada, lena = users.get_by_username(db, "ada"), users.get_by_username(db, "lena")
    assert "evidence" not in exporter.select(db, ada, mission, "trial", trial=setup["trial"]).records
    assert len(exporter.select(db, lena, mission, "trial", trial=setup["trial"]).records["evidence"]) == 1
    db.close()


def draft_with_witness_and_allegation(laptop):
    """On the laptop: oleg's draft observation with a witness and an allegation, a file on each."""
    from monitor.observe import records as observe

    oleg = users.get_by_username(laptop, "oleg")
    trial, mission = next(laptop.query("SELECT * FROM trial")), next(laptop.query("SELECT * FROM mission"))
    hearing = observe.start_hearing(laptop, ACTOR, trial, mission, oleg, "2026-11-20")
    witness = observe.add_witness(laptop, ACTOR, hearing, oleg["id"])
    person = next(laptop.query("SELECT * FROM witness WHERE uuid = ?", [witness["person_uuid"]]))
    allegation = observe.add_allegation(laptop, ACTOR, hearing)
    on_person = evidence.attach(
        laptop, ACTOR, oleg, "witness", person, filename="passport.png", data=png_bytes(), max_bytes=1 << 24
    )
    on_allegation = evidence.attach(
        laptop,
        ACTOR,
        oleg,
        "allegation",
        allegation,
        filename="medical.pdf",
        data=pdf_bytes(),
        max_bytes=1 << 24,
    )
    return hearing, witness, allegation, on_person, on_allegation


def test_a_file_removed_with_its_draft_witness_is_withdrawn_on_the_server_too(machines):
    """Deleting a draft's witness (and allegation) deletes their files here; the next bundle withdraws
    them there: bytes purged, record and hashes kept, audit-verify intact on both sides."""
    from monitor.observe import records as observe

    server, laptop, setup, server_app, laptop_app = machines
    oleg_there = users.get_by_username(server, "oleg")
    hearing, witness, allegation, on_person, on_allegation = draft_with_witness_and_allegation(laptop)
    first = import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg_there, ACTOR)
    assert first.counts["evidence"]["inserted"] == 2 and server["evidence_blob"].count == 2
    observe.remove(laptop, ACTOR, hearing, "witness", witness["uuid"])
    observe.remove(laptop, ACTOR, hearing, "allegation", allegation["uuid"])
    assert laptop["evidence"].count == 0 and laptop["evidence_blob"].count == 0
    oleg_here = users.get_by_username(laptop, "oleg")
    assert exporter.pending_counts(laptop, oleg_here, _mission(laptop)).get("evidence") == 2  # said waiting
    data = export(laptop, "oleg", setup["mission"])
    assert "evidence" not in exporter.pending_counts(laptop, oleg_here, _mission(laptop))
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        carried = [n for n in bundle.namelist() if "evidence" in n]
    assert carried  # the withdrawals travel
    second = import_bundle(server, data, oleg_there, ACTOR)
    assert second.counts["evidence"]["updated"] == 2
    for attached in (on_person, on_allegation):
        row = next(server.query("SELECT * FROM evidence WHERE uuid = ?", [attached["uuid"]]))
        assert row["withdrawn_at"] and row["withdrawn_reason"] == evidence.REMOVED_REASON
        assert (row["sha256"], row["size"]) == (attached["sha256"], attached["size"])  # the record stays
        assert evidence.content(server, row) is None
    assert server["evidence_blob"].count == 0  # the bytes are gone there too
    assert evidence.verify(server) == [] and evidence.verify(laptop) == []
    for app in (server_app, laptop_app):
        result = app.test_cli_runner().invoke(args=["audit-verify"])
        assert result.exit_code == 0, result.output
    # sent once: the next bundle carries no evidence, and importing it again changes nothing
    assert (
        "evidence"
        not in exporter.select(
            laptop, users.get_by_username(laptop, "oleg"), _mission(laptop), "changes"
        ).records
    )
    again = import_bundle(server, data, oleg_there, ACTOR)
    assert again.counts.get("evidence", {}).get("updated", 0) == 0


def _mission(db):
    return next(db.query("SELECT * FROM mission"))


def test_a_file_removed_before_it_ever_crossed_sends_nothing(machines):
    from monitor.observe import records as observe

    _server, laptop, setup, _server_app, _laptop_app = machines
    hearing, witness, _allegation, on_person, _on_allegation = draft_with_witness_and_allegation(laptop)
    observe.remove(laptop, ACTOR, hearing, "witness", witness["uuid"])
    chosen = exporter.select(laptop, users.get_by_username(laptop, "oleg"), _mission(laptop), "changes")
    assert on_person["uuid"] not in [r["uuid"] for r in chosen.records.get("evidence", [])]
    entry = next(laptop.query("SELECT * FROM audit WHERE action = 'evidence.remove'"))
    assert entry["after"] is None  # no tombstone: there is nothing to withdraw elsewhere


def test_an_observer_still_may_not_withdraw_a_file_on_a_defendant_by_bundle(machines):
    """The new rule covers an observer's own files on their own observation's witnesses and allegations
    only: a file on a case file still needs a lead to withdraw it (see test_an_observer_may_not_withdraw…)."""
    server, laptop, setup, _server_app, _laptop_app = machines
    attached = attach_on(laptop, "oleg", setup, pdf_bytes())
    oleg = users.get_by_username(server, "oleg")
    import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
    laptop.execute(
        "UPDATE evidence SET withdrawn_at = '2026-12-01T00:00:00Z', withdrawn_reason = ?, "
        "version = version + 1 WHERE uuid = ?",
        [evidence.REMOVED_REASON, attached["uuid"]],
    )
    laptop.execute("DELETE FROM evidence_blob")
    laptop.conn.commit()
    with pytest.raises(Refused, match="only a lead can"):
        import_bundle(server, export(laptop, "oleg", setup["mission"]), oleg, ACTOR)
