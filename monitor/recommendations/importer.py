"""Recommendations from a CSV file in the column layout of the public UPR databases (docs/recommendations.md).

All or nothing: every row is read and checked first; a file with any problem — a missing column, text
that is not UTF-8, an unknown response, an identifier twice — is refused with every problem's row and
column named, and nothing is imported. Importing the same file again changes nothing (each
recommendation's uuid comes from its identifier: records.recommendation_uuid).
"""

import csv
import io
from dataclasses import dataclass, field

from sqlite_utils import Database

from ..audit import Actor
from ..db import atomic
from . import records

# Our field → the column names accepted for it (compared without case and surrounding spaces). The first
# is the name docs/recommendations.md and the sample file use.
COLUMNS = {
    "cycle": ("Cycle",),
    "identifier": ("Paragraph", "Recommendation ID", "Identifier", "ID", "Paragraph number"),
    "recommending_state": ("Recommending State", "Recommending States", "Recommending State(s)"),
    "text": ("Recommendation",),
    "response": ("Response", "Position", "Position of the State under review"),
    "themes": ("Issues", "Themes", "Theme", "Human rights themes"),
}
OPTIONAL = {
    "body": ("Body", "Mechanism"),
    "session": ("Session",),
    "document": ("Document", "Source of position", "Document symbol"),
    "state_under_review": ("State under Review", "State under review (SuR)"),
    "action_category": ("Action Category", "Action"),
}
# What the databases write → our response ('' : no response yet, as for a treaty body's recommendation).
RESPONSES = {
    "supported": "supported",
    "accepted": "supported",
    "noted": "noted",
    "": "",
    "pending": "",
}
MAX_ROWS = 20_000
MAX_PROBLEMS = 50


@dataclass
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column “{self.column}”" if self.column else "")
        return f"{where}: {self.message}"


class ImportRefused(ValueError):
    """The file was refused; ``problems`` says where and why. Nothing was imported."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class Result:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _decode(data: bytes) -> str:
    """The file as text; :class:`ImportRefused` naming the row (and column) that is not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        lines = data[: error.start].split(b"\n")
        row = len(lines)
        header = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip("\r").split(",")
        column_index = lines[-1].count(b",")
        column = header[column_index].strip().strip('"') if row > 1 and column_index < len(header) else ""
        raise ImportRefused(
            [Problem(row, column, "this is not UTF-8 text; save the file as “CSV UTF-8” and try again")]
        ) from None


def read(data: bytes, country: str) -> tuple[list[dict], list[str]]:
    """The recommendations of a CSV file, checked: (fields per row, the columns ignored)."""
    country = records.country_code(country)
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused([Problem(1, "", f"this is not a readable CSV file ({error})")]) from None
    if not header or not any(h.strip() for h in header):
        raise ImportRefused([Problem(1, "", "the file is empty: the first row must name the columns")])
    positions = {_key(name): index for index, name in enumerate(header) if name.strip()}
    where: dict[str, int] = {}
    problems: list[Problem] = []
    for name, aliases in {**COLUMNS, **OPTIONAL}.items():
        found = [positions[_key(a)] for a in aliases if _key(a) in positions]
        if found:
            where[name] = found[0]
        elif name in COLUMNS:
            problems.append(Problem(1, aliases[0], "this column is missing (see docs/recommendations.md)"))
    if problems:
        raise ImportRefused(problems)
    used = set(where.values())
    ignored = [h for i, h in enumerate(header) if i not in used and h.strip()]
    rows: list[dict] = []
    seen: dict[tuple, int] = {}
    try:
        records_read = list(reader)
    except csv.Error as error:  # a NUL byte, a field beyond the csv module's limit
        raise ImportRefused(
            [Problem(reader.line_num, "", f"this is not a readable CSV file ({error})")]
        ) from None
    for number, cells in enumerate(records_read, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(Problem(number, "", f"more than {MAX_ROWS} recommendations in one file"))
            break

        def cell(name: str, cells: list = cells) -> str:
            index = where.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def column(name: str) -> str:
            return header[where[name]].strip() if name in where else name

        response = RESPONSES.get(cell("response").casefold())
        if response is None:
            accepted = ", ".join(sorted({k.capitalize() for k in RESPONSES if k}))
            problems.append(
                Problem(
                    number, column("response"), f"unknown response “{cell('response')}” (one of {accepted})"
                )
            )
        body = (cell("body") or "UPR").upper()
        if body not in records.BODIES:
            problems.append(
                Problem(number, column("body"), f"unknown body “{body}” (one of {', '.join(records.BODIES)})")
            )
        for name in ("text", "cycle"):
            if not cell(name):
                problems.append(Problem(number, column(name), "empty"))
        if len(cell("text")) > records.MAX_TEXT:
            problems.append(Problem(number, column("text"), f"longer than {records.MAX_TEXT} characters"))
        identifier = cell("identifier")
        if identifier:
            first = seen.setdefault((body, identifier), number)
            if first != number:
                problems.append(
                    Problem(
                        number, column("identifier"), f"the identifier {identifier} is already on row {first}"
                    )
                )
        rows.append(
            {
                "country": country,
                "body": body,
                "cycle": cell("cycle"),
                "session": cell("session"),
                "identifier": identifier,
                "recommending_state": cell("recommending_state"),
                "text": cell("text"),
                "response": response or "",
                "themes": records.split_themes(cell("themes")),
                "document": cell("document"),
                "row": number,
            }
        )
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([Problem(2, "", "no recommendation in the file")])
    return rows, ignored


def import_csv(db: Database, actor: Actor, data: bytes, country: str) -> Result:
    """Import a CSV file's recommendations for ``country``: all of them, or none (:class:`ImportRefused`)."""
    rows, ignored = read(data, country)
    result = Result(ignored_columns=ignored)
    with atomic(db):
        for fields in rows:
            try:
                _row, outcome = records.save_recommendation(db, actor, fields)
            except ValueError as error:  # e.g. an identifier held by a record typed by hand
                raise ImportRefused([Problem(fields["row"], "", str(error))]) from error
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result
