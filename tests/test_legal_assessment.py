"""A trial's legal assessment: a lead's conclusion per right and overall grade, apart from the answers,
versioned and audited, in the trial report (PDF and DOCX reopened); observers and bad input change
nothing."""

import io
import re
from html import unescape

import docx
import pytest
from pypdf import PdfReader

from monitor import records
from monitor.reports.build import build_report
from tests.conftest import login, post, setup_trial, start_hearing

REASONING = "Eleven defendants were held incommunicado for four days before any judge saw them."


@pytest.fixture
def trial(app):
    setup = setup_trial(app)
    start_hearing(app, setup)
    return setup


def assess(client, trial, **fields):
    return post(client, f"/trials/{trial['trial']['uuid']}/legal-assessment", fields)


GOOD = {
    "conclusion-arrest": "violated",
    "reasoning-arrest": REASONING,
    "refs-arrest": "ICCPR 9(3); GC35 ¶33",
    "conclusion-hearing": "respected",
    "conclusion-overall": "unfair",
    "reasoning-overall": "Convictions rested on statements the court never checked for torture.",
}


def test_a_lead_assesses_and_the_page_shows_it_versioned(client, db, trial):
    login(client, "lena")
    assert assess(client, trial, **GOOD).status_code == 302
    page = unescape(client.get(f"/trials/{trial['trial']['uuid']}/legal-assessment").get_data(as_text=True))
    assert REASONING in page and "ICCPR 9(3); GC35 ¶33" in page
    rows = {r["right_key"]: r for r in db.query("SELECT * FROM legal_assessment")}
    assert set(rows) == {"arrest", "hearing", ""} and rows[""]["conclusion"] == "unfair"
    changed = {**GOOD, "conclusion-arrest": "concerns"}
    assert assess(client, trial, **changed).status_code == 302
    row = records.get(db, "legal_assessment", rows["arrest"]["uuid"])
    assert (row["conclusion"], row["version"]) == ("concerns", 2)
    audit = list(db.query("SELECT * FROM audit WHERE record_uuid = ? ORDER BY id", [row["uuid"]]))
    assert [a["action"] for a in audit] == ["legal_assessment.create", "legal_assessment.update"]
    assert '"violated"' in audit[1]["before"] and '"concerns"' in audit[1]["after"]
    assert db["answer"].count == 0  # kept apart from what observers recorded


def test_an_observer_may_read_but_not_write_a_legal_assessment(client, db, trial):
    login(client, "oleg")
    assert client.get(f"/trials/{trial['trial']['uuid']}/legal-assessment").status_code == 200
    assert assess(client, trial, **GOOD).status_code == 403
    assert db["legal_assessment"].count == 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"conclusion-arrest": "guilty"}, "Choose a conclusion from the list"),
        ({"conclusion-overall": "violated"}, "Choose a conclusion from the list"),  # not a grade
        ({"reasoning-arrest": ""}, "Give the reasoning"),
        ({"reasoning-hearing": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_bad_input_is_a_message_and_nothing_changes(client, db, trial, change, message):
    login(client, "lena")
    response = assess(client, trial, **{**GOOD, **change})
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert db["legal_assessment"].count == 0  # the valid conclusions beside it are not saved either
    assert db.execute("SELECT count(*) FROM audit WHERE action LIKE 'legal_assessment%'").fetchone()[0] == 0


def report_text(app, db, trial, fmt, profile):
    mission = records.get(db, "mission", trial["mission"]["uuid"])
    with app.app_context():
        content, _m, _n = build_report(
            db, mission, "trial", fmt, profile, "en", app.instance_path, trial_uuid=trial["trial"]["uuid"]
        )
    if fmt == "pdf":
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    else:
        document = docx.Document(io.BytesIO(content))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        text = "\n".join(parts)
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(text.split()))


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_trial_report_holds_the_assessment(app, client, db, trial, fmt):
    login(client, "lena")
    assess(client, trial, **GOOD)
    text = report_text(app, db, trial, fmt, "internal")
    assert "Legal assessment" in text and "Overall grade: Unfair." in text
    assert "Arrest and police custody" in text and "Violated" in text and "Respected" in text
    assert "Eleven defendants were held incommunicado" in text and "lena" in text
    public = report_text(app, db, trial, fmt, "public")
    assert "Overall grade: Unfair." in public and "Violated" in public
    assert "incommunicado" not in public and "lena" not in public  # no reasoning, no assessor


def test_a_trial_not_assessed_has_no_assessment_section(app, db, trial):
    assert "Legal assessment" not in report_text(app, db, trial, "docx", "internal")
