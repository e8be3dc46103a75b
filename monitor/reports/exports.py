"""A mission's data as files for analysts: a zip of CSV files, an Excel workbook, or one JSON document.

Every file is made from a redacted dataset (see :mod:`.dataset` and :mod:`.redact`) and says which
redaction profile made it. Rows keep their uuids, so the tables join on them; coded values keep their
stable keys, with a ``<name>_label`` column in the chosen language next to them (CSV and Excel only; the
JSON stays language-neutral).

The checklist answers — millions of rows in a large mission — are never held: they are read from the
database hearing by hearing (dataset.Answers), redacted row by row (redact.Redaction) and written straight
into the file, which goes straight to disk (:func:`write_export`). The workbook holds them as answer
tables with a row per hearing, per defendant at a hearing and per witness and a column per question
(answer_tables.py); the CSV zip has those tables too, and every answer one per row in ``answers.csv``.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlite_utils import Database

from .. import checklists
from ..db import utcnow
from . import answer_tables, dataset, xlsx
from .columns import COLUMNS, TABLE_ABOUT, Column, Columns
from .redact import PROFILES, Redaction, pseudonym_key

FORMAT = "trial-monitor-export/1"
SCHEMA_PATH = Path(__file__).with_name("export_schema.json")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": ("application/zip", "zip"), "xlsx": (XLSX, "xlsx"), "json": ("application/json", "json")}
_AT = dataset.TABLES.index("answers")
# The workbook: every table, the answers as the answer tables (one row per answer would not fit a sheet).
SHEETS = (*dataset.TABLES[:_AT], *answer_tables.TABLES, *dataset.TABLES[_AT + 1 :])
# The zip: every sheet of the workbook as a CSV file, and answers.csv with every answer.
CSV_FILES = (*dataset.TABLES[: _AT + 1], *answer_tables.TABLES, *dataset.TABLES[_AT + 1 :])
# Steps each writer reports; export() adds loading and redacting before them.
STEPS = {"csv": len(CSV_FILES) + 1, "xlsx": len(SHEETS) + 2, "json": len(dataset.TABLES)}
ROWS_PER_REPORT = 100_000  # a progress message every so many rows of a large table
SHEET_ROWS = xlsx.MAX_ROWS - 1  # less the header row: longer tables continue on "<name> 2", …
# Text a spreadsheet program may run as a formula when it opens a CSV file (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PROFILE_NOTES = {
    "internal": "Nothing removed: anonymous witnesses' identities and named perpetrators are included. "
    "For the mission team only.",
    "partner": "Anonymous witnesses' identities and named perpetrators removed; defendants' names kept.",
    "public": "Anonymous witnesses' identities and named perpetrators removed; defendants, witnesses and "
    "observers replaced by stable pseudonyms; every witness identity, reviewer, judge and prosecutor name, "
    "the case numbers, the mission's description and all free text removed; only notes marked publishable "
    "kept; any name left in a title or a note replaced by a pseudonym.",
}
LAYOUT = (
    "hearing_answers, defendant_answers and witness_answers hold the checklist answers with a row per "
    "hearing, per defendant at a hearing (present or absent) and per witness heard, and a column per "
    "question: its stable key heads the column and the list of columns below says the question in words. "
    "Each cell is the answer in words ({lang}); a number stays a number; the concerns column counts the "
    "answers that raise a concern.",
    "answer_notes lists, one per row, the answers that carry a note or a source, that a lead commented "
    "on, or that answer a question the checklist no longer has.",
)


@cache
def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :func:`to_json`'s output. Treat the result as read-only."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# What every format shares --------------------------------------------------------------------------------


class _Steps:
    """Reports a writer's steps to ``progress(done, total, message)``, and the rows of large tables."""

    def __init__(self, progress: Callable | None, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def step(self, message: str) -> None:
        if self.progress:
            self.progress(self.done, self.total, message)
        self.done += 1

    def rows(self, table: str, done: int, of: int | None) -> None:
        if self.progress and done and done % ROWS_PER_REPORT == 0:
            counted = f"{done:,} of {of:,} rows" if of else f"{done:,} rows"
            self.progress(self.done - 1, self.total, f"Writing {table}: {counted}")


@dataclass
class _Output:
    """One table as a writer writes it: its columns, its rows (values, and the columns that raise a
    concern), how many rows it will have if known, and a few rows to size the columns by."""

    name: str
    columns: list[Column]
    rows: Iterable[tuple[list, Sequence[int]]]
    expected: int | None
    sample: list[list] = field(default_factory=list)
    freeze: str = "A2"
    written: int = 0


def _answers(data: dict):
    return data["answers"]


def _values_by_hearing(answers, item_keys: list[str]):
    """The answers to these questions, by hearing, as answer_tables.wide_rows takes them (narrowed in
    SQL, and no dict made per answer, when they are read from the database)."""
    if isinstance(answers, dataset.Answers):
        return answers.about(item_keys).values()
    keys = set(item_keys)
    return answer_tables.by_hearing(answer for answer in answers if answer["item_key"] in keys)


def _with_details(answers, item_keys: list[str]):
    if isinstance(answers, dataset.Answers):
        return answers.with_details(item_keys)
    return answers


def _outputs(data: dict, checklist, lang: str, names: tuple[str, ...]) -> Iterable[_Output]:
    """The tables ``names`` of a (redacted) dataset, one after the other, as their rows are made."""
    for name in names:
        rows: Iterable[tuple[list, Sequence[int]]]
        if name in answer_tables.WIDE:
            table = answer_tables.wide_table(name, checklist, lang)
            answers = _values_by_hearing(_answers(data), [item.key for item in table.items])
            rows = answer_tables.wide_rows(table, data, answers, lang)
            freeze = f"{xlsx.letter(table.first_item)}2"
            yield _Output(name, table.columns, rows, None, freeze=freeze)
        elif name in (answer_tables.DETAILS, "answers"):
            columns = Columns("answers", None, checklist, lang)
            answers = _answers(data)
            if name == "answers":
                kept = answers
            else:
                keys = [item.key for item in checklist.items] if checklist else []
                reviewed = {r["answer_uuid"] for r in data["reviews"] if r.get("answer_uuid")}
                known = set(keys)
                kept = (
                    answer
                    for answer in _with_details(answers, keys)
                    if answer_tables.noteworthy(answer, known, reviewed)
                )
            rows = ((columns.cells(answer), ()) for answer in kept)
            expected = len(answers) if name == "answers" else None
            yield _Output(name, columns.columns, rows, expected)
        elif isinstance(data[name], dataset.History):
            columns = Columns(name, None, checklist, lang)
            history = data[name]
            rows = ((columns.cells(row), ()) for row in history)
            yield _Output(name, columns.columns, rows, len(history))
        else:
            records = data.get(name, [])
            columns = Columns(name, records[0] if records else None, checklist, lang)
            sample = [columns.cells(row) for row in records[:200]]
            rows = ((columns.cells(row), ()) for row in records)
            yield _Output(name, columns.columns, rows, len(records), sample)


def _profile(data: dict) -> str:
    return data.get("profile") or "internal"  # not redacted: it holds everything


def _exported_at(data: dict) -> str:
    return data.get("exported_at") or utcnow()


def _describe(data: dict, lang: str) -> list[tuple[str, str]]:
    mission = data["mission"]
    profile = _profile(data)
    return [
        ("Mission", mission["name"]),
        ("Mission uuid", mission["uuid"]),
        ("Country", mission.get("country") or ""),
        ("Checklist", f"{mission['checklist_id']} version {mission['checklist_version']}"),
        ("Redaction profile", profile),
        ("What the profile removed", PROFILE_NOTES[profile]),
        ("Exported at (UTC)", _exported_at(data)),
        ("Format", FORMAT),
        ("Language of the label columns", lang),
        ("Left out", "Hearings still in draft."),
    ]


# CSV ---------------------------------------------------------------------------------------------------


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # unzipped, the files are the owner's only, like the archive
    return info


def to_csv_zip(
    data: dict,
    checklist,
    lang: str = "en",
    progress: Callable | None = None,
    out: BinaryIO | None = None,
) -> bytes | None:
    """A zip of one UTF-8 CSV file (with BOM, header row) per table, and ``README.txt`` describing them.

    Written into ``out`` (a binary file) when given; otherwise returned.
    """
    steps = _Steps(progress, STEPS["csv"])
    buffer = io.BytesIO()  # returned when there is no ``out``
    target = out if out is not None else buffer
    profile = _profile(data)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.comment = f"Trial monitor data export, redaction profile: {profile}".encode()
        written = []
        for table in _outputs(data, checklist, lang, CSV_FILES):
            steps.step(f"Writing {table.name}.csv")
            # Free text a spreadsheet program would read as a formula gets an apostrophe in front.
            guarded = [n for n, column in enumerate(table.columns) if column.kind == "text"]
            with archive.open(_member(f"{table.name}.csv"), "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="", write_through=False)
                writer = csv.writer(text)
                writer.writerow([column.name for column in table.columns])
                n = 0
                for n, (values, _concerns) in enumerate(table.rows, 1):
                    for index in guarded:
                        value = values[index]
                        if isinstance(value, str) and value.startswith(FORMULA_START):
                            values[index] = "'" + value
                    writer.writerow(values)
                    steps.rows(f"{table.name}.csv", n, table.expected)
                table.written = n
                text.flush()
                text.detach()
            written.append(table)
        steps.step("Writing README.txt")
        archive.writestr(_member("README.txt"), _readme(data, written, lang).encode("utf-8-sig"))
    return None if out is not None else buffer.getvalue()


def _readme(data: dict, tables: list[_Output], lang: str) -> str:
    lines = [f"Trial monitor data export - redaction profile: {_profile(data)}", ""]
    lines += [f"{key}: {value}" for key, value in _describe(data, lang)]
    lines += [
        "",
        "Every file is UTF-8 CSV with a byte-order mark and a header row. Tables join on the uuid columns",
        "(answers.hearing_uuid = hearings.uuid, and so on). Coded values keep their stable keys; the",
        "<name>_label column next to them says the same in words. Lists are JSON lists of keys.",
        "Free text starting with = + - or @ has an apostrophe added in front, so that spreadsheet programs",
        "do not run it as a formula; remove it when you read the files with code.",
        "",
        "answers.csv has every checklist answer, one per row: the table to read with code (it can be longer",
        "than a spreadsheet allows). The other files are the sheets of the Excel export.",
        *(paragraph.format(lang=lang) for paragraph in LAYOUT),
        "",
    ]
    for table in tables:
        lines += [f"{table.name}.csv ({table.written} rows): {TABLE_ABOUT[table.name]}"]
        lines += [f"  {column.name}: {column.about}" for column in table.columns]
        lines.append("")
    return "\r\n".join(lines)


# Excel -------------------------------------------------------------------------------------------------

WIDTHS = {"uuid": 38, "date": 12, "datetime": 17, "time": 8, "flag": 9, "integer": 10, "number": 10}


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:  # Excel has no time zones: stored as UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _excel_value(kind: str, value):
    """A date, date-time or time column's text as the value Excel shows as one (text if it is not)."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if kind == "date":
            return date.fromisoformat(value[:10])
        if kind == "time":
            return time.fromisoformat(value)
        return _datetime(value)
    except ValueError:
        return value  # not a date after all: keep the text rather than lose it


def _width(n: int, column: Column, sample: list[list]) -> float:
    if column.kind in WIDTHS:
        return max(WIDTHS[column.kind], min(len(column.name) + 2, 30))
    longest = len(column.name)
    if sample:
        longest = max(longest, *(len(str(row[n] or "")) for row in sample))
    elif column.kind in ("text", "label"):
        longest = max(longest, 16)
    return min(max(longest + 2, 8), 60)


def to_xlsx(
    data: dict,
    checklist,
    lang: str = "en",
    progress: Callable | None = None,
    out: BinaryIO | None = None,
) -> bytes | None:
    """An Excel workbook: an ``About`` sheet, then a sheet per table (the answers as the answer tables),
    each with a bold, frozen header row and a filter. Written into ``out`` when given; otherwise returned.
    """
    steps = _Steps(progress, STEPS["xlsx"])
    buffer = io.BytesIO()  # returned when there is no ``out``
    target = out if out is not None else buffer
    written = []
    with xlsx.Workbook(target) as book:
        for table in _outputs(data, checklist, lang, SHEETS):
            steps.step(f"Writing the {table.name} sheet")
            _sheet_rows(book, table, steps)
            written.append(table)
        steps.step("Writing the About sheet")
        _about_sheet(book, data, written, lang)
        steps.step("Compressing the workbook")
    return None if out is not None else buffer.getvalue()


def _sheet_rows(book: xlsx.Workbook, table: _Output, steps: _Steps) -> None:
    widths = [_width(n, column, table.sample) for n, column in enumerate(table.columns)]
    header = [column.name for column in table.columns]
    dated = [(n, column.kind) for n, column in enumerate(table.columns) if column.kind in xlsx.DATE_KINDS]
    blank = [0] * len(table.columns)
    part, sheet, n = 1, None, 0
    for n, (values, concerns) in enumerate(table.rows, 1):
        if sheet is None or sheet.rows > SHEET_ROWS:
            name = table.name if part == 1 else f"{table.name} {part}"
            sheet = book.sheet(name, widths, table.freeze)
            sheet.header(header)
            part += 1
        for index, kind in dated:
            values[index] = _excel_value(kind, values[index])
        if concerns:
            tones = blank.copy()
            for index in concerns:
                tones[index] = xlsx.CONCERN
            sheet.append(values, tones)
        else:
            sheet.append(values)
        steps.rows(table.name, n, table.expected)
    if sheet is None:
        book.sheet(table.name, widths, table.freeze).header(header)
    table.written = n


def _about_sheet(book: xlsx.Workbook, data: dict, tables: list[_Output], lang: str) -> None:
    sheet = book.sheet("About", (30, 40, 90), freeze="", position=0)
    sheet.append([f"Trial monitor data export - redaction profile: {_profile(data)}"], style=xlsx.BOLD)
    for key, value in _describe(data, lang):
        if key.startswith("Exported at"):
            value = _excel_value("datetime", value)
        sheet.append([key, value])
    sheet.append([])
    sheet.append(["Sheet", "Rows", "What it holds"], style=xlsx.BOLD)
    for table in tables:
        sheet.append([table.name, table.written, TABLE_ABOUT[table.name]])
    sheet.append([])
    sheet.append(
        ["Tables join on their uuid columns; coded values keep their stable keys, with a _label column."]
    )
    for paragraph in LAYOUT:
        sheet.append([paragraph.format(lang=lang)])
    sheet.append(
        ["Every answer one per row, with its uuid: answers.csv in the CSV export, or the JSON export."]
    )
    sheet.append([f"A sheet longer than {SHEET_ROWS:,} rows continues on a second sheet (… 2, …)."])
    sheet.append([])
    sheet.append(["Sheet", "Column", "Description"], style=xlsx.BOLD)
    for table in tables:
        for column in table.columns:
            sheet.append([table.name, column.name, column.about])


# JSON --------------------------------------------------------------------------------------------------


def _json_row(row: dict, lists: frozenset) -> dict:
    return {key: json.loads(value) if key in lists and value else value for key, value in row.items()}


def to_json(data: dict, progress: Callable | None = None, out: BinaryIO | None = None) -> bytes | None:
    """The whole dataset as one JSON document (see ``export_schema.json``); lists as JSON arrays.

    Written into ``out`` (a binary file) when given; otherwise returned.
    """
    steps = _Steps(progress, STEPS["json"])
    head = {
        "format": FORMAT,
        "profile": _profile(data),
        "exported_at": _exported_at(data),
        "mission": data["mission"],
    }
    buffer = io.BytesIO()  # returned when there is no ``out``
    target = out if out is not None else buffer
    text = io.TextIOWrapper(target, encoding="utf-8", newline="\n")
    text.write("{\n")
    for key, value in head.items():
        text.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    for number, name in enumerate(dataset.TABLES):
        steps.step(f"Writing {name}")
        rows = data.get(name, [])
        expected = len(rows)
        lists = frozenset(c.name for c in COLUMNS[name] if c.kind == "list")
        text.write(f'  "{name}": [')
        n = 0
        for n, row in enumerate(rows, 1):
            text.write("\n    " if n == 1 else ",\n    ")
            text.write(json.dumps(_json_row(row, lists), ensure_ascii=False))
            steps.rows(name, n, expected)
        text.write("\n  ]" if n else "]")
        text.write(",\n" if number < len(dataset.TABLES) - 1 else "\n")
    text.write("}\n")
    text.flush()
    text.detach()
    return None if out is not None else buffer.getvalue()


# The whole export --------------------------------------------------------------------------------------


def stem(mission: dict, profile: str) -> str:
    """How a file of the mission begins: its name as a slug, or — in a public file, whose name mail
    servers, chat previews and file listings show to anyone — ``mission-<first 8 of its uuid>``: a
    mission's name is often a place or a defendant's name, and the uuid is in the public file anyway."""
    if profile == "public":
        return f"mission-{mission['uuid'][:8]}"
    return re.sub(r"[^\w]+", "-", mission["name"].lower()).strip("-")[:60] or "mission"


def filename(mission: dict, fmt: str, profile: str, day: str | None = None) -> str:
    """The download name: ``<mission>-<profile>-<YYYY-MM-DD>.<zip|xlsx|json>`` (see :func:`stem`)."""
    return f"{stem(mission, profile)}-{profile}-{day or utcnow()[:10]}.{FORMATS[fmt][1]}"


def write_export(
    out: BinaryIO,
    db: Database,
    mission: dict,
    fmt: str,
    profile: str,
    lang: str,
    instance_path: str,
    progress: Callable | None = None,
) -> tuple[str, str]:
    """Load, redact and write a mission's data into ``out`` (a binary file); return ``(mimetype, filename)``.

    The answers go from the database through the redaction into the file a hearing at a time: memory
    stays flat however large the mission. ``progress(done, total, message)`` is called before each step.
    Needs an app context (for the checklist folders); :class:`ValueError` for an unknown format or profile,
    :class:`KeyError` when the mission's checklist is missing.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
    total = 2 + STEPS[fmt]

    def report(done, _total, message):
        if progress:
            progress(2 + done, total, message)

    report(-2, total, "Loading the mission's records")
    checklist = checklists.get(
        mission["checklist_id"],
        mission["checklist_version"],
        extra_dirs=current_app.config.get("CHECKLIST_DIRS", ()),
    )
    data = dataset.load(db, mission, with_answers=False)
    report(-1, total, f"Applying the {profile} redaction profile")
    redaction = Redaction(data, profile, pseudonym_key(instance_path) if profile == "public" else None)
    data = redaction.data
    hearings = [hearing["uuid"] for hearing in data["hearings"]]
    data["answers"] = dataset.Answers(db, hearings, redaction.answer, redaction.answer_value)
    data["case_fact_history"] = dataset.History(db, mission, redaction.history)
    data["exported_at"] = utcnow()
    if fmt == "csv":
        to_csv_zip(data, checklist, lang, progress=report, out=out)
    elif fmt == "xlsx":
        to_xlsx(data, checklist, lang, progress=report, out=out)
    else:
        to_json(data, progress=report, out=out)
    if progress:
        progress(total, total, "Done")
    return FORMATS[fmt][0], filename(mission, fmt, profile, data["exported_at"][:10])


def export(
    db: Database,
    mission: dict,
    fmt: str,
    profile: str,
    lang: str,
    instance_path: str,
    progress: Callable | None = None,
) -> tuple[bytes, str, str]:
    """:func:`write_export` into memory: ``(content, mimetype, filename)`` — for small missions and tests."""
    out = io.BytesIO()
    mimetype, name = write_export(out, db, mission, fmt, profile, lang, instance_path, progress)
    return out.getvalue(), mimetype, name
