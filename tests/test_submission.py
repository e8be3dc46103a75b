"""The submission: recommendations imported, assessed with linked findings, and written as DOCX and PDF
whose numbers are the findings API's; a live-linked number follows the observations, a frozen one does not."""

import io
import re
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.observe import records as observe
from tests.conftest import login, post, setup_trial, start_hearing

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
SAMPLE = Path(__file__).parent / "fixtures" / "upr_recommendations.csv"
TORTURE, FAIR, LIBERTY = (
    "Torture and other cruel treatment",
    "Fair trial",
    "Liberty and security of the person",
)


def allege(db, hearing, defendant_uuid):
    allegation = observe.add_allegation(db, ACTOR, hearing)
    changes = observe.changes(
        "allegation", {"alleged_by": "defendant", "defendant_uuid": defendant_uuid}, allegation["uuid"]
    )
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []


def not_informed(db, hearing, defendants):
    changes = [
        {"target": "answer", "subject": d, "item": "informed_of_reasons", "field": "value", "value": "no"}
        for d in defendants
    ]
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []


def rec_uuid(db, identifier):
    return db.execute("SELECT uuid FROM recommendation WHERE identifier = ?", [identifier]).fetchone()[0]


def assessment_uuid(db, identifier):
    return db.execute(
        "SELECT assessment.uuid FROM assessment JOIN recommendation ON recommendation.id = recommendation_id "
        "WHERE identifier = ?",
        [identifier],
    ).fetchone()[0]


@pytest.fixture
def assessed(app, client):
    """Five defendants, two alleging torture and three not told the reasons for arrest; the sample CSV
    imported; five of its six recommendations assessed, with findings linked live and frozen."""
    setup = setup_trial(app, defendants=5)
    d = [x["uuid"] for x in setup["defendants"]]
    db = connect(app.config["DATABASE"])
    hearing = start_hearing(app, setup, hearing_date="2026-03-02")
    allege(db, hearing, d[0])
    allege(db, hearing, d[1])
    not_informed(db, hearing, d[:3])
    observe.submit(db, ACTOR, hearing)
    login(client, "lena")
    m = setup["mission"]["uuid"]
    assert post(client, f"/missions/{m}/recommendations/country", {"country_code": "kz"}).status_code == 302
    upload = {"file": (io.BytesIO(SAMPLE.read_bytes()), "upr.csv")}
    assert (
        post(
            client, f"/missions/{m}/recommendations/import", upload, content_type="multipart/form-data"
        ).status_code
        == 302
    )
    for identifier, status in (
        ("140.71", "not_implemented"),
        ("140.72", "not_implemented"),
        ("140.73", "partially"),
        ("140.88", "implemented"),
        ("140.90", "not_implemented"),
    ):
        response = post(
            client,
            f"/missions/{m}/recommendations/{rec_uuid(db, identifier)}/assessment",
            {"cycle": "4", "status": status, "reasoning": f"Reasoning for {identifier}."},
        )
        assert response.status_code == 302
    a71 = assessment_uuid(db, "140.71")
    for mode in ("live", "frozen"):
        response = post(
            client,
            f"/assessments/{a71}/links",
            {"path": "torture.defendants_alleging", "filters": "", "mode": mode, "note": ""},
        )
        assert response.status_code == 302
    response = post(
        client,
        f"/assessments/{assessment_uuid(db, '140.88')}/links",
        {"path": "items.informed_of_reasons.concern", "filters": "", "mode": "live", "note": ""},
    )
    assert response.status_code == 302
    figure = {
        "what": "Torture complaints registered",
        "value": "662",
        "period": "2023",
        "source": "Prosecutor General's Office",
        "retrieved_on": "2026-11-01",
        "themes": "",
    }
    assert post(client, f"/missions/{m}/statistics", figure).status_code == 302
    statistic = db.execute("SELECT uuid FROM official_statistic").fetchone()[0]
    response = post(client, f"/assessments/{a71}/links", {"target": f"statistic:{statistic}", "note": ""})
    assert response.status_code == 302
    response = post(
        client,
        f"/missions/{m}/submission",
        {f"theme-{TORTURE}": "Open an independent investigation into every allegation."},
    )
    assert response.status_code == 302
    assert db.execute("SELECT count(*) FROM assessment_link").fetchone()[0] == 4
    yield {"setup": setup, "db": db, "d": d, "mission": m}
    db.close()


def docx_text(content: bytes) -> tuple[list[str], str]:
    document = Document(io.BytesIO(content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return headings, "\n".join([p.text for p in document.paragraphs] + cells)


def download(client, mission, fmt="docx", lang="en", profile="internal"):
    response = client.get(
        f"/missions/{mission}/submission/download?format={fmt}&lang={lang}&profile={profile}"
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


def test_the_docx_holds_each_theme_its_counts_and_the_findings_api_numbers(client, assessed):
    m = assessed["mission"]
    api = client.get(f"/api/v1/missions/{m}/findings").get_json()
    alleging = api["torture"]["defendants_alleging"]
    concern = next(i for i in api["items"] if i["key"] == "informed_of_reasons")["concern"]
    assert (alleging["count"], alleging["of"]) == (2, 5) and concern["count"] == 3
    headings, text = docx_text(download(client, m))
    for theme in (FAIR, LIBERTY, TORTURE):
        assert any(h.endswith(theme) for h in headings), theme
    assert (
        "Of 3 recommendations: 0 implemented, 1 partially implemented, 2 not implemented." in text
    )  # torture
    assert (
        "Of 3 recommendations: 1 implemented, 1 partially implemented, 0 not implemented, 1 not yet assessed."
        in text
    )
    assert (
        f"Defendants who said they were tortured or ill-treated: {alleging['count']} of {alleging['of']}."
        in text
    )
    assert f"{concern['count']} of {concern['of']} defendants" in text
    assert "662" in text and "Official figures" in headings  # beside the counts, in a table of their own
    assert "Open an independent investigation into every allegation." in text
    assert re.search(
        r"\[\d+\] Trial monitor findings: “Defendants who said", text
    )  # the note behind the number


def test_a_live_number_follows_the_observations_and_a_frozen_one_stays(app, client, assessed):
    db, m, d = assessed["db"], assessed["mission"], assessed["d"]
    hearing = start_hearing(app, assessed["setup"], hearing_date="2026-03-09")
    allege(db, hearing, d[2])
    observe.submit(db, ACTOR, hearing)
    api = client.get(f"/api/v1/missions/{m}/findings").get_json()
    assert api["torture"]["defendants_alleging"]["count"] == 3
    _headings, text = docx_text(download(client, m))
    lines = [line for line in text.splitlines() if line.startswith("Defendants who said they were tortured")]
    assert sorted(re.search(r": (\d) of 5", line).group(1) for line in lines) == ["2", "3"]  # frozen, live
    page = client.get(f"/missions/{m}/recommendations/{rec_uuid(db, '140.71')}").get_data(as_text=True)
    assert "<strong>3 of 5</strong>" in page and "<strong>2 of 5</strong>" in page


def test_the_pdf_and_the_russian_draft_hold_the_themes_and_counts(client, assessed):
    m = assessed["mission"]
    pdf = PdfReader(io.BytesIO(download(client, m, fmt="pdf")))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert TORTURE in text and "Of 3 recommendations: 0 implemented" in text
    assert "Defendants who said they were tortured or ill-treated: 2 of 5" in text
    headings, ru = docx_text(download(client, m, lang="ru"))
    assert any(h.endswith(TORTURE) for h in headings)
    assert "Из 3 рекомендаций" in ru and "Official figures" not in headings


def test_the_public_draft_names_no_defendant(app, client, assessed):
    db, m, d = assessed["db"], assessed["mission"], assessed["d"]
    post(
        client,
        f"/assessments/{assessment_uuid(db, '140.73')}/links",
        {"target": f"defendant:{d[0]}", "note": "Defendant 0 was beaten."},
    )
    _h, internal = docx_text(download(client, m, profile="internal"))
    _h, public = docx_text(download(client, m, profile="public"))
    assert "Defendant 0" in internal
    assert not re.search(r"Defendant 0\b", public) and "The case of Defendant " in public


def test_the_mission_report_shows_the_official_figures_in_a_section_of_their_own(app, client, assessed):
    from monitor.reports.build import build_report

    with app.app_context():
        db = assessed["db"]
        mission = records.get(db, "mission", assessed["mission"])
        content, _mimetype, _name = build_report(
            db, mission, "mission", "docx", "partner", "en", app.instance_path
        )
    headings, text = docx_text(content)
    assert any(h.endswith("Official figures") for h in headings)
    assert (
        "Torture complaints registered" in text
        and "Prosecutor General's Office, retrieved on 2026-11-01." in text
    )


def test_the_page_counts_words_against_the_upr_limit(client, assessed):
    page = client.get(f"/missions/{assessed['mission']}/submission").get_data(as_text=True)
    assert "/ 2,815" in page and TORTURE in page


def test_the_follow_up_of_allegations_is_worded_when_the_findings_carry_it(app):
    from flask_babel import force_locale

    from monitor.reports.render.submission import follow_up_sentence

    torture = {"persons_alleging": {"count": 27, "of": None, "uuids": []}}
    follow = {"complaint_lodged": {"count": 5, "of": 27, "uuids": []}, "investigation_opened": 0}
    with app.test_request_context(), force_locale("en"):
        line = follow_up_sentence(follow, torture)
    assert line == (
        "After the courtroom, of 27 people who alleged torture or ill-treatment — a complaint was lodged: 5; "
        "an investigation was opened: 0."
    )


def test_a_case_file_document_is_linked_and_a_file_on_a_witness_never_is(app, client, assessed):
    from monitor.evidence import records as evidence

    db, setup = assessed["db"], assessed["setup"]
    defendant = records.get(db, "defendant", assessed["d"][0])
    hearing = start_hearing(app, setup, hearing_date="2026-03-16")
    witness = observe.add_witness(db, ACTOR, hearing, setup["observer"]["id"])
    person = records.get(db, "witness", witness["person_uuid"])
    on_case, on_witness = (
        evidence.attach(
            db, ACTOR, setup["observer"], kind, row, filename=name, data=b"%PDF-1.4\n", max_bytes=1 << 20
        )
        for kind, row, name in (
            ("defendant", defendant, "detention-order.pdf"),
            ("witness", person, "Ivanov.pdf"),
        )
    )
    a73 = assessment_uuid(db, "140.73")
    page = client.get(f"/missions/{assessed['mission']}/recommendations/{rec_uuid(db, '140.73')}").get_data(
        as_text=True
    )
    assert "detention-order.pdf" in page and "Ivanov.pdf" not in page  # not even offered
    post(client, f"/assessments/{a73}/links", {"target": f"evidence:{on_witness['uuid']}", "note": ""})
    post(client, f"/assessments/{a73}/links", {"target": f"evidence:{on_case['uuid']}", "note": ""})
    kinds = [r[0] for r in db.execute("SELECT target_uuid FROM assessment_link WHERE kind = 'evidence'")]
    assert kinds == [on_case["uuid"]]
    _h, text = docx_text(download(client, assessed["mission"]))
    assert "Document “detention-order.pdf”, held by the mission." in text
