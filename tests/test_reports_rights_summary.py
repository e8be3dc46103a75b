"""The mission report's trial × right summary and custody per trial, and the defendant × right matrix in
each trial's report (issue #16: reports that hold at ten times the defendants), read back from real PDF
(pdfplumber) and DOCX (python-docx) files of a small mission seeded here."""

import io
import re

import docx
import pdfplumber
import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings.aggregate import findings
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports.build import build_report
from monitor.reports.redact import pseudonym, pseudonym_key
from tests.conftest import make_app, make_user

ACTOR = Actor(name="test")
V1 = checklists.get("fair_trial", 1)
FIRST = ("Aigerim Zhaksylykova", "Bakhyt Omarov", "Dauren Serikbayev")
SECOND = ("Gulnara Abenova", "Yerlan Tulegenov")
ALL_NAMES = FIRST + SECOND


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Two trials (three defendants, two): answers that repeat a concern over two sittings, a defendant
    absent from one, custody times past 48 and 72 hours; each report asked for, made once."""
    app = make_app(tmp_path_factory.mktemp("rights-summary"))
    lead = make_user(app, "lena", "lead")
    oleg = make_user(app, "oleg", "observer")
    db = connect(app.config["DATABASE"])
    try:
        mission = missions.create_mission(
            db, ACTOR, lead, {"name": "Scale mission", "checklist_id": "fair_trial", "checklist_version": 1}
        )
        trials, people = [], {}
        for title, names in (("Harbour case", FIRST), ("Mine case", SECOND)):
            trial = missions.create_trial(db, ACTOR, mission, {"title": title})
            people[trial["uuid"]] = missions.bulk_add_defendants(db, ACTOR, trial, list(names))
            missions.assign_observer(db, ACTOR, trial, oleg, mission)
            trials.append(trial)
        harbour, mine = trials
        a, b, c = people[harbour["uuid"]]
        d, e = people[mine["uuid"]]
        for defendant, apprehended, judge in (
            (a, "2026-10-01T08:00", "2026-10-02T08:00"),  # 24 h
            (b, "2026-10-01T08:00", "2026-10-03T20:00"),  # 60 h
            (d, "2026-10-01T08:00", "2026-10-05T08:00"),  # 96 h
        ):
            db.execute(
                "UPDATE defendant SET apprehended_at = ?, first_judge_at = ? WHERE id = ?",
                [apprehended, judge, defendant["id"]],
            )

        def observed(trial, date, present, answers):
            hearing = observe.start_hearing(db, ACTOR, trial, mission, oleg, date)
            changes = [
                {"target": "presence", "defendant": p["uuid"], "value": True, "field": "present"}
                for p in present
            ]
            changes += [
                {"target": "answer", "item": item, "subject": p["uuid"], "field": "value", "value": value}
                for p, item, value in answers
            ]
            refused = observe.save_changes(db, ACTOR, hearing, V1, changes)
            assert refused == [], [str(r["message"]) for r in refused]
            observe.submit(db, ACTOR, hearing)

        # Harbour: a told the reasons at neither sitting (one concern, counted once), b at the second
        # only after not at the first (a concern), c absent from the first; caged: b only.
        observed(
            harbour,
            "2026-11-20",
            (a, b),
            (
                (a, "informed_of_reasons", "no"),
                (b, "informed_of_reasons", "no"),
                (b, "caged_or_shackled", "yes"),
            ),
        )
        observed(
            harbour,
            "2026-11-27",
            (a, b, c),
            (
                (a, "informed_of_reasons", "no"),
                (b, "informed_of_reasons", "yes"),
                (c, "informed_of_reasons", "yes"),
                (a, "caged_or_shackled", "no"),
            ),
        )
        observed(
            mine, "2026-11-21", (d, e), ((d, "informed_of_reasons", "yes"), (e, "caged_or_shackled", "yes"))
        )
        db.conn.commit()
        mission = records.get(db, "mission", mission["uuid"])
    finally:
        db.close()
    cache = {}

    def report(kind, fmt, profile="internal", lang="en", trial=None) -> bytes:
        key = (kind, fmt, profile, lang, trial)
        if key not in cache:
            with app.app_context():
                handle = connect(app.config["DATABASE"])
                try:
                    cache[key] = build_report(
                        handle, mission, kind, fmt, profile, lang, app.instance_path, trial_uuid=trial
                    )[0]
                finally:
                    handle.close()
        return cache[key]

    def counted(trial=None) -> dict:
        handle = connect(app.config["DATABASE"])
        try:
            scope = Scope(mission["id"], trial_uuids=(trial,) if trial else ())
            return findings(handle, scope, V1, mission)
        finally:
            handle.close()

    return {
        "app": app,
        "mission": mission,
        "trials": trials,
        "people": people,
        "report": report,
        "counted": counted,
    }


def docx_tables(content: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(content))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def pdf_pages(content: bytes) -> list[tuple[bool, str]]:
    """(landscape?, text with its runs of white space as one space) of every page."""
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [
            (page.width > page.height, " ".join((page.extract_text() or "").split())) for page in pdf.pages
        ]


def summary_tables(tables):
    """The trial × right tables: stage letters above "Trial" and the question numbers."""
    return [t for t in tables if len(t) > 1 and t[1][0] == "Trial" and t[1][1].isdigit()]


def expected_cell(entry) -> str:
    concern, observed = entry["concern"]["count"], entry["observed"]["count"]
    return f"{concern} of {observed}" if observed else ""


def test_each_summary_cell_is_the_findings_of_that_trial_and_the_last_row_the_missions(made):
    tables = summary_tables(docx_tables(made["report"]("mission", "docx")))
    items = V1.items_for("defendant")
    assert sum(len(t[1]) - 1 for t in tables) == len(items)  # every defendant question, once
    assert all(len(t[1]) - 1 <= 14 for t in tables) and len(tables) > 1  # split over tables, not squeezed
    numbers = {str(n): item.key for n, item in enumerate(V1.items, 1)}
    per_trial = {t["title"]: made["counted"](t["uuid"]) for t in made["trials"]}
    per_trial["All trials"] = made["counted"]()
    seen = 0
    for table in tables:
        assert [row[0] for row in table[2:]] == ["Harbour case", "Mine case", "All trials"]
        for row in table[2:]:
            entries = {e["key"]: e for e in per_trial[row[0]]["items"]}
            for number, cell in zip(table[1][1:], row[1:], strict=True):
                assert cell == expected_cell(entries[numbers[number]]), (row[0], number)
                seen += bool(cell)
    assert seen >= 6
    # The counts this mission was seeded with: a defendant counted once over two sittings with a concern.
    reasons = next(t for t in tables if str(V1.items.index(V1.item("informed_of_reasons")) + 1) in t[1])
    column = reasons[1].index(str(V1.items.index(V1.item("informed_of_reasons")) + 1))
    assert [row[column] for row in reasons[2:]] == ["2 of 3", "0 of 1", "2 of 4"]


def test_the_mission_pdf_carries_the_summary_and_no_row_per_defendant(made):
    pages = pdf_pages(made["report"]("mission", "pdf"))
    wide = " ".join(text for landscape, text in pages if landscape)
    assert "Trial × right summary" in wide and "is in each trial's report" in wide
    assert "Defendant × right matrix" not in " ".join(text for _wide, text in pages)
    number = str(V1.items.index(V1.item("informed_of_reasons")) + 1)
    assert re.search(rf"Trial (\d+ )*{number} ", wide)
    assert "Harbour case 2 of 3" in wide and "All trials 2 of 4" in wide
    everything = " ".join(text for _wide, text in pages)
    assert "Zhaksylykova" not in wide  # the names are in the trial reports' matrices, not here
    assert "Harbour case" in everything


def test_the_mission_custody_table_is_one_row_per_trial_agreeing_with_the_findings(made):
    tables = docx_tables(made["report"]("mission", "docx"))
    custody = next(t for t in tables if t[0][:2] == ["Trial", "Defendants on trial"] and "Longest" in t[0])
    counted = made["counted"]()["custody"]
    assert [row[0] for row in custody[1:]] == ["Harbour case", "Mine case", "All trials"]
    head = custody[0]
    total = dict(zip(head, custody[-1], strict=True))
    assert total["Defendants on trial"] == "5"
    assert total["Median hours from apprehension to a judge"] == f"{counted['median_hours_to_judge']:g} h"
    over48, over72 = counted["judge_over_48"], counted["judge_over_72"]
    assert total["over 48 h"] == f"{over48['count']} of {over48['of']}" == "2 of 3"
    assert total["over 72 h"] == f"{over72['count']} of {over72['of']}" == "1 of 3"
    assert total["Longest"] == "96 h"
    harbour = dict(zip(head, custody[1], strict=True))
    assert (
        harbour["over 48 h"] == "1 of 2" and harbour["over 72 h"] == "0 of 2" and harbour["Longest"] == "60 h"
    )
    text = " ".join(" ".join(row) for table in tables for row in table)
    assert not any(
        name in text for name in ALL_NAMES
    )  # no table of the mission report has a row per defendant


def test_the_trial_report_has_the_matrix_of_its_own_defendants(made):
    harbour, mine = made["trials"]
    content = made["report"]("trial", "docx", trial=harbour["uuid"])
    matrix = next(t for t in docx_tables(content) if len(t) > 1 and t[1][:2] == ["Defendant", "Σ"])
    assert [row[0] for row in matrix[2:]] == list(FIRST)  # its defendants, none of the other trial's
    numbers = matrix[1]
    reasons = numbers.index(str(V1.items.index(V1.item("informed_of_reasons")) + 1))
    caged = numbers.index(str(V1.items.index(V1.item("caged_or_shackled")) + 1))
    # sittings where each was answered: a at both, b at both, c at the second only
    assert [row[reasons] for row in matrix[2:]] == ["2", "2", "1"]
    assert [row[caged] for row in matrix[2:]] == ["1", "1", ""]
    assert [row[1] for row in matrix[2:]] == ["1", "2", "0"]  # Σ: questions with a concern
    pages = pdf_pages(made["report"]("trial", "pdf", trial=mine["uuid"]))
    wide = " ".join(text for landscape, text in pages if landscape)
    assert "Defendant × right matrix" in wide
    assert all(name in wide for name in SECOND) and not any(name in wide for name in FIRST)


def test_a_public_mission_report_names_no_defendant(made):
    for fmt in ("pdf", "docx"):
        content = made["report"]("mission", fmt, profile="public")
        if fmt == "pdf":
            text = " ".join(text for _wide, text in pdf_pages(content))
        else:
            text = " ".join(" ".join(row) for t in docx_tables(content) for row in t)
            text += " ".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
        for name in ALL_NAMES:
            assert not any(part in text for part in name.split()), (fmt, name)


def test_a_public_trial_reports_matrix_shows_only_pseudonyms(made):
    harbour = made["trials"][0]
    key = pseudonym_key(made["app"].instance_path)
    expected = [pseudonym(key, "defendant", p["uuid"]) for p in made["people"][harbour["uuid"]]]
    content = made["report"]("trial", "docx", profile="public", trial=harbour["uuid"])
    matrix = next(t for t in docx_tables(content) if len(t) > 1 and t[1][:2] == ["Defendant", "Σ"])
    assert [row[0] for row in matrix[2:]] == expected
    pages = pdf_pages(made["report"]("trial", "pdf", profile="public", trial=harbour["uuid"]))
    wide = " ".join(text for landscape, text in pages if landscape)
    assert all(alias in wide for alias in expected)
    assert not any(part in wide for name in ALL_NAMES for part in name.split())


@pytest.mark.parametrize(
    ("lang", "summary", "matrix"),
    [
        ("ru", "Сводка «процесс × право»", "Матрица «подсудимый × право»"),
        ("kk", "«Процесс × құқық» жиынтығы", "«Айыпталушы × құқық» матрицасы"),
    ],
)
def test_the_summary_and_the_matrix_are_translated(made, lang, summary, matrix):
    text = " ".join(
        " ".join(row) for t in docx_tables(made["report"]("mission", "docx", lang=lang)) for row in t
    )
    document = docx.Document(io.BytesIO(made["report"]("mission", "docx", lang=lang)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any(summary in h for h in headings), headings
    assert "Trial" not in text.split() and "All trials" not in text
    harbour = made["trials"][0]["uuid"]
    pages = pdf_pages(made["report"]("trial", "pdf", lang=lang, trial=harbour))
    wide = " ".join(text for landscape, text in pages if landscape)
    assert matrix in wide
    assert "Defendant × right matrix" not in wide and "Each cell" not in wide


def test_a_wide_checklist_is_split_over_tables_of_whole_stages_where_they_fit():
    from types import SimpleNamespace

    from monitor.reports.render.matrix import SUMMARY_COLUMNS, _column_groups

    sizes = (9, 5, 20, 3)  # a stage longer than a table is split; the others stay whole
    stages = [
        (SimpleNamespace(key=f"s{n}"), [f"s{n}.{i}" for i in range(size)]) for n, size in enumerate(sizes)
    ]
    groups = _column_groups(SimpleNamespace(by_stage=lambda scope: stages))
    widths = [sum(len(part) for _letter, part in group) for group in groups]
    assert all(width <= SUMMARY_COLUMNS for width in widths) and widths == [14, 14, 9]
    assert [item for group in groups for _letter, part in group for item in part] == [
        item for _stage, items in stages for item in items
    ]
    assert [[letter for letter, _part in group] for group in groups] == [["A", "B"], ["C"], ["C", "D"]]
