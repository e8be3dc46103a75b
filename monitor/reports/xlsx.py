"""A small streaming XLSX writer: rows go straight into the zip as SpreadsheetML, never held.

openpyxl's write-only mode makes a cell object and an XML element per cell, about 200,000 cells a second on
a laptop core: the answer sheets of a large mission (3 million cells) would take 15 s on their own. This
writer does only what the exports need — text (shared strings, so never a formula), numbers, dates and
times; a bold header row; a shaded cell for an answer that raises a concern; column widths, a frozen pane
and an autofilter per sheet — and writes each cell as one short string. The tests read its files back with
openpyxl.

    with Workbook(out) as book:
        sheet = book.sheet("answers", widths=(12, 40), freeze="C2")
        sheet.header(["date", "question"])
        sheet.append([date(2026, 1, 4), "…"], tones=[0, CONCERN])
        sheet.close()
"""

import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import IO, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

MAX_ROWS = 1_048_576  # Excel's limit, header row included
MAX_TEXT = 32_767  # Excel's limit on the characters in one cell
FORBIDDEN_IN_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})

# Cell styles (indexes into cellXfs below)
PLAIN, BOLD, DATE, DATETIME, TIME, CONCERN = range(6)
DATE_KINDS = ("date", "datetime", "time")  # what a column of dates holds, as exports describe it
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" \
formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="hh:mm"/></numFmts>
<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><sz val="11"/><color rgb="FF7A1C13"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFF7DCD8"/><bgColor indexed="64"/></patternFill></fill>\
</fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="{CONCERN + 1}">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="2" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug already accounted for)


def letter(index: int) -> str:
    """The letters of the column at ``index`` (0 → "A", 26 → "AA")."""
    return get_column_letter(index + 1)


def title(value: str) -> str:
    """A valid sheet name: at most 31 characters, none of []:*?/\\."""
    return value.translate(FORBIDDEN_IN_TITLE).strip()[:31] or "Sheet"


def serial(value: date | time) -> float:
    """A date, date-time or time as Excel's serial number (days since 1899-12-30, time as a fraction)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zones: stored as UTC
            value = value.astimezone(UTC).replace(tzinfo=None)
        delta = value - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    if isinstance(value, date):
        return float((value - EPOCH.date()).days)
    return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400


class Workbook:
    """An XLSX file written into ``out`` (a binary file); one sheet is written at a time."""

    def __init__(self, out: BinaryIO):
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self._now = datetime.now().timetuple()[:6]
        self._strings: dict[str, int] = {}  # text as given → its index in the shared strings
        self._texts: list[str] = []  # the shared strings, cleaned, in index order
        self._sheets: list[tuple[str, int]] = []  # (title, file number), in workbook order
        self._filters: dict[str, str] = {}  # title → autofilter range
        self._open: Sheet | None = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.close()
        else:
            self._zip.close()

    def sheet(
        self, name: str, widths: Sequence[float] = (), freeze: str = "A2", position: int | None = None
    ) -> "Sheet":
        """Start a sheet (closing the one still open); ``position`` puts it earlier in the workbook."""
        if self._open is not None:
            self._open.close()
        name = title(name)
        if any(existing == name for existing, _n in self._sheets):
            raise ValueError(f"two sheets named {name!r}")
        number = len(self._sheets) + 1
        entry = (name, number)
        self._sheets.insert(len(self._sheets) if position is None else position, entry)
        self._open = Sheet(self, name, number, widths, freeze)
        return self._open

    def _member(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._now)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def _string(self, text: str) -> int:
        index = self._strings[text] = len(self._texts)
        self._texts.append(_clean(text))
        return index

    def close(self) -> None:
        """Finish the open sheet and write the workbook's parts."""
        if self._open is not None:
            self._open.close()
        if not self._sheets:
            self.sheet("Sheet").close()

        def write(name: str, text: str) -> None:
            self._zip.writestr(self._member(name), text)

        numbers = [number for _name, number in self._sheets]
        overrides = [("/xl/workbook.xml", "sheet.main"), ("/xl/styles.xml", "styles")]
        overrides += [(f"/xl/worksheets/sheet{n}.xml", "worksheet") for n in numbers]
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings"))
        write(
            "[Content_Types].xml",
            XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
            '+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(
                f'<Override PartName="{p}" ContentType="{OFFICE}.{kind}+xml"/>' for p, kind in overrides
            )
            + "</Types>",
        )
        write("_rels/.rels", _relationships([("officeDocument", "xl/workbook.xml")], PACKAGE))
        parts = [("worksheet", f"worksheets/sheet{n}.xml") for n in numbers]
        parts += [("styles", "styles.xml"), ("sharedStrings", "sharedStrings.xml")]
        write("xl/_rels/workbook.xml.rels", _relationships(parts, PACKAGE))
        sheets = "".join(  # rId<i>: the i-th relationship above, the i-th sheet in workbook order
            f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{i}"/>'
            for i, (name, n) in enumerate(self._sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
            f"{escape(_quoted(name))}!{self._filters[name]}</definedName>"
            for index, (name, _n) in enumerate(self._sheets)
            if name in self._filters
        )
        write(
            "xl/workbook.xml",
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><bookViews>'
            f'<workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + "</workbook>",
        )
        write("xl/styles.xml", STYLES)
        with self._zip.open(self._member("xl/sharedStrings.xml"), "w", force_zip64=True) as part:
            count = len(self._texts)
            part.write(f'{XML_HEAD}<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">'.encode())
            chunk = []
            for text in self._texts:
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                chunk.append(f"<si><t{space}>{escape(text)}</t></si>")
                if len(chunk) >= 5000:
                    part.write("".join(chunk).encode())
                    chunk = []
            part.write(("".join(chunk) + "</sst>").encode())
        self._zip.close()


def _relationships(parts: list[tuple[str, str]], namespace: str) -> str:
    """A relationships part: rId1, rId2, … to each (type, target) in order."""
    items = "".join(
        f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(parts, 1)
    )
    return f'{XML_HEAD}<Relationships xmlns="{namespace}">{items}</Relationships>'


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


class Sheet:
    """One worksheet being written: :meth:`header`, then :meth:`append` row by row."""

    def __init__(self, book: Workbook, name: str, number: int, widths: Sequence[float], freeze: str):
        self.book, self.name, self.rows, self.columns = book, name, 0, 0
        self._part: IO[bytes] | None = book._zip.open(
            book._member(f"xl/worksheets/sheet{number}.xml"), "w", force_zip64=True
        )
        self._letters: list[str] = []
        self._buffer: list[str] = []
        self._autofilter = False
        view = '<sheetView workbookViewId="0"' + (' tabSelected="1">' if number == 1 else ">")
        if freeze and freeze != "A1":
            view += _pane(freeze)
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width:.2f}" customWidth="1"/>'
            for n, width in enumerate(widths, 1)
        )
        cols = f"<cols>{cols}</cols>" if cols else ""
        self._writing().write(
            f'{XML_HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetViews>{view}</sheetView>'
            f'</sheetViews><sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>'.encode()
        )

    def _writing(self) -> IO[bytes]:
        """The sheet's part, while it is open (a sheet is closed once the next one starts)."""
        if self._part is None:
            raise ValueError(f"sheet {self.name!r} is closed: the workbook has moved on to the next sheet")
        return self._part

    def _letter(self, column: int) -> str:
        while len(self._letters) <= column:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[column]

    def header(self, names: Sequence[str], autofilter: bool = True) -> None:
        """The first row, in bold; with an autofilter over the whole table."""
        self.append(list(names), style=BOLD)
        self._autofilter = autofilter

    def append(self, values: Sequence, tones: Sequence[int] | None = None, style: int = PLAIN) -> None:
        """One row. ``None`` and ``""`` leave a cell empty; ``tones`` gives a cell style per value."""
        if self.rows >= MAX_ROWS:
            raise ValueError(f"sheet {self.name!r} is full ({MAX_ROWS:,} rows)")
        if self._part is None:  # a row for a closed sheet would be lost without a word
            self._writing()  # raises, saying so
        self.rows += 1
        row = self.rows
        if len(values) > self.columns:
            self.columns = len(values)
            self._letter(self.columns - 1)
        letters, strings, cells = self._letters, self.book._strings, []
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            tone = tones[column] if tones else style
            ref = f"{letters[column]}{row}"
            styled = f' s="{tone}"' if tone else ""
            if isinstance(value, str):
                index = strings.get(value)
                if index is None:
                    index = self.book._string(value)
                cells.append(f'<c r="{ref}"{styled} t="s"><v>{index}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"{styled}><v>{value!r}</v></c>')
            elif isinstance(value, date | time):
                kind = DATETIME if isinstance(value, datetime) else DATE if isinstance(value, date) else TIME
                cells.append(f'<c r="{ref}" s="{tone if tone > BOLD else kind}"><v>{serial(value)!r}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a spreadsheet cell")
        self._buffer.append(f'<row r="{row}">{"".join(cells)}</row>')
        if len(self._buffer) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._writing().write("".join(self._buffer).encode())
        self._buffer = []

    def close(self) -> None:
        if self._part is None:
            return
        self._buffer.append("</sheetData>")
        if self._autofilter and self.columns:
            ref = f"$A$1:${self._letter(self.columns - 1)}${max(self.rows, 1)}"
            self.book._filters[self.name] = ref
            self._buffer.append(f'<autoFilter ref="{ref.replace("$", "")}"/>')
        self._buffer.append("</worksheet>")
        self._flush()
        self._writing().close()
        self._part = None
        if self.book._open is self:
            self.book._open = None


def _pane(freeze: str) -> str:
    """The frozen pane for a top-left cell such as "A2" (rows above) or "F2" (columns to the left too)."""
    letters = freeze.rstrip("0123456789")
    row = int(freeze[len(letters) :])
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter.upper()) - 64
    x, y = column - 1, row - 1
    pane = "bottomRight" if x and y else "bottomLeft" if y else "topRight"
    split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
    return (
        f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
        f'<selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/>'
    )


def _clean(text: str) -> str:
    """Text as a cell can hold it: no control characters XML forbids, at most MAX_TEXT characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
