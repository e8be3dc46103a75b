"""Data exports in the units of issue 11: sittings, witness persons and their appearances, reconciliations,
the case file and its history — as CSV files, workbook sheets and JSON keys, read back by independent
readers; and each edition's redaction of every new column."""

import contextlib
import csv
import html
import io
import json
import zipfile
from datetime import date, datetime
from itertools import zip_longest

import jsonschema
import openpyxl
import pytest

from monitor.db import connect
from monitor.reports import dataset, exports
from tests import units_world as world
from tests.conftest import make_app

NEW = (
    "sittings",
    "witness_persons",
    "witness_appearances",
    "reconciliations",
    "case_facts",
    "case_fact_history",
)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("units-exports"))
    built = world.build(app)
    cache = {}

    def export(fmt, profile="internal") -> bytes:
        if (fmt, profile) not in cache:
            with app.app_context():
                db = connect(app.config["DATABASE"])
                try:
                    content, _type, _name = exports.export(
                        db, built["mission"], fmt, profile, "en", app.instance_path
                    )
                finally:
                    db.close()
            cache[fmt, profile] = content
        return cache[fmt, profile]

    export.world, export.app = built, app
    return export


def csv_tables(content: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            )
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def plain(value):
    """A cell as the CSV file has it: a date as its ISO text, an empty cell as ""."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():  # a date column
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def sheets(content: bytes) -> dict[str, list[dict]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    tables = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if sheet.title != "About" and rows:
            tables[sheet.title] = [dict(zip_longest(rows[0], map(plain, row))) for row in rows[1:]]
    return tables


def readable(content: bytes) -> str:
    """Every text a reader could get from the file: bytes, zip members, XML and JSON escapes undone."""
    parts = [content]
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    texts = []
    for part in parts:
        text = part.decode("utf-8", errors="replace")
        texts += [text, html.unescape(text)]
        with contextlib.suppress(ValueError):
            texts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return "\n".join(texts)


def tables_of(fmt: str, content: bytes) -> dict[str, list[dict]]:
    if fmt == "csv":
        return csv_tables(content)
    if fmt == "xlsx":
        return sheets(content)
    return json.loads(content)


@pytest.mark.parametrize("fmt", tuple(exports.FORMATS))
def test_each_new_table_is_there_with_its_rows(made, fmt):
    tables = tables_of(fmt, made(fmt))
    assert all(name in tables for name in NEW)
    w = made.world
    a, b, c = (h["uuid"] for h in w["hearings"])
    sittings = tables["sittings"]
    assert [(s["sitting_date"], int(s["observations"]), int(s["disputed_open"])) for s in sittings] == [
        (world.FIRST, 2, 1),
        (world.SECOND_DATE, 1, 0),
    ]
    first = sittings[0]["uuid"]
    assert {h["uuid"]: h["sitting_uuid"] for h in tables["hearings"]}[
        b
    ] == first  # two observations, one sitting
    persons = {p["uuid"]: p for p in tables["witness_persons"]}
    assert set(persons) == {w["anonymous"], w["named"]} and int(persons[w["anonymous"]]["appearances"]) == 2
    appearances = tables["witness_appearances"]
    assert sorted((x["person_uuid"], x["hearing_uuid"]) for x in appearances) == sorted(
        [(w["anonymous"], a), (w["anonymous"], c), (w["named"], b)]
    )
    assert [(r["sitting_uuid"], r["item_key"], r["value"]) for r in tables["reconciliations"]] == [
        (first, "judge_impartiality_doubts", "yes")
    ]
    facts = {f["defendant_uuid"]: f for f in tables["case_facts"]}
    d0, d1, d2 = (d["uuid"] for d in w["defendants"])
    assert [(facts[d]["value"], facts[d]["source"]) for d in (d0, d1, d2)] == [
        ("no", "counsel"),
        ("no", "court_record"),
        ("yes", "observed"),
    ]
    assert facts[d0]["learned_at_hearing_uuid"] == a and facts[d0]["learned_at_date"] == world.FIRST
    assert facts[d1]["learned_from"] == "judgment of 3 December" and int(facts[d0]["version"]) == 2
    assert facts[d0]["recorded_by"] == world.OBSERVER and facts[d1]["recorded_by"] == world.LEAD
    history = tables["case_fact_history"]
    assert [(h["defendant_uuid"], h["value"], h["reason"]) for h in history] == [
        (d0, "unclear", "counsel said so in court")
    ]
    if fmt != "json":  # the label columns, in words, next to the keys
        assert (
            facts[d0]["item_label"]
            == "Was the defendant promptly told the reasons for the arrest and the charges?"
        )
        assert (facts[d0]["value_label"], facts[d0]["source_label"]) == ("No", "Defence counsel")
        assert facts[d1]["source_label"] == "The judgment or another court record"


def test_the_json_validates_and_the_schema_knows_every_new_column(made):
    document = json.loads(made("json"))
    jsonschema.Draft202012Validator(exports.json_schema()).validate(document)
    jsonschema.Draft202012Validator(exports.json_schema()).validate(json.loads(made("json", "public")))
    schema = exports.json_schema()
    for table in (*NEW, "hearings"):
        assert document[table], table
        described = {c.name for c in exports.COLUMNS[table] if c.kind != "derived"}
        assert set(schema["$defs"][f"{table}_row"]["properties"]) == described == set(document[table][0])


def test_the_readme_and_the_about_sheet_describe_the_new_tables(made):
    with zipfile.ZipFile(io.BytesIO(made("csv"))) as archive:
        readme = archive.read("README.txt").decode("utf-8-sig")
    about = list(openpyxl.load_workbook(io.BytesIO(made("xlsx")), read_only=True)["About"].values)
    for table in NEW:
        assert f"{table}.csv (" in readme
        assert any(row[0] == table and row[2] == exports.TABLE_ABOUT[table] for row in about if row)


@pytest.mark.parametrize("fmt", tuple(exports.FORMATS))
def test_the_public_edition_names_no_witness_and_no_recorder(made, fmt):
    internal, public = readable(made(fmt)), readable(made(fmt, "public"))
    secrets = (world.ANONYMOUS_IDENTITY, world.NAMED_WITNESS, world.OBSERVER, world.SECOND, world.LEAD)
    for secret in (*secrets, *world.DEFENDANTS, "judgment of 3 December", "counsel said so in court"):
        assert secret in internal, secret  # the search would see it
        assert secret not in public, secret
    tables = tables_of(fmt, made(fmt, "public"))
    assert all(not (f["recorded_by"] or f["recorded_by_uuid"]) for f in tables["case_facts"])
    assert [(f["value"], f["source"]) for f in tables["case_facts"]][0] == ("no", "counsel")  # facts stay
    (earlier,) = tables["case_fact_history"]
    assert earlier["value"] == "unclear" and not (
        earlier["recorded_by"] or earlier["changed_by"] or earlier["reason"]
    )
    assert all(not (r["decided_by"] or r["reason"]) for r in tables["reconciliations"])
    persons = tables["witness_persons"]
    assert all(not p["identity"] and p["label"].startswith("Witness ") for p in persons)
    # One pseudonym per person, the same as in the per-appearance table.
    labels = {w["person_uuid"]: w["label"] for w in tables["witnesses"]}
    assert {p["uuid"]: p["label"] for p in persons} == labels


def test_the_partner_edition_keeps_facts_and_open_identities_but_not_who_recorded(made):
    tables = tables_of("json", made("json", "partner"))
    persons = {p["uuid"]: p for p in tables["witness_persons"]}
    assert persons[made.world["anonymous"]]["identity"] == ""
    assert persons[made.world["named"]]["identity"] == world.NAMED_WITNESS  # not anonymous: kept
    assert all(f["recorded_by"] == "" for f in tables["case_facts"])
    assert tables["case_facts"][1]["learned_from"] == "judgment of 3 December"
    assert world.OBSERVER not in json.dumps([tables[t] for t in NEW], ensure_ascii=False)


def test_the_history_is_read_a_row_at_a_time_through_the_redaction_and_counted_without_reading(made):
    db = connect(made.app.config["DATABASE"])
    try:
        seen = []
        history = dataset.History(db, made.world["mission"], prepare=lambda row: seen.append(row) or row)
        assert len(history) == 1 and seen == []
        assert [row["value"] for row in history] == ["unclear"] and len(seen) == 1
        assert "case_fact_history" not in {
            k for k, v in dataset.load(db, made.world["mission"], with_answers=False).items() if v
        }
    finally:
        db.close()
