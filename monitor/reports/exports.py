"""A mission's data as files for analysts: a zip of CSV files, an Excel workbook, or one JSON document.

Every file is made from a redacted dataset (see :mod:`.dataset` and :mod:`.redact`) and says which
redaction profile made it. Rows keep their uuids, so the tables join on them; coded values keep their
stable keys, with a ``<name>_label`` column in the chosen language next to them (CSV and Excel only; the
JSON stays language-neutral). The writers stream: a mission with millions of answers is written row by
row, never held twice.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlite_utils import Database

from .. import checklists
from ..db import utcnow
from ..missions.labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    SEX_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)
from ..observe.fields import ALLEGATION, HEARING, PROVENANCE, WITNESS
from . import dataset
from .redact import PROFILES, pseudonym_key, redact

FORMAT = "trial-monitor-export/1"
SCHEMA_PATH = Path(__file__).with_name("export_schema.json")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": ("application/zip", "zip"), "xlsx": (XLSX, "xlsx"), "json": ("application/json", "json")}
# Steps each writer reports; export() adds loading and redacting before them.
STEPS = {"csv": len(dataset.TABLES) + 1, "xlsx": len(dataset.TABLES) + 2, "json": len(dataset.TABLES)}
ROWS_PER_REPORT = 100_000  # a progress message every so many rows of a large table
SHEET_ROWS = 1_048_575  # Excel's limit, less the header row: longer tables continue on "answers 2", …
REDACT_SLICE = 50_000
# Text a spreadsheet program may run as a formula when it opens a CSV file (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HEARING_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "approved": _l("Approved"),
}
REVIEW_LABELS = {"approved": _l("Approved"), "returned": _l("Returned"), "comment": _l("Comment")}
ITEM, ANSWER = "checklist item", "checklist answer"  # labels that come from the checklist, not a dict

PROFILE_NOTES = {
    "internal": "Nothing removed: anonymous witnesses' identities and named perpetrators are included. "
    "For the mission team only.",
    "partner": "Anonymous witnesses' identities and named perpetrators removed; defendants' names kept.",
    "public": "Anonymous witnesses' identities and named perpetrators removed; defendants and observers "
    "replaced by stable pseudonyms; every witness identity, reviewer name and free text removed; only "
    "notes marked publishable kept.",
}


@dataclass(frozen=True)
class Column:
    """One column of an exported table.

    ``kind`` is text, uuid, integer, flag (0/1), list (a JSON list of keys), date, datetime, time, or
    derived (computed for the CSV and Excel files only). ``labels`` adds a ``<name>_label`` column.
    """

    name: str
    about: str
    kind: str = "text"
    labels: Mapping | str | None = None

    @property
    def label_name(self) -> str:
        return self.name.removesuffix("_key") + "_label"


def _c(name, about, kind="text", labels=None) -> Column:
    return Column(name, about, kind, labels)


def _choices(fields: dict, name: str) -> dict:
    return fields[name].choices


UUID = _c("uuid", "The record's unique id; other tables refer to it.", "uuid")
HEARING_UUID = _c("hearing_uuid", "The hearing (hearings.uuid).", "uuid")
TABLE_ABOUT = {
    "trials": "One row per trial the mission follows.",
    "defendants": "One row per defendant, with custody times, counsel and verdict.",
    "hearings": "One row per hearing report that was submitted (drafts are left out).",
    "presence": "Which defendants were present at which hearing.",
    "answers": "One row per checklist answer: per hearing, per defendant or per witness.",
    "witnesses": "One row per witness heard at a hearing.",
    "allegations": "One row per allegation of torture or ill-treatment raised at a hearing.",
    "notes": "Time-stamped notes typed during hearings.",
    "reviews": "Mission leads' decisions on hearing reports.",
}
COLUMNS: dict[str, tuple[Column, ...]] = {
    "trials": (
        UUID,
        _c("title", "The trial's name as the mission uses it."),
        _c("court", "The court."),
        _c("case_number", "The court's case number."),
        _c("judges", "The judges, as entered."),
        _c("prosecutor", "The prosecutor, as entered."),
        _c("charges", "The charges, as entered."),
        _c("status", "Stage of the case.", labels=TRIAL_STATUS_LABELS),
    ),
    "defendants": (
        UUID,
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("position", "Order of the defendant in the trial.", "integer"),
        _c("name", "Name (a pseudonym in public exports)."),
        _c("pseudonym", "The name used in public reports."),
        _c("sex", "Sex.", labels=SEX_LABELS),
        _c("age", "Age in years.", "integer"),
        _c("charges", "This defendant's charges."),
        _c("apprehended_at", "When apprehended (local time, as entered).", "datetime"),
        _c("arrest_registered_at", "When the arrest was registered (local time).", "datetime"),
        _c("first_judge_at", "When first brought before a judge (local time).", "datetime"),
        _c("pretrial_detention", "Pre-trial detention.", labels=DETENTION_LABELS),
        _c("counsel", "Defence counsel.", labels=COUNSEL_LABELS),
        _c("counsel_from", "When counsel was first available (local time).", "datetime"),
        _c("verdict", "Verdict.", labels=VERDICT_LABELS),
        _c("sentence", "Sentence, in words."),
        _c("sentence_months", "Sentence in months.", "integer"),
        _c(
            "conviction_basis",
            "What the conviction rested on (JSON list of keys).",
            "list",
            CONVICTION_BASIS_LABELS,
        ),
    ),
    "hearings": (
        UUID,
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("hearing_date", "Date of the hearing.", "date"),
        _c("start_time", "When it started (local time).", "time"),
        _c("end_time", "When it ended (local time).", "time"),
        _c("courtroom", "Courtroom."),
        _c("judge", "Presiding judge, as the observer wrote it."),
        _c("public_access", "Whether the public was admitted.", labels=_choices(HEARING, "public_access")),
        _c(
            "observers_admitted",
            "Whether observers were admitted.",
            labels=_choices(HEARING, "observers_admitted"),
        ),
        _c("access_note", "What happened about access."),
        _c("present", "Who was present."),
        _c("summary", "What happened at the hearing."),
        _c("status", "Review state of the report.", labels=HEARING_STATUS_LABELS),
        _c("checklist_id", "The checklist the answers follow."),
        _c("checklist_version", "Its version.", "integer"),
        _c("submitted_at", "When the report was submitted (UTC).", "datetime"),
        _c("observer_uuid", "The observer's account (a pseudonym in public exports).", "uuid"),
        _c("observer", "The observer's name (a pseudonym in public exports)."),
    ),
    "presence": (
        HEARING_UUID,
        _c("defendant_uuid", "The defendant (defendants.uuid).", "uuid"),
        _c("present", "1 if the defendant was present, 0 if not.", "flag"),
    ),
    "answers": (
        UUID,
        HEARING_UUID,
        _c("subject_uuid", "Whom the answer is about: defendants.uuid, witnesses.uuid, or empty.", "uuid"),
        _c("scope", "What the item is asked about: hearing, defendant or witness.", "derived"),
        _c("item_key", "The checklist item's stable key.", labels=ITEM),
        _c(
            "value",
            "The answer's stable value (yes, no, unclear, not_observed, an option, a number).",
            labels=ANSWER,
        ),
        _c("concern", "1 if the answer counts against the standard in the findings, 0 if not.", "derived"),
        _c("note", "The observer's note on the answer."),
        _c("provenance", "Where the observer has it from.", labels=PROVENANCE),
    ),
    "witnesses": (
        UUID,
        HEARING_UUID,
        _c("label", "How reports refer to the witness."),
        _c("identity", "Name and role (removed for anonymous witnesses outside internal exports)."),
        _c("side", "Who called the witness.", labels=_choices(WITNESS, "side")),
        _c("anonymous", "1 if the witness testified anonymously.", "flag"),
        _c("anonymity_reason", "Reason given for anonymity."),
        _c(
            "identity_known_to_defence",
            "Whether the defence knew the identity.",
            labels=_choices(WITNESS, "identity_known_to_defence"),
        ),
        _c("voice_hidden", "1 if the voice was disguised.", "flag"),
        _c("image_hidden", "1 if the face was hidden.", "flag"),
        _c(
            "police_officer",
            "Whether the witness is a police officer.",
            labels=_choices(WITNESS, "police_officer"),
        ),
        _c("against", "Defendants the witness testified against (JSON list of defendants.uuid).", "list"),
        _c("testimony", "The testimony in short."),
    ),
    "allegations": (
        UUID,
        HEARING_UUID,
        _c("alleged_by", "Who raised the allegation.", labels=_choices(ALLEGATION, "alleged_by")),
        _c("defendant_uuid", "The defendant concerned (defendants.uuid), if any.", "uuid"),
        _c("witness_uuid", "The witness concerned (witnesses.uuid), if any.", "uuid"),
        _c("stage", "Stage of the proceedings.", labels=_choices(ALLEGATION, "stage")),
        _c("place_type", "Kind of place.", labels=_choices(ALLEGATION, "place_type")),
        _c("place", "The place, in words."),
        _c(
            "registered_at_time",
            "Officially registered as detained at the time.",
            labels=_choices(ALLEGATION, "registered_at_time"),
        ),
        _c("lawyer_present", "A lawyer was present.", labels=_choices(ALLEGATION, "lawyer_present")),
        _c("methods", "Methods alleged (JSON list of keys).", "list", _choices(ALLEGATION, "methods")),
        _c("methods_other", "Other methods, in words."),
        _c("perpetrators", "Perpetrators named (removed outside internal exports)."),
        _c(
            "perpetrators_testified",
            "A named perpetrator testified.",
            labels=_choices(ALLEGATION, "perpetrators_testified"),
        ),
        _c("purpose", "Purpose alleged (JSON list of keys).", "list", _choices(ALLEGATION, "purpose")),
        _c("medical_examined", "Medically examined.", labels=_choices(ALLEGATION, "medical_examined")),
        _c("medical_by", "Examined by."),
        _c(
            "medical_independent",
            "By an independent doctor.",
            labels=_choices(ALLEGATION, "medical_independent"),
        ),
        _c(
            "istanbul_consistency",
            "Medical evidence, in Istanbul Protocol terms.",
            labels=_choices(ALLEGATION, "istanbul_consistency"),
        ),
        _c("raised_to", "Raised with whom, and when."),
        _c(
            "court_response",
            "The court's response (JSON list of keys).",
            "list",
            _choices(ALLEGATION, "court_response"),
        ),
        _c("investigation", "Investigation and outcome."),
        _c("outcome", "Outcome."),
        _c("reprisals", "Reprisals."),
        _c("source", "Source of the information.", labels=_choices(ALLEGATION, "source")),
        _c("confidentiality", "Confidentiality asked for.", labels=_choices(ALLEGATION, "confidentiality")),
        _c("account", "What the person said."),
        _c("created_at", "When the allegation was recorded (UTC).", "datetime"),
        _c("updated_at", "When it was last changed (UTC).", "datetime"),
        _c("version", "How many times it was saved.", "integer"),
    ),
    "notes": (
        UUID,
        HEARING_UUID,
        _c("typed_at", "When the note was typed (UTC).", "datetime"),
        _c("text", "The note."),
        _c("publishable", "1 if the observer marked the note as publishable.", "flag"),
    ),
    "reviews": (
        UUID,
        HEARING_UUID,
        _c("decision", "The lead's decision.", labels=REVIEW_LABELS),
        _c("comment", "The lead's comment."),
        _c("answer_uuid", "The answer commented on (answers.uuid), if any.", "uuid"),
        _c("created_at", "When (UTC).", "datetime"),
        _c("reviewer", "The reviewing lead (removed in public exports)."),
    ),
}


@cache
def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :func:`to_json`'s output. Treat the result as read-only."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# What every format shares --------------------------------------------------------------------------------


class _Table:
    """One table's columns as written (label and derived columns included) and how to fill each row."""

    def __init__(self, name: str, rows: list[dict], checklist, lang: str):
        self.name = name
        known = COLUMNS[name]
        extra = [key for key in (rows[0] if rows else {}) if key not in {c.name for c in known}]
        self.source = (*known, *(Column(key, "Not described yet.") for key in extra))
        self.columns: list[Column] = []
        for column in self.source:
            self.columns.append(column)
            if column.labels is not None:
                about = f"{column.name} in words ({lang}); the stable key stays in {column.name}."
                self.columns.append(Column(column.label_name, about, "label"))
        self._items = {item.key: item for item in checklist.items} if checklist else {}
        self._answer_labels: dict[tuple[str, str], str] = {}
        self._lang = lang
        with force_locale(lang):  # resolved once: millions of rows must not go through Babel each
            self._labels = {
                c.name: {code: str(text) for code, text in c.labels.items()}
                for c in self.source
                if isinstance(c.labels, Mapping)
            }

    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def cells(self, row: dict) -> list:
        """The row's values in column order, label and derived columns filled in."""
        values = []
        for column in self.source:
            if column.kind == "derived":
                values.append(self._derived(column.name, row))
                continue
            value = row.get(column.name)
            values.append(value)
            if column.labels is not None:
                values.append(self._label(column, value, row))
        return values

    def _label(self, column: Column, value, row: dict) -> str:
        if not value:
            return ""
        if column.labels == ITEM:
            item = self._items.get(value)
            return item.label.get(self._lang) if item else ""
        if column.labels == ANSWER:
            key = (row["item_key"], value)
            if key not in self._answer_labels:
                item = self._items.get(row["item_key"])
                self._answer_labels[key] = item.value_label(value, self._lang) if item else value
            return self._answer_labels[key]
        labels = self._labels[column.name]
        if column.kind == "list":
            return "; ".join(labels.get(code, code) for code in json.loads(value))
        return labels.get(value, value)

    def _derived(self, name: str, row: dict):
        item = self._items.get(row.get("item_key"))
        if item is None:
            return ""
        if name == "scope":
            return item.scope
        return int(item.is_concern(row["value"])) if row["value"] else ""


class _Steps:
    """Reports a writer's steps to ``progress(done, total, message)``, and the rows of large tables."""

    def __init__(self, progress: Callable | None, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def step(self, message: str) -> None:
        if self.progress:
            self.progress(self.done, self.total, message)
        self.done += 1

    def rows(self, table: str, done: int, of: int) -> None:
        if self.progress and done and done % ROWS_PER_REPORT == 0:
            self.progress(self.done - 1, self.total, f"Writing {table}: {done:,} of {of:,} rows")


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


def _csv_cell(column: Column, value):
    if isinstance(value, str) and column.kind == "text" and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # unzipped, the files are the owner's only, like the archive
    return info


def to_csv_zip(data: dict, checklist, lang: str = "en", progress: Callable | None = None) -> bytes:
    """A zip of one UTF-8 CSV file (with BOM, header row) per table, and ``README.txt`` describing them."""
    steps = _Steps(progress, STEPS["csv"])
    out = io.BytesIO()
    profile = _profile(data)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.comment = f"Trial monitor data export, redaction profile: {profile}".encode()
        tables = []
        for name in dataset.TABLES:
            steps.step(f"Writing {name}.csv")
            rows = data[name]
            table = _Table(name, rows, checklist, lang)
            tables.append(table)
            with archive.open(_member(f"{name}.csv"), "w", force_zip64=True) as member:
                text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow(table.header())
                for n, row in enumerate(rows, 1):
                    writer.writerow(
                        [_csv_cell(c, v) for c, v in zip(table.columns, table.cells(row), strict=True)]
                    )
                    steps.rows(f"{name}.csv", n, len(rows))
                text.flush()
                text.detach()
        steps.step("Writing README.txt")
        archive.writestr(_member("README.txt"), _readme(data, tables, lang).encode("utf-8-sig"))
    return out.getvalue()


def _readme(data: dict, tables: list[_Table], lang: str) -> str:
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
    ]
    for table in tables:
        lines += [f"{table.name}.csv ({len(data[table.name])} rows): {TABLE_ABOUT[table.name]}"]
        lines += [f"  {column.name}: {column.about}" for column in table.columns]
        lines.append("")
    return "\r\n".join(lines)


# Excel -------------------------------------------------------------------------------------------------

NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "time": "hh:mm"}
WIDTHS = {"uuid": 38, "date": 12, "datetime": 17, "time": 8}


def _datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:  # Excel has no time zones: stored as UTC
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _excel_value(column: Column, value):
    if value is None or value == "":
        return None
    if column.kind in NUMBER_FORMATS and isinstance(value, str):
        try:
            if column.kind == "date":
                return date.fromisoformat(value[:10])
            if column.kind == "time":
                return time.fromisoformat(value)
            return _datetime(value)
        except ValueError:
            return value  # not a date after all: keep the text rather than lose it
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _excel_cells(ws, columns: list[Column], values: list) -> list:
    cells = []
    for column, value in zip(columns, values, strict=True):
        value = _excel_value(column, value)
        if isinstance(value, date | time):
            cell = WriteOnlyCell(ws, value)
            cell.number_format = NUMBER_FORMATS["datetime" if isinstance(value, datetime) else column.kind]
            value = cell
        elif isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"  # text as typed, never a formula
            value = cell
        cells.append(value)
    return cells


def _width(column: Column, rows: list[dict], table: _Table) -> float:
    if column.kind in WIDTHS:
        return max(WIDTHS[column.kind], len(column.name) + 2)
    longest = len(column.name)
    index = table.columns.index(column)
    for row in rows[:200]:
        longest = max(longest, len(str(table.cells(row)[index] or "")))
    return min(max(longest + 2, 8), 60)


def _sheet(wb: Workbook, title: str, table: _Table, rows: list[dict]):
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for n, column in enumerate(table.columns, 1):
        ws.column_dimensions[get_column_letter(n)].width = _width(column, rows, table)
    bold = Font(bold=True)
    header = []
    for name in table.header():
        cell = WriteOnlyCell(ws, name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    return ws


def to_xlsx(data: dict, checklist, lang: str = "en", progress: Callable | None = None) -> bytes:
    """An Excel workbook: an ``About`` sheet, then one sheet per table with a bold, frozen header row."""
    steps = _Steps(progress, STEPS["xlsx"])
    wb = Workbook(write_only=True)
    tables = [_Table(name, data[name], checklist, lang) for name in dataset.TABLES]
    steps.step("Writing the About sheet")
    _about_sheet(wb, data, tables, lang)
    for table in tables:
        steps.step(f"Writing the {table.name} sheet")
        rows = data[table.name]
        ws = _sheet(wb, table.name, table, rows)
        for n, row in enumerate(rows, 1):
            if n > 1 and (n - 1) % SHEET_ROWS == 0:
                ws = _sheet(wb, f"{table.name} {(n - 1) // SHEET_ROWS + 1}", table, rows)
            ws.append(_excel_cells(ws, table.columns, table.cells(row)))
            steps.rows(table.name, n, len(rows))
    steps.step("Compressing the workbook")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _about_sheet(wb: Workbook, data: dict, tables: list[_Table], lang: str) -> None:
    ws = wb.create_sheet("About")
    for letter, width in zip("ABC", (30, 40, 90), strict=True):
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True)

    def heading(*texts):
        cells = []
        for text in texts:
            cell = WriteOnlyCell(ws, text)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)

    heading(f"Trial monitor data export - redaction profile: {_profile(data)}")
    for key, value in _describe(data, lang):
        if key.startswith("Exported at"):
            value = _excel_cells(ws, [Column(key, "", "datetime")], [value])[0]
        ws.append([key, value])
    ws.append([])
    heading("Sheet", "Rows", "What it holds")
    for table in tables:
        ws.append([table.name, len(data[table.name]), TABLE_ABOUT[table.name]])
    ws.append([])
    ws.append(
        ["Tables join on their uuid columns; coded values keep their stable keys, with a _label column."]
    )
    ws.append([f"A sheet longer than {SHEET_ROWS:,} rows continues on a second sheet (answers 2, …)."])
    ws.append([])
    heading("Sheet", "Column", "Description")
    for table in tables:
        for column in table.columns:
            ws.append([table.name, column.name, column.about])


# JSON --------------------------------------------------------------------------------------------------


def _json_row(row: dict, lists: frozenset) -> dict:
    return {key: json.loads(value) if key in lists and value else value for key, value in row.items()}


def to_json(data: dict, progress: Callable | None = None) -> bytes:
    """The whole dataset as one JSON document (see ``export_schema.json``); lists as JSON arrays."""
    steps = _Steps(progress, STEPS["json"])
    head = {
        "format": FORMAT,
        "profile": _profile(data),
        "exported_at": _exported_at(data),
        "mission": data["mission"],
    }
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    text.write("{\n")
    for key, value in head.items():
        text.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    for number, name in enumerate(dataset.TABLES):
        steps.step(f"Writing {name}")
        rows = data[name]
        lists = frozenset(c.name for c in COLUMNS[name] if c.kind == "list")
        text.write(f'  "{name}": [')
        for n, row in enumerate(rows, 1):
            text.write("\n    " if n == 1 else ",\n    ")
            text.write(json.dumps(_json_row(row, lists), ensure_ascii=False))
            steps.rows(name, n, len(rows))
        text.write("\n  ]" if rows else "]")
        text.write(",\n" if number < len(dataset.TABLES) - 1 else "\n")
    text.write("}\n")
    text.flush()
    return out.getvalue()


# The whole export --------------------------------------------------------------------------------------


def redact_in_slices(data: dict, profile: str, key: bytes | None) -> dict:
    """:func:`.redact.redact`, with the answers redacted a slice at a time.

    redact() copies what it is given; the answers of a large mission run into millions of rows, so they
    go through it in slices, each original slice dropped as soon as its copy is made.
    """
    answers = data.pop("answers")
    result = redact({**data, "answers": []}, profile, key)
    empty = {name: [] for name in dataset.TABLES}
    parts = []
    while answers:
        part = answers[-REDACT_SLICE:]
        del answers[-REDACT_SLICE:]
        parts.append(redact({**empty, "mission": data["mission"], "answers": part}, profile, key)["answers"])
    result["answers"] = [row for part in reversed(parts) for row in part]
    return result


def filename(mission: dict, fmt: str, profile: str, day: str | None = None) -> str:
    """The download name: ``<mission>-<profile>-<YYYY-MM-DD>.<zip|xlsx|json>``."""
    slug = re.sub(r"[^\w]+", "-", mission["name"].lower()).strip("-")[:60] or "mission"
    return f"{slug}-{profile}-{day or utcnow()[:10]}.{FORMATS[fmt][1]}"


def export(
    db: Database,
    mission: dict,
    fmt: str,
    profile: str,
    lang: str,
    instance_path: str,
    progress: Callable | None = None,
) -> tuple[bytes, str, str]:
    """Load, redact and write a mission's data; return ``(content, mimetype, filename)``.

    ``progress(done, total, message)`` is called before each step. Needs an app context (for the
    checklist folders); :class:`ValueError` for an unknown format or profile, :class:`KeyError` when the
    mission's checklist is missing.
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
    data = dataset.load(db, mission)
    report(-1, total, f"Applying the {profile} redaction profile")
    key = pseudonym_key(instance_path) if profile == "public" else None
    data = redact_in_slices(data, profile, key)
    data["exported_at"] = utcnow()
    checklist = checklists.get(
        mission["checklist_id"],
        mission["checklist_version"],
        extra_dirs=current_app.config.get("CHECKLIST_DIRS", ()),
    )
    if fmt == "csv":
        content = to_csv_zip(data, checklist, lang, progress=report)
    elif fmt == "xlsx":
        content = to_xlsx(data, checklist, lang, progress=report)
    else:
        content = to_json(data, progress=report)
    if progress:
        progress(total, total, "Done")
    return content, FORMATS[fmt][0], filename(mission, fmt, profile, data["exported_at"][:10])
