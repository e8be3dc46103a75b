"""Reports list evidence files in an annex (name, kind, SHA-256, what each hangs on) and never embed one;
an edition other than the internal one lists no file on a witness, a public one no file name."""

import io

import docx
import pytest

from monitor.audit import Actor
from monitor.db import connect
from monitor.evidence import records as evidence
from monitor.observe import records as observe
from monitor.reports.build import build_report
from tests.conftest import setup_trial, start_hearing
from tests.evidence_util import MARKER, pdf_bytes, png_bytes

ACTOR = Actor(name="test")


@pytest.fixture
def filed(app):
    """A file on a defendant's case file, another on a witness person."""
    setup = setup_trial(app, defendants=1)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    try:
        witness = observe.add_witness(db, ACTOR, hearing, setup["observer"]["id"])
        person = next(db.query("SELECT * FROM witness WHERE uuid = ?", [witness["person_uuid"]]))
        defendant = next(db.query("SELECT * FROM defendant"))
        oleg = setup["observer"]
        on_case = evidence.attach(
            db, ACTOR, oleg, "defendant", defendant, filename="order.pdf", data=pdf_bytes(), max_bytes=1 << 24
        )
        on_witness = evidence.attach(
            db,
            ACTOR,
            oleg,
            "witness",
            person,
            filename="Rustem's passport.png",
            data=png_bytes(),
            max_bytes=1 << 24,
        )
        mission = next(db.query("SELECT * FROM mission"))
    finally:
        db.close()
    return {"setup": setup, "mission": mission, "case": on_case, "witness": on_witness}


def report(app, filed, kind, fmt, profile) -> str:
    db = connect(app.config["DATABASE"])
    try:
        with app.app_context():
            content, _mimetype, _name = build_report(
                db,
                filed["mission"],
                kind,
                fmt,
                profile,
                "en",
                app.instance_path,
                trial_uuid=filed["setup"]["trial"]["uuid"],
            )
    finally:
        db.close()
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return content.decode()


@pytest.mark.parametrize(("kind", "fmt"), [("mission", "html"), ("trial", "html"), ("mission", "docx")])
def test_the_internal_edition_lists_every_file_with_its_hash_and_embeds_none(app, filed, kind, fmt):
    text = report(app, filed, kind, fmt, "internal")
    assert "Annex: evidence files" in text
    for row, name in ((filed["case"], "order.pdf"), (filed["witness"], "Rustem's passport.png")):
        assert row["sha256"] in text
        assert name in text.replace("&#39;", "'").replace("&#x27;", "'")
    assert "Case file: Defendant 0" in text
    assert MARKER not in text and "data:image/png" not in text


@pytest.mark.parametrize("profile", ["partner", "public"])
def test_other_editions_list_no_file_on_a_witness(app, filed, profile):
    text = report(app, filed, "mission", "html", profile)
    assert filed["case"]["sha256"] in text
    assert filed["witness"]["sha256"] not in text and "passport" not in text
    assert ("order.pdf" in text) == (profile == "partner")  # a public edition names no file


def test_a_withdrawn_file_is_not_in_the_annex(app, filed):
    db = connect(app.config["DATABASE"])
    try:
        evidence.withdraw(db, ACTOR, filed["case"], "wrong file")
        evidence.withdraw(db, ACTOR, filed["witness"], "wrong file")
    finally:
        db.close()
    assert "Annex: evidence files" not in report(app, filed, "mission", "html", "internal")
