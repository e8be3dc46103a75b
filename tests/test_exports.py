"""Data exports: each format read back by an independent reader, each redaction profile searched for
what it must not contain, the background job runner and the export command."""

import contextlib
import csv
import html
import io
import json
import os
import stat
import time
import zipfile
from datetime import datetime

import jsonschema
import openpyxl
import pytest

from monitor import checklists
from monitor.auth import users
from monitor.db import atomic, connect
from monitor.demo import DEMO_MISSION
from monitor.missions.records import find as find_mission
from monitor.reports import answer_tables, dataset, exports, jobs
from monitor.reports.export_cli import export_command
from monitor.reports.redact import PROFILES, Redaction, pseudonym_key, redact
from tests.conftest import setup_trial, wait_for_job

FORMATS = tuple(exports.FORMATS)
TABLES = dataset.TABLES
PERPETRATORS = ("Major Invented Perpetrov, unit 7", "Капитан Выдуманный, ОВД-5")


@pytest.fixture
def demo(app):
    """The demo mission, with named perpetrators (the demo has none) so that redaction has them to remove."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db = connect(app.config["DATABASE"])
    try:
        with atomic(db):
            for n, row in enumerate(db.query("SELECT id FROM allegation ORDER BY id")):
                db["allegation"].update(row["id"], {"perpetrators": PERPETRATORS[n % 2]})
        return find_mission(db, DEMO_MISSION)
    finally:
        db.close()


def secrets_in(app, mission) -> dict[str, set[str]]:
    """What the database holds that a redaction profile may remove, read straight from the tables."""
    db = connect(app.config["DATABASE"])
    try:

        def column(sql):
            return {row["v"] for row in db.query(sql, [mission["id"]]) if row["v"]}

        return {
            "defendants": column(
                "SELECT defendant.name AS v FROM defendant JOIN trial ON trial.id = defendant.trial_id "
                "WHERE trial.mission_id = ?"
            ),
            "anonymous": column(
                "SELECT identity AS v FROM witness JOIN trial ON trial.id = witness.trial_id "
                "WHERE trial.mission_id = ? AND witness.anonymous = 1"
            ),
            "identities": column(
                "SELECT identity AS v FROM witness JOIN trial ON trial.id = witness.trial_id "
                "WHERE trial.mission_id = ?"
            ),
            "perpetrators": column(
                "SELECT perpetrators AS v FROM allegation JOIN trial ON trial.id = allegation.trial_id "
                "WHERE trial.mission_id = ?"
            ),
            "people": column(
                "SELECT user.display_name AS v FROM user WHERE user.id IN ("
                "  SELECT observer_id FROM hearing JOIN trial ON trial.id = hearing.trial_id"
                "  WHERE trial.mission_id = ?1"
                "  UNION SELECT reviewer_id FROM review JOIN hearing ON hearing.id = review.hearing_id"
                "  JOIN trial ON trial.id = hearing.trial_id WHERE trial.mission_id = ?1)"
            ),
        }
    finally:
        db.close()


def make_export(app, mission, fmt, profile, lang="en", progress=None) -> tuple[bytes, str, str]:
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            return exports.export(db, mission, fmt, profile, lang, app.instance_path, progress)
        finally:
            db.close()


def blobs(content: bytes) -> list[bytes]:
    """The export's raw bytes and, for a zip (CSV files, a workbook), each member decompressed."""
    parts = [content]
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts += [archive.read(name) for name in archive.namelist()]
    return parts


def readable(content: bytes) -> list[str]:
    """Every text a reader could get from the export: the bytes and zip members decoded, XML character
    references and JSON escapes undone."""
    texts = []
    for blob in blobs(content):
        text = blob.decode("utf-8", errors="replace")
        texts += [text, html.unescape(text)]
        with contextlib.suppress(ValueError):  # not JSON
            texts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return texts


def found(content: bytes, text: str) -> bool:
    return any(text in readable_text for readable_text in readable(content))


def csv_tables(content: bytes) -> dict[str, list[dict]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            )
            for name in archive.namelist()
            if name.endswith(".csv")
        }


# CSV ---------------------------------------------------------------------------------------------------


def test_csv_files_have_a_bom_a_header_and_join_on_uuids(app, demo):
    content, mimetype, name = make_export(app, demo, "csv", "internal")
    assert mimetype == "application/zip" and name.endswith("-internal-" + name[-14:-4] + ".zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = [f"{t}.csv" for t in exports.CSV_FILES]
        assert sorted(archive.namelist()) == sorted([*files, "README.txt"])
        assert all(archive.read(name).startswith(b"\xef\xbb\xbf") for name in files)
    assert set(exports.CSV_FILES) == {*TABLES, *exports.SHEETS}  # every sheet, and every answer
    tables = csv_tables(content)
    uuids = {table: {row["uuid"] for row in rows if "uuid" in row} for table, rows in tables.items()}
    assert tables["answers"] and tables["hearings"] and tables["allegations"]
    assert {row["hearing_uuid"] for row in tables["answers"]} <= uuids["hearings"]
    assert {row["trial_uuid"] for row in tables["hearings"]} <= uuids["trials"]
    assert {row["defendant_uuid"] for row in tables["presence"]} <= uuids["defendants"]
    subjects = {row["subject_uuid"] for row in tables["answers"]} - {""}
    assert subjects <= uuids["defendants"] | uuids["witnesses"]
    for table in ("witnesses", "allegations", "notes", "reviews", *answer_tables.TABLES):
        assert {row["hearing_uuid"] for row in tables[table]} <= uuids["hearings"]
    assert {row["defendant_uuid"] for row in tables["defendant_answers"]} <= uuids["defendants"]
    assert {row["witness_uuid"] for row in tables["witness_answers"]} <= uuids["witnesses"]


def test_csv_label_columns_sit_next_to_the_stable_keys(app, demo):
    checklist = checklists.get(demo["checklist_id"], demo["checklist_version"])
    tables = csv_tables(make_export(app, demo, "csv", "internal", lang="ru")[0])
    for row in tables["answers"]:
        item = checklist.item(row["item_key"])
        assert row["item_label"] == item.label.get("ru")
        assert row["value_label"] == item.value_label(row["value"], "ru")
        assert row["scope"] == item.scope
        assert row["concern"] == ("1" if item.is_concern(row["value"]) else "0")
    assert {row["value_label"] for row in tables["answers"] if row["value"] == "yes"} == {"Да"}
    allegation = tables["allegations"][0]
    methods = json.loads(allegation["methods"])
    assert methods and set(methods) <= {"beating", "asphyxiation", "stress_positions", "threats_to_family"}
    assert len(allegation["methods_label"].split("; ")) == len(methods)
    assert allegation["methods_label"] != allegation["methods"]
    header = list(tables["allegations"][0])
    assert header.index("methods_label") == header.index("methods") + 1
    assert {row["status_label"] for row in tables["hearings"]} <= {"Отправлено", "Утверждено", "Возвращено"}


@pytest.mark.parametrize("profile", PROFILES)
def test_the_readme_names_the_profile_first_and_describes_every_column(app, demo, profile):
    content = make_export(app, demo, "csv", profile)[0]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        readme = archive.read("README.txt").decode("utf-8-sig")
        headers = {
            name: next(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    first = readme.splitlines()[0]
    assert "redaction profile" in first and first.endswith(profile)
    for name, columns in headers.items():
        assert f"{name} (" in readme
        for column in columns:
            assert f"  {column}: " in readme, (name, column)


def test_text_that_looks_like_a_formula_stays_text(app, demo):
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            data = dataset.load(db, demo)
        finally:
            db.close()
        data["hearings"][0]["summary"] = '=HYPERLINK("http://example.org","x")'
        data["hearings"][0]["access_note"] = "Bell\x07 in the text"
        checklist = checklists.get(demo["checklist_id"])
        rows = csv_tables(exports.to_csv_zip(data, checklist, "en"))
        workbook = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(data, checklist, "en")))
    assert rows["hearings"][0]["summary"] == "'" + data["hearings"][0]["summary"]
    sheet = workbook["hearings"]
    header = [cell.value for cell in sheet[1]]
    summary = sheet.cell(2, header.index("summary") + 1)
    assert summary.data_type == "s" and summary.value == data["hearings"][0]["summary"]
    assert sheet.cell(2, header.index("access_note") + 1).value == "Bell in the text"


# Excel -------------------------------------------------------------------------------------------------


def test_the_workbook_has_an_about_sheet_and_a_frozen_header_per_table(app, demo):
    content, mimetype, name = make_export(app, demo, "xlsx", "partner")
    assert mimetype == exports.XLSX and name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["About", *exports.SHEETS]
    assert "answers" not in workbook.sheetnames  # one row per answer is the CSV's answers.csv
    for table in exports.SHEETS:
        sheet = workbook[table]
        frozen = {"hearing_answers": "D2", "defendant_answers": "F2", "witness_answers": "E2"}
        assert sheet.freeze_panes == frozen.get(table, "A2")
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.column_dimensions["A"].width > 8
    hearings = workbook["hearings"]
    header = [cell.value for cell in hearings[1]]
    dates = [row[header.index("hearing_date")] for row in hearings.iter_rows(min_row=2)]
    assert dates and all(cell.is_date and isinstance(cell.value, datetime) for cell in dates)
    start = hearings.cell(2, header.index("start_time") + 1)
    assert start.is_date
    notes = workbook["notes"]
    typed = notes.cell(2, [c.value for c in notes[1]].index("typed_at") + 1)
    assert typed.is_date and typed.value.year >= 2026
    defendants = workbook["defendants"]
    apprehended = defendants.cell(2, [c.value for c in defendants[1]].index("apprehended_at") + 1)
    assert apprehended.value == datetime(2026, 1, 4, apprehended.value.hour, 0)
    about = [row for row in workbook["About"].iter_rows(values_only=True)]
    assert "partner" in about[0][0]
    assert ("Mission", DEMO_MISSION, None) in about
    assert any(row[0] == "Exported at (UTC)" and isinstance(row[1], datetime) for row in about)
    described = {row[:2] for row in about}
    assert ("answer_notes", "item_label") in described and (
        "defendant_answers",
        "informed_of_reasons",
    ) in described
    rows = {row[0]: row[1] for row in about if row[0] in exports.SHEETS and isinstance(row[1], int)}
    assert rows == {table: workbook[table].max_row - 1 for table in exports.SHEETS}


def sheet_rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_answer_sheets_have_a_row_per_person_and_hearing_and_a_column_per_question(app, demo):
    checklist = checklists.get(demo["checklist_id"], demo["checklist_version"])
    workbook = openpyxl.load_workbook(io.BytesIO(make_export(app, demo, "xlsx", "internal", lang="ru")[0]))
    tables = csv_tables(make_export(app, demo, "csv", "internal", lang="ru")[0])
    answers = {(a["hearing_uuid"], a["subject_uuid"], a["item_key"]): a for a in tables["answers"]}
    hearings = {h["uuid"]: h for h in tables["hearings"]}
    names = {d["uuid"]: d["name"] for d in tables["defendants"]}
    present = {(p["hearing_uuid"], p["defendant_uuid"]): int(p["present"]) for p in tables["presence"]}
    seen = set()
    for scope, sheet_name, subject in (
        ("hearing", "hearing_answers", None),
        ("defendant", "defendant_answers", "defendant_uuid"),
        ("witness", "witness_answers", "witness_uuid"),
    ):
        sheet = workbook[sheet_name]
        rows = sheet_rows(sheet)
        assert rows, sheet_name
        header = list(rows[0])
        items = checklist.items_for(scope)
        assert header[header.index("concerns") + 1 : header.index("hearing_uuid")] == [i.key for i in items]
        for number, row in enumerate(rows, 2):
            hearing = hearings[row["hearing_uuid"]]
            assert row["hearing_date"].date().isoformat() == hearing["hearing_date"]
            who = row[subject] if subject else ""
            concerns = 0
            for item in items:
                answer = answers.get((row["hearing_uuid"], who, item.key))
                cell = sheet.cell(number, header.index(item.key) + 1)
                if answer is None:
                    assert cell.value is None
                    continue
                seen.add(answer["uuid"])
                assert cell.value == answer["value_label"]
                concern = answer["concern"] == "1"
                concerns += concern
                assert (cell.fill.fgColor.rgb == "FFF7DCD8") == concern, (sheet_name, item.key)
            assert row["concerns"] == concerns
            if scope == "defendant":
                assert row["defendant"] == names[who]
                assert row["present"] == present.get((row["hearing_uuid"], who))
    assert seen == {a["uuid"] for a in tables["answers"]}  # every answer is in a sheet
    for name in answer_tables.WIDE:  # the CSV files are the sheets
        assert [
            [str(v) if v is not None and not isinstance(v, datetime) else v.date().isoformat() if v else ""
             for v in row.values()]
            for row in sheet_rows(workbook[name])
        ] == [list(row.values()) for row in tables[name]]  # fmt: skip


def test_answer_notes_hold_the_answers_with_a_note_a_source_or_a_comment(app, demo):
    db = connect(app.config["DATABASE"])
    try:
        answer = next(
            db.query("SELECT uuid, hearing_id FROM answer WHERE note = '' AND provenance = '' LIMIT 1")
        )
        hearing = next(db.query("SELECT * FROM hearing WHERE id = ?", [answer["hearing_id"]]))
        with atomic(db):
            db["review"].insert(
                {
                    "uuid": "0c0ffee0-0000-4000-8000-000000000001",
                    "hearing_id": hearing["id"],
                    "reviewer_id": hearing["observer_id"],
                    "decision": "comment",
                    "comment": "Check this one.",
                    "answer_uuid": answer["uuid"],
                    "created_at": "2026-11-01T10:00:00.000Z",
                    "updated_at": "2026-11-01T10:00:00.000Z",
                }
            )
    finally:
        db.close()
    for profile in ("internal", "public"):
        tables = csv_tables(make_export(app, demo, "csv", profile)[0])
        expected = [
            a for a in tables["answers"] if a["note"] or a["provenance"] or a["uuid"] == answer["uuid"]
        ]
        assert tables["answer_notes"] == expected and expected
        if profile == "public":
            assert not any(a["note"] for a in expected)
        workbook = openpyxl.load_workbook(io.BytesIO(make_export(app, demo, "xlsx", profile)[0]))
        assert [row["uuid"] for row in sheet_rows(workbook["answer_notes"])] == [a["uuid"] for a in expected]


def test_a_table_longer_than_a_sheet_continues_on_the_next(app, demo, monkeypatch):
    monkeypatch.setattr(exports, "SHEET_ROWS", 10)
    workbook = openpyxl.load_workbook(io.BytesIO(make_export(app, demo, "xlsx", "internal")[0]))
    parts = [name for name in workbook.sheetnames if name.startswith("defendant_answers")]
    # the demo's second observation of one sitting makes its answers five sheets of ten rows
    assert parts == ["defendant_answers", *(f"defendant_answers {n}" for n in range(2, 6))]
    assert all(
        workbook[name].freeze_panes == "F2" and workbook[name]["A1"].value == "trial" for name in parts
    )
    counts = [workbook[name].max_row - 1 for name in parts]
    assert counts[:3] == [10] * 3 and sum(counts) == len(
        csv_tables(make_export(app, demo, "csv", "internal")[0])["defendant_answers"]
    )


# JSON --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_the_json_document_validates_against_its_schema(app, demo, profile):
    content, mimetype, _name = make_export(app, demo, "json", profile)
    assert mimetype == "application/json"
    document = json.loads(content)
    jsonschema.Draft202012Validator.check_schema(exports.json_schema())
    jsonschema.Draft202012Validator(exports.json_schema()).validate(document)
    assert document["format"] == "trial-monitor-export/1" and document["profile"] == profile
    assert document["mission"]["uuid"] == demo["uuid"]
    assert all(isinstance(row["methods"], list) for row in document["allegations"])
    assert len(document["answers"]) > 100


def test_the_schema_knows_every_column_the_dataset_has(app, demo):
    schema = exports.json_schema()
    db = connect(app.config["DATABASE"])
    try:
        data = dataset.load(db, demo)
    finally:
        db.close()
    for table in TABLES:
        properties = set(schema["$defs"][f"{table}_row"]["properties"])
        described = {column.name for column in exports.COLUMNS[table] if column.kind != "derived"}
        # the demo has no case file or reconciliation: tests/test_exports_units.py has rows of those
        assert properties == described == set(data[table][0] if data[table] else described), table


# Redaction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_public_export_names_nobody(app, demo, fmt):
    secrets = secrets_in(app, demo)
    assert all(secrets.values()) and "Police officer, name withheld" in secrets["anonymous"]
    internal = make_export(app, demo, fmt, "internal")[0]
    public = make_export(app, demo, fmt, "public")[0]
    for kind in ("defendants", "identities", "perpetrators", "people"):
        for text in secrets[kind]:
            assert found(internal, text), (kind, text)  # the search would see it
            assert not found(public, text), (kind, text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_partner_export_keeps_defendants_but_not_anonymous_witnesses_or_perpetrators(app, demo, fmt):
    secrets = secrets_in(app, demo)
    partner = make_export(app, demo, fmt, "partner")[0]
    assert all(found(partner, name) for name in secrets["defendants"])
    assert not any(found(partner, text) for text in secrets["anonymous"] | secrets["perpetrators"])
    assert found(partner, "Bolat Example, foreman")  # a witness who is not anonymous keeps their name


@pytest.mark.parametrize("profile", PROFILES)
def test_answers_redacted_as_they_are_read_are_what_redacting_at_once_gives(app, demo, profile):
    db = connect(app.config["DATABASE"])
    try:
        data = dataset.load(db, demo)
        key = pseudonym_key(app.instance_path)
        expected = redact(data, profile, key)
        redaction = Redaction(dataset.load(db, demo, with_answers=False), profile, key)
        hearings = [hearing["uuid"] for hearing in data["hearings"]]
        streamed = dataset.Answers(db, hearings, prepare=redaction.answer)
        history = dataset.History(db, demo, prepare=redaction.history)
        assert {**redaction.data, "answers": list(streamed), "case_fact_history": list(history)} == expected
        assert len(streamed) == len(data["answers"]) > 100
    finally:
        db.close()


# The export as a whole ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_reports_each_step(app, demo, fmt):
    calls = []
    make_export(app, demo, fmt, "public", progress=lambda *args: calls.append(args))
    done = [call[0] for call in calls]
    total = calls[0][1]
    assert done == sorted(done) and calls[-1] == (total, total, "Done")
    assert len(calls) == total + 1 and all(call[1] == total for call in calls)
    assert calls[0][2] == "Loading the mission's records"


def test_an_unknown_format_or_profile_is_refused(app, demo):
    with pytest.raises(ValueError, match="format"):
        make_export(app, demo, "pdf", "public")
    with pytest.raises(ValueError, match="profile"):
        make_export(app, demo, "csv", "everyone")


# Background jobs ---------------------------------------------------------------------------------------


def wait_for(app, job_uuid, timeout=30.0) -> dict:
    return wait_for_job(app, job_uuid, timeout)


def test_an_export_job_runs_in_the_background_and_leaves_a_private_file(app, demo, monkeypatch):
    seen = []
    record_progress = jobs.mark_progress

    def spy(db, job_uuid, done, total, message):
        seen.append((done, total))
        record_progress(db, job_uuid, done, total, message)

    monkeypatch.setattr(jobs, "mark_progress", spy)
    db = connect(app.config["DATABASE"])
    try:
        lead = users.get_by_username(db, "demo.lead")
    finally:
        db.close()
    job = jobs.start_export(app, lead, demo, "xlsx", "partner", "ru")
    assert job["status"] in ("queued", "running", "done") and job["user_uuid"] == lead["uuid"]
    finished = wait_for(app, job["uuid"])
    assert finished["status"] == "done", finished["error"]
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
    assert seen[0][0] == 0 and finished["done"] == finished["total"] == seen[-1][1] > 0
    path = finished["file_path"]
    assert path == os.path.join(app.instance_path, "exports", f"{job['uuid']}.xlsx")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    workbook = openpyxl.load_workbook(path)
    answers = {value for row in sheet_rows(workbook["defendant_answers"]) for value in row.values()}
    assert "Да" in answers  # the job's thread writes the labels in the language asked for
    assert not [name for name in os.listdir(os.path.dirname(path)) if name.endswith(".part")]
    db = connect(app.config["DATABASE"])
    try:
        where, mimetype, name = jobs.file_for(db, finished)
        entry = next(db.query("SELECT * FROM audit WHERE action = 'data.export' ORDER BY id DESC"))
    finally:
        db.close()
    assert where == path and mimetype == exports.XLSX and name.endswith("-partner-" + name[-15:-5] + ".xlsx")
    assert entry["actor_uuid"] == lead["uuid"] and entry["record_uuid"] == demo["uuid"]
    assert json.loads(entry["after"]) == {
        "format": "xlsx",
        "profile": "partner",
        "lang": "ru",
        "job": job["uuid"],
    }
    summary = jobs.summary(finished)
    assert summary["percent"] == 100 and summary["has_file"] and "file_path" not in summary


def test_a_job_that_raises_ends_failed_with_its_message(app):
    def broken(db, progress):
        progress(1, 4, "Halfway there")
        raise RuntimeError("The disk is full.")

    finished = wait_for(app, jobs.start(app, "export", broken, fmt="csv"))
    assert finished["status"] == "failed"
    assert finished["error"] == "The disk is full."
    assert (finished["done"], finished["total"], finished["message"]) == (1, 4, "Halfway there")
    assert finished["file_path"] is None and finished["finished_at"]


def test_an_export_job_refuses_an_unknown_profile(app, demo):
    with pytest.raises(ValueError, match="profile"):
        jobs.start_export(app, {"uuid": "u", "username": "x"}, demo, "csv", "everyone", "en")


def test_cleanup_deletes_old_files_and_fails_jobs_a_restart_cut_short(app):
    finished = wait_for(
        app, jobs.start(app, "export", lambda db, progress: (b"data", "text/plain", "x.json"))
    )
    stuck = jobs.start(app, "export", lambda db, progress: time.sleep(0.01))
    wait_for(app, stuck)
    folder = jobs.export_folder(app.instance_path)
    stray = os.path.join(folder, "left-by-a-crash.part")
    with open(stray, "wb") as f:
        f.write(b"partial")
    long_ago = "2020-01-01T00:00:00.000Z"
    os.utime(stray, (0, 0))
    db = connect(app.config["DATABASE"])
    try:
        with atomic(db):
            db.execute("UPDATE export_job SET finished_at = ?, created_at = ?", [long_ago, long_ago])
            db.execute("UPDATE export_job SET status = 'running' WHERE uuid = ?", [stuck])
        assert jobs.cleanup(db, app.instance_path) == 2
        expired, interrupted = jobs.get(db, finished["uuid"]), jobs.get(db, stuck)
        assert jobs.cleanup(db, app.instance_path) == 0
    finally:
        db.close()
    assert not os.path.exists(finished["file_path"]) and not os.path.exists(stray)
    assert expired["file_path"] is None and "deleted" in expired["message"]
    assert interrupted["status"] == "failed" and "interrupted" in interrupted["error"]


# The command -------------------------------------------------------------------------------------------


def test_the_command_writes_the_file_and_audits_it(app, demo, tmp_path):
    target = tmp_path / "out.json"
    result = app.test_cli_runner().invoke(
        export_command, [DEMO_MISSION, "--format", "json", "--profile", "public", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Loading the mission's records" in result.stderr and str(target) in result.stdout
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    jsonschema.validate(json.loads(target.read_bytes()), exports.json_schema())
    db = connect(app.config["DATABASE"])
    try:
        entry = next(db.query("SELECT * FROM audit WHERE action = 'data.export'"))
    finally:
        db.close()
    assert entry["actor_name"] == "command line" and entry["record_type"] == "mission"
    assert entry["record_uuid"] == demo["uuid"]
    assert json.loads(entry["after"]) == {"format": "json", "profile": "public", "lang": "en"}


def test_a_failed_export_leaves_no_file(app, demo, tmp_path, monkeypatch):
    def half_written(out, *args):
        out.write(b"PK half a zip")
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_export", half_written)
    folder = tmp_path / "exports"
    folder.mkdir()
    result = app.test_cli_runner().invoke(
        export_command,
        [DEMO_MISSION, "--format", "csv", "--profile", "public", "-o", str(folder / "out.zip")],
    )
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert list(folder.iterdir()) == []


def test_the_command_takes_the_mission_uuid_and_names_the_file_itself(app, demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(
        export_command, [demo["uuid"], "--format", "csv", "--profile", "partner", "--lang", "kk"]
    )
    assert result.exit_code == 0, result.output
    (written,) = tmp_path.glob("*-partner-*.zip")
    assert zipfile.ZipFile(written).read("README.txt").decode("utf-8-sig").startswith("Trial monitor")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["No such mission", "--format", "csv", "--profile", "public"], 1, "No mission"),
        ([DEMO_MISSION, "--format", "pdf", "--profile", "public"], 2, "pdf"),
        ([DEMO_MISSION, "--format", "csv", "--profile", "everyone"], 2, "everyone"),
        ([DEMO_MISSION, "--format", "csv"], 2, "--profile"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(app, demo, tmp_path, args, code, message):
    result = app.test_cli_runner().invoke(export_command, [*args, "-o", str(tmp_path / "x")])
    assert result.exit_code == code
    assert message in result.output
    assert not (tmp_path / "x").exists()
    db = connect(app.config["DATABASE"])
    try:
        assert next(db.query("SELECT count(*) AS n FROM audit WHERE action = 'data.export'"))["n"] == 0
    finally:
        db.close()


def test_the_command_explains_itself():
    assert export_command.help and all(
        option.help for option in export_command.params if option.name != "mission"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_mission_without_hearings_exports_empty_tables(app, fmt):
    setup_trial(app, defendants=2)
    db = connect(app.config["DATABASE"])
    try:
        mission = find_mission(db, "Test mission")
    finally:
        db.close()
    content = make_export(app, mission, fmt, "public")[0]
    if fmt == "json":
        document = json.loads(content)
        jsonschema.validate(document, exports.json_schema())
        assert document["hearings"] == [] and len(document["defendants"]) == 2
    elif fmt == "csv":
        tables = csv_tables(content)
        assert tables["answers"] == [] and len(tables["defendants"]) == 2
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        assert workbook["defendants"].max_row == 3
        assert all(workbook[name].max_row == 1 for name in answer_tables.TABLES)
