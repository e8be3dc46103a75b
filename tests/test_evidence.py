"""Evidence files: attached on the pages, downloaded as they were sent (never shown inline), refused when
they are not what they claim or too large, withdrawn by a lead with a reason, checked by audit-verify."""

import hashlib
import io
import json
import re

import pypdf
import pytest
from PIL import Image

from monitor.db import connect
from monitor.evidence import files
from tests.conftest import login, make_app, post, setup_trial
from tests.evidence_util import MARKER, docx_bytes, exe_bytes, noise_png, pdf_bytes, png_bytes


@pytest.fixture
def trial(app):
    return setup_trial(app, defendants=1)


def attach(client, path, name, data, follow_redirects=False, **fields):
    return post(
        client,
        path,
        {"file": (io.BytesIO(data), name), "source": "court_record", **fields},
        content_type="multipart/form-data",
        follow_redirects=follow_redirects,
    )


def case_file(trial):
    return f"/defendants/{trial['defendants'][0]['uuid']}/case-file"


def attach_to_case_file(client, trial, name, data, **options):
    return attach(client, f"/evidence/defendant/{trial['defendants'][0]['uuid']}", name, data, **options)


def stored(app):
    db = connect(app.config["DATABASE"])
    try:
        return list(db.query("SELECT * FROM evidence ORDER BY id"))
    finally:
        db.close()


def test_a_pdf_and_a_png_come_back_byte_for_byte_as_attachments(app, client, trial):
    login(client, "oleg")
    pdf, png = pdf_bytes(), png_bytes()
    for name, data in (("order.pdf", pdf), ("courtroom list.png", png)):
        response = attach_to_case_file(client, trial, name, data, description="from counsel")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(case_file(trial) + "#evidence")
    rows = stored(app)
    assert [(r["filename"], r["kind"], r["size"]) for r in rows] == [
        ("order.pdf", "pdf", len(pdf)),
        ("courtroom list.png", "png", len(png)),
    ]
    page = client.get(case_file(trial)).get_data(as_text=True)
    for row, data in zip(rows, (pdf, png), strict=True):
        assert row["sha256"] == hashlib.sha256(data).hexdigest()
        assert f'title="{row["sha256"]}"' in page  # the short hash shows, the whole one on hover
        response = client.get(f"/evidence/{row['uuid']}/download")
        assert response.status_code == 200
        assert response.get_data() == data
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    # what came back opens as what it is
    pdf_back = client.get(f"/evidence/{rows[0]['uuid']}/download").get_data()
    assert MARKER in pypdf.PdfReader(io.BytesIO(pdf_back)).pages[0].extract_text()
    png_back = client.get(f"/evidence/{rows[1]['uuid']}/download").get_data()
    assert Image.open(io.BytesIO(png_back)).size == (64, 64)
    assert "order.pdf" in page and "courtroom list.png" in page and "oleg" in page


def test_a_name_in_another_script_is_kept_and_sent_as_rfc_6266_filename_star(app, client, trial):
    login(client, "lena")
    attach_to_case_file(client, trial, "../../Постановление об аресте.pdf", pdf_bytes())
    row = stored(app)[0]
    assert row["filename"] == "Постановление об аресте.pdf"
    disposition = client.get(f"/evidence/{row['uuid']}/download").headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D0%9F%D0%BE%D1%81" in disposition


def test_a_program_renamed_pdf_is_refused_by_its_content(app, client, trial):
    login(client, "oleg")
    response = attach_to_case_file(client, trial, "judgment.pdf", exe_bytes(), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“judgment.pdf” is not a file of a kind accepted here" in page.replace("&#34;", '"')
    assert "PDF, JPEG, PNG" in page
    assert stored(app) == []


def test_an_empty_file_is_refused(app, client, trial):
    login(client, "oleg")
    page = attach_to_case_file(client, trial, "a.txt", b"", follow_redirects=True).get_data(as_text=True)
    assert stored(app) == [] and ("Choose a file to attach." in page or "is empty" in page)


def test_text_docx_and_jpeg_are_recognised_by_their_content(app, client, trial):
    login(client, "oleg")
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    for name, data in (
        ("notes", "Заседание отложено.\n".encode()),
        ("statement.bin", docx_bytes()),
        ("photo.png", jpeg.getvalue()),
    ):
        assert attach_to_case_file(client, trial, name, data).status_code == 302
    assert [r["kind"] for r in stored(app)] == ["text", "docx", "jpeg"]


def test_a_file_over_the_limit_is_refused_with_a_message_and_nothing_saved(tmp_path):
    app = make_app(tmp_path, MAX_EVIDENCE_BYTES=64 * 1024)
    trial = setup_trial(app, defendants=1)
    client = app.test_client()
    login(client, "oleg")
    just_over = noise_png(160)  # about 75 KiB: over the file limit, under the request's
    assert 64 * 1024 < len(just_over) < 64 * 1024 + 1024 * 1024
    page = attach_to_case_file(client, trial, "big.png", just_over, follow_redirects=True)
    assert page.status_code == 200
    assert "“big.png” is larger than 0.1 MiB" in page.get_data(as_text=True)

    class Untouchable(io.RawIOBase):  # 30 MiB declared: refused before a byte of it is read
        def readinto(self, _buffer):
            raise AssertionError("the body was read")

    response = client.post(
        f"/evidence/defendant/{trial['defendants'][0]['uuid']}",
        environ_overrides={
            "wsgi.input": Untouchable(),
            "CONTENT_LENGTH": str(30 * 1024 * 1024),
            "CONTENT_TYPE": "multipart/form-data; boundary=x",
        },
    )
    assert response.status_code == 413
    assert "The file is larger than" in response.get_data(as_text=True)
    assert "Nothing was attached" in response.get_data(as_text=True)
    assert stored(app) == []


def test_the_upload_is_parsed_in_memory_never_into_a_temporary_file(app, trial):
    with app.test_request_context(f"/evidence/defendant/{trial['defendants'][0]['uuid']}", method="POST"):
        from flask import request

        assert isinstance(request._get_file_stream(30 * 1024 * 1024, "image/png", "x.png"), io.BytesIO)


def test_a_lead_withdraws_a_file_with_a_reason_its_bytes_go_its_record_stays(app, client, trial):
    login(client, "oleg")
    attach_to_case_file(client, trial, "order.pdf", pdf_bytes())
    row = stored(app)[0]
    assert post(client, f"/evidence/{row['uuid']}/withdraw", {"reason": "wrong file"}).status_code == 403
    lead = app.test_client()
    login(lead, "lena")
    page = post(lead, f"/evidence/{row['uuid']}/withdraw", {"reason": ""}, follow_redirects=True)
    assert "Say why the file is withdrawn" in page.get_data(as_text=True)
    assert not stored(app)[0]["withdrawn_at"]
    post(lead, f"/evidence/{row['uuid']}/withdraw", {"reason": "wrong defendant"})
    after = stored(app)[0]
    assert after["withdrawn_reason"] == "wrong defendant" and after["withdrawn_at"]
    assert lead.get(f"/evidence/{row['uuid']}/download").status_code == 410
    db = connect(app.config["DATABASE"])
    try:
        assert db["evidence_blob"].count == 0
        entries = db.query("SELECT action FROM audit WHERE record_uuid = ?", [row["uuid"]])
        actions = [entry["action"] for entry in entries]
        assert actions == ["evidence.attach", "evidence.withdraw", "evidence.purge"]
        attached = json.loads(
            next(db.query("SELECT after FROM audit WHERE action = 'evidence.attach'"))["after"]
        )
        assert attached["sha256"] == row["sha256"] and attached["size"] == row["size"]
    finally:
        db.close()
    assert "wrong defendant" in lead.get(case_file(trial)).get_data(as_text=True)


def test_the_same_content_attached_twice_is_kept_once_and_survives_one_withdrawal(app, client, trial):
    login(client, "lena")
    data = pdf_bytes()
    attach_to_case_file(client, trial, "a.pdf", data)
    attach_to_case_file(client, trial, "b.pdf", data)
    first, second = stored(app)
    post(client, f"/evidence/{first['uuid']}/withdraw", {"reason": "duplicate"})
    assert client.get(f"/evidence/{second['uuid']}/download").get_data() == data


def test_the_upload_form_needs_its_csrf_token(app, trial):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login(client, "oleg")
    response = client.post(
        f"/evidence/defendant/{trial['defendants'][0]['uuid']}",
        data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and stored(app) == []


def test_audit_verify_reports_a_file_whose_bytes_changed(app, client, trial):
    login(client, "lena")
    attach_to_case_file(client, trial, "order.pdf", pdf_bytes())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
    assert "Evidence files intact: 1 files" in result.output
    db = connect(app.config["DATABASE"])
    try:  # someone with the file changes a byte of the stored PDF
        blob = bytes(next(db.query("SELECT content FROM evidence_blob"))["content"])
        db.execute("UPDATE evidence_blob SET content = ?", [blob.replace(b"4471", b"4472")])
        db.conn.commit()
    finally:
        db.close()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "Evidence bytes changed" in result.output and "order.pdf" in result.output


def test_audit_verify_reports_a_file_whose_hash_differs_from_its_audit_entry(app, client, trial):
    login(client, "lena")
    attach_to_case_file(client, trial, "order.pdf", pdf_bytes())
    other = png_bytes()
    digest = hashlib.sha256(other).hexdigest()
    db = connect(app.config["DATABASE"])
    try:  # the file swapped for another, blob and row made consistent with each other
        db.execute("UPDATE evidence_blob SET content = ?, sha256 = ?, size = ?", [other, digest, len(other)])
        db.execute("UPDATE evidence SET sha256 = ?, size = ?", [digest, len(other)])
        db.conn.commit()
    finally:
        db.close()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert re.search(r"order\.pdf.*differs from the [0-9a-f]{64} its audit entry recorded", result.output)


def test_sniffing_refuses_a_zip_that_is_not_a_document():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", exe_bytes())
    assert files.sniff(out.getvalue()) is None
    assert files.sniff(docx_bytes()) == "docx"
    assert files.sniff("plain text, café".encode()) == "text"
    assert files.sniff(b"text with a bell \x07") is None


def test_a_lead_attaches_a_file_to_a_sitting_on_its_page(app, client, trial):
    from tests.conftest import start_hearing

    hearing = start_hearing(app, trial)
    db = connect(app.config["DATABASE"])
    sitting = next(db.query("SELECT sitting.* FROM sitting JOIN hearing ON hearing.sitting_id = sitting.id"))
    db.close()
    assert hearing["sitting_id"] == sitting["id"]
    login(client, "lena")
    response = attach(client, f"/evidence/sitting/{sitting['uuid']}", "list.png", png_bytes())
    assert response.headers["Location"].endswith(f"/sittings/{sitting['uuid']}#evidence")
    page = client.get(f"/sittings/{sitting['uuid']}").get_data(as_text=True)
    assert "list.png" in page and 'id="evidence"' in page
    assert stored(app)[0]["sitting_id"] == sitting["id"]


def test_files_on_a_witness_are_in_the_register_for_leads_and_never_for_the_administrator(app, client, trial):
    from monitor.audit import Actor
    from monitor.observe import records as observe
    from tests.conftest import make_user, start_hearing

    hearing = start_hearing(app, trial)
    db = connect(app.config["DATABASE"])
    witness = observe.add_witness(db, Actor(name="t"), hearing, trial["observer"]["id"])
    db.close()
    login(client, "lena")
    response = attach(client, f"/evidence/witness/{witness['person_uuid']}", "passport.png", png_bytes())
    assert response.headers["Location"].endswith(f"#evidence-{witness['person_uuid']}")
    register = f"/trials/{trial['trial']['uuid']}/witnesses"
    assert "passport.png" in client.get(register).get_data(as_text=True)
    make_user(app, "ada", "admin")
    admin = app.test_client()
    login(admin, "ada")
    page = admin.get(register)
    assert page.status_code == 200 and "passport.png" not in page.get_data(as_text=True)
    assert (
        attach(admin, f"/evidence/witness/{witness['person_uuid']}", "x.png", png_bytes()).status_code == 403
    )
    assert len(stored(app)) == 1


def test_an_unknown_kind_of_record_is_not_found(app, client, trial):
    login(client, "lena")
    assert (
        attach(client, f"/evidence/hearing/{trial['trial']['uuid']}", "a.png", png_bytes()).status_code == 404
    )


def test_a_witness_removed_from_a_draft_takes_its_files_and_a_merged_one_hands_them_over(app, client, trial):
    from monitor.audit import Actor
    from monitor.evidence import records as evidence
    from monitor.observe import records as observe
    from monitor.witnesses import records as witnesses
    from tests.conftest import start_hearing

    hearing = start_hearing(app, trial)
    db = connect(app.config["DATABASE"])
    try:
        actor, oleg = Actor(name="t"), trial["observer"]
        first = observe.add_witness(db, actor, hearing, oleg["id"])
        second = observe.add_witness(db, actor, hearing, oleg["id"])
        allegation = observe.add_allegation(db, actor, hearing)
        persons = [
            next(db.query("SELECT * FROM witness WHERE uuid = ?", [w["person_uuid"]]))
            for w in (first, second)
        ]
        for person, name in zip(persons, ("a.png", "b.pdf"), strict=True):
            data = png_bytes() if name.endswith("png") else pdf_bytes()
            evidence.attach(db, actor, oleg, "witness", person, filename=name, data=data, max_bytes=1 << 20)
        evidence.attach(
            db, actor, oleg, "allegation", allegation, filename="c.txt", data=b"x\n", max_bytes=1 << 20
        )
        witnesses.merge(db, actor, persons[0], persons[1], {"label": "keep"})
        assert {
            r["witness_id"] for r in db.query("SELECT witness_id FROM evidence WHERE witness_id IS NOT NULL")
        } == {persons[0]["id"]}
        observe.remove(db, actor, hearing, "allegation", allegation["uuid"])
        observe.remove(db, actor, hearing, "witness", first["uuid"])
        observe.remove(db, actor, hearing, "witness", second["uuid"])
        assert db["evidence"].count == 0 and db["evidence_blob"].count == 0
        removed = [r["action"] for r in db.query("SELECT action FROM audit WHERE action LIKE 'evidence.%'")]
        assert removed.count("evidence.remove") == 3 and removed.count("evidence.move") == 1
    finally:
        db.close()


def test_an_observer_attaches_a_medical_report_to_an_allegation_on_the_observation_form(app, client, trial):
    from monitor.audit import Actor
    from monitor.observe import records as observe
    from tests.conftest import start_hearing

    hearing = start_hearing(app, trial)
    db = connect(app.config["DATABASE"])
    allegation = observe.add_allegation(db, Actor(name="test"), hearing)
    db.close()
    login(client, "oleg")
    form = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert f'id="evidence-{allegation["uuid"]}"' in form and "Files of this allegation" in form
    response = attach(client, f"/evidence/allegation/{allegation['uuid']}", "medical.pdf", pdf_bytes())
    assert response.headers["Location"].endswith(f"/hearings/{hearing['uuid']}#evidence-{allegation['uuid']}")
    page = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert "medical.pdf" in page
    assert [row["allegation_id"] for row in stored(app)] == [allegation["id"]]
