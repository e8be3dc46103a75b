"""Reports in the units of issue 11, read back from the real files (PDF with pdfplumber, DOCX with
python-docx): the trial report's case file with each fact's source in words and its sittings table; the
mission report wording an allegation apart from an established fact."""

import io
import re

import docx
import pdfplumber
import pytest
from markupsafe import Markup

from monitor.db import connect
from monitor.findings import wording
from monitor.reports.build import build_report
from tests import units_world as world
from tests.conftest import make_app

A4 = (595.3, 841.9)  # points


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The units mission once for the module, and each report asked for, made once."""
    app = make_app(tmp_path_factory.mktemp("units-reports"))
    built = world.build(app)
    cache = {}

    def report(kind, fmt, profile="internal", lang="en", hearing=None) -> bytes:
        key = (kind, fmt, profile, lang, hearing)
        if key not in cache:
            with app.app_context():
                db = connect(app.config["DATABASE"])
                try:
                    trial = built["trial"]["uuid"] if kind == "trial" else None
                    content, _mimetype, _name = build_report(
                        db,
                        built["mission"],
                        kind,
                        fmt,
                        profile,
                        lang,
                        app.instance_path,
                        trial_uuid=trial,
                        hearing_uuid=built["hearings"][hearing]["uuid"] if hearing is not None else None,
                    )
                finally:
                    db.close()
            cache[key] = content
        return cache[key]

    return report


def pdf_text(content: bytes) -> str:
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    return " ".join(text.split())


def docx_tables(content: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(content))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell for table in docx_tables(content) for row in table for cell in row]
    return " ".join(" ".join(parts).split())


def in_order(text: str, words) -> bool:
    position = 0
    for word in words:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


def table_headed(tables, first: str) -> list[list[str]]:
    return next(table for table in tables if table and table[0][0] == first)


QUESTION = "Was the defendant promptly told the reasons for the arrest and the charges?"


def test_the_trial_report_gives_each_defendants_case_file_with_its_source_in_words(made):
    rows = table_headed(docx_tables(made("trial", "docx")), "Fact")
    assert rows[0] == ["Fact", "Value", "Source", "Where learned", "Recorded by"]
    by_defendant, current = {}, None
    for row in rows[1:]:
        if len(set(row)) == 1:  # a defendant's heading across the table
            current = row[0]
        else:
            by_defendant.setdefault(current, []).append(row)
    assert list(by_defendant) == [f"{n}. {name}" for n, name in enumerate(world.DEFENDANTS, 1)]
    told, judged, seen = (by_defendant[key][0] for key in by_defendant)
    # In the checklist's words, the value as the form labels it, the source in words, where learned, who.
    assert told[:2] == [QUESTION, "No"] and told[2].splitlines() == [
        "according to defence counsel",
        "alleged",
    ]
    assert told[3] == f"learned at the sitting of {world.FIRST}"
    assert told[4].splitlines()[0] == world.OBSERVER
    assert judged[2].splitlines() == ["according to the judgment or another court record", "established"]
    assert judged[3] == "from judgment of 3 December" and judged[4].splitlines()[0] == world.LEAD
    assert seen[1:4] == [
        "Yes",
        "observed in court\nestablished",
        f"observed at the sitting of {world.SECOND_DATE}",
    ]
    # The PDF says the same (its lines interleave the columns a cell wraps in: words in order).
    text = pdf_text(made("trial", "pdf"))
    for row in (
        ("1. Aidar Testov", "promptly told the", "No", "according to defence", "counsel", "alleged"),
        ("2. Boris Primerov", "No", "according to the", "court record", "established"),
        ("3. Dana Vymyslova", "Yes", "observed in court", "established"),
    ):
        assert in_order(text[text.index("Case file") :], row), row


def test_the_sittings_table_counts_two_observations_of_one_date_as_one_sitting(made):
    content = made("trial", "docx")
    rows = table_headed(docx_tables(content), "Date")
    assert rows[0] == ["Date", "Session", "Observers", "Observations", "Disputed items open"]
    assert rows[1:] == [
        [world.FIRST, "1", f"{world.OBSERVER}, {world.SECOND}", "2", "1"],  # one reconciled, one open
        [world.SECOND_DATE, "1", world.OBSERVER, "1", "0"],
    ]
    text = docx_text(content)
    assert "Sittings observed 2" in text and "Observations 3" in text and "Defendants on trial 3" in text
    assert "Sittings observed 2 Observations 3" in pdf_text(made("trial", "pdf"))


def test_a_hearing_report_says_how_its_sitting_was_observed_and_what_is_still_disputed(made):
    """Two observers at the first sitting, one disagreement reconciled and one open; one at the second."""
    first = docx_text(made("hearing", "docx", hearing=0))
    assert (
        f"Sitting {world.FIRST}; 2 counted observations; the observations disagree on 1 answer that no lead "
        "has reconciled yet" in first
    )
    assert f"Sitting {world.SECOND_DATE}; 1 counted observation" in docx_text(
        made("hearing", "docx", hearing=2)
    )
    assert "2 counted observations; the observations disagree on 1 answer" in pdf_text(
        made("hearing", "pdf", "public", hearing=1)
    )


def test_a_fact_told_by_counsel_is_alleged_and_one_from_the_court_record_established(made):
    for text in (pdf_text(made("mission", "pdf")), docx_text(made("mission", "docx"))):
        # Two defendants answered "no": one from the judgment, one by counsel. Never "2 of 3 … were not".
        assert re.search(
            r"1 of 3 defendants on trial was not promptly told the reasons for their arrest and the charges "
            r"— established: observed in court or according to a court record \(known for 3\)",
            text,
        )
        assert re.search(
            r"Alleged, not established, for 1 of 3 defendants on trial: “were not promptly told the reasons "
            r"for their arrest and the charges” \(according to defence counsel: 1; known for 3\)",
            text,
        )
        assert "2 of 3 defendants on trial were not promptly told" not in text  # never the two added up
        assert "Facts of the case file count once per defendant, of the defendants on trial." in text
    stages = table_headed(docx_tables(made("mission", "docx")), "Stage")
    assert stages[0] == ["Stage", "Concerns", "Alleged", "Observations"]
    assert stages[1] == ["Arrest and police custody", "1", "1", "3"]  # the alleged one is not a concern
    trials = table_headed(docx_tables(made("mission", "docx")), "Trial")
    assert trials[0][3:] == ["Sittings", "Defendants on trial"] and trials[1][3:] == ["2", "3"]


def test_the_wording_never_states_an_allegation_as_an_established_violation(app):
    def n(count, total=5):
        return {"count": count, "of": total, "uuids": []}

    entry = {
        "concern": n(3),
        "observed": n(4),
        "concern_established": n(0),
        "concern_alleged": n(3),
        "by_source": {"defendant": n(2), "family": n(1)},
    }
    with app.test_request_context():
        lines = wording.case_sentences(entry, "were beaten", "en")
        linked = wording.case_sentences(
            entry, "were <b>", "en", html=True, shown={"concern_alleged": Markup("<a>3</a>")}
        )
    assert lines == [
        "Alleged, not established, for 3 of 5 defendants on trial: “were beaten” (according to the "
        "defendant: 2; according to the family: 1; known for 4)"
    ]
    assert (
        str(linked[0]).startswith("Alleged, not established, for <a>3</a> of 5")
        and "were &lt;b&gt;" in linked[0]
    )


def test_who_recorded_a_fact_is_in_the_internal_edition_only(made):
    internal = docx_tables(made("trial", "docx"))
    assert table_headed(internal, "Fact")[0][-1] == "Recorded by"
    public_rows = table_headed(docx_tables(made("trial", "docx", "public")), "Fact")
    assert public_rows[0] == ["Fact", "Value", "Source", "Where learned"]
    for content in (made("trial", "pdf", "public"), made("trial", "docx", "public")):
        text = pdf_text(content) if content.startswith(b"%PDF") else docx_text(content)
        assert "according to defence counsel" in text  # the facts stay, worded by source
        for name in (world.OBSERVER, world.SECOND, world.LEAD, *world.DEFENDANTS):
            for part in name.split():
                assert part not in text, part
        assert "judgment of 3 December" not in text  # a document named in free text: removed


def test_the_case_file_section_is_readable_on_an_a4_page(made):
    """Every word of the case file's table lies inside the page's margins, at a readable size."""
    with pdfplumber.open(io.BytesIO(made("trial", "pdf"))) as pdf:
        page = next(p for p in pdf.pages if "Case file" in (p.extract_text() or ""))
        assert (round(page.width, 1), round(page.height, 1)) == A4
        words = page.extract_words(extra_attrs=["size"])
        start = next(w["top"] for w in words if w["text"] == "Fact")
        table = [w for w in words if w["top"] >= start and w["bottom"] < page.height - 60]
        assert any(w["text"] == "Nablyudatelev" for w in table)
        assert all(w["x0"] >= 36 and w["x1"] <= page.width - 36 for w in table)
        assert min(w["size"] for w in table) >= 6.5  # the smallest: the "alleged" line under a source


def test_the_russian_report_words_the_source_in_russian(made):
    text = docx_text(made("trial", "docx", lang="ru"))
    assert "по словам защитника" in text and "according to" not in text
