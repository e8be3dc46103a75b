"""A report as a Word document, for a mission lead to edit the text: the same blocks as the HTML and PDF
(render.prepare), written with real headings, real tables with a header row, and "Page X of Y" in the footer.
Charts are left out; a sentence says so, and the tables carry the same numbers.
"""

import io
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from flask_babel import force_locale
from flask_babel import gettext as _

from . import render

FONT = "Arial"  # on every office machine, with the Cyrillic and Kazakh letters
MONO = "Courier New"
INK = RGBColor(0x1D, 0x24, 0x33)
MUTED = RGBColor(0x5B, 0x65, 0x77)
SHADES = {"concern": "F7DCD8", "warning": "FBECC8", "fine": "DBE5F4", "head": "E9ECF2", "group": "F5F6F9"}
MATRIX_SHADES = {"concern": "C0392B", "fine": "C9D8EF", "empty": "F3F4F6"}
PROOFING = {"en": "en-GB", "ru": "ru-RU", "kk": "kk-KZ"}
EDGE = Mm(18)
TOC = r' TOC \o "1-2" \h \z \u '


def to_docx(kind: str, data: dict, lang: str, findings: dict | None, checklist, profile: str) -> bytes:
    """The report as DOCX bytes; ``data`` must be the dataset redacted with ``profile``."""
    if data.get("profile") != profile:
        raise ValueError(f"the dataset was not redacted with the {profile!r} profile")
    report = render.prepare(kind, data, lang, findings, checklist)
    with force_locale(lang):
        document = Document()
        _properties(document, report)
        _styles(document, lang)
        _page(document.sections[0], landscape=False)
        _running(document.sections[0], report)
        _front(document, report)
        charts_said = False
        for section in report.sections:
            if section.landscape:
                _page(document.add_section(WD_SECTION.NEW_PAGE), landscape=True)
            document.add_heading(section.title, level=min(section.level - 1, 3))
            for block in section.blocks:
                if block.kind == "chart":
                    if not charts_said:
                        _note(
                            document,
                            _("The charts are in the PDF edition; the tables carry the same numbers."),
                        )
                        charts_said = True
                    continue
                _block(document, block, wide=section.landscape)
            if section.landscape:
                _page(document.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Page, styles, header and footer -------------------------------------------------------------------


def _properties(document, report: render.Report) -> None:
    """The file's own properties (File > Info), from the report's redacted text only: no account name
    and no name the profile removed; nothing left of the template's ("python-docx", 2013)."""
    now = datetime.now(UTC).replace(microsecond=0)
    properties = document.core_properties
    properties.title = f"{report.title}: {report.subtitle}"
    properties.subject = report.mission
    properties.author = properties.last_modified_by = "Trial monitor"
    properties.comments = report.profile_line
    properties.category = render.edition(report.profile)
    properties.keywords = properties.content_status = properties.identifier = properties.version = ""
    properties.language = PROOFING.get(report.lang, "en-GB")
    properties.created = properties.modified = now
    properties.revision = 1


def _page(section, landscape: bool) -> None:
    long, short = Mm(297), Mm(210)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.left_margin = section.right_margin = EDGE
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)


def _usable(landscape: bool) -> int:
    return (Mm(297) if landscape else Mm(210)) - 2 * EDGE


def _font(style_or_run, name: str) -> None:
    """Set the font for every script (a theme font would otherwise win over the name)."""
    fonts = style_or_run.element.get_or_add_rPr().get_or_add_rFonts()
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _styles(document, lang: str) -> None:
    normal = document.styles["Normal"]
    _font(normal, FONT)
    language = OxmlElement("w:lang")
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attr), PROOFING.get(lang, "en-GB"))
    normal.element.get_or_add_rPr().append(language)
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 22), ("Heading 1", 15), ("Heading 2", 12), ("Heading 3", 10.5)):
        style = document.styles[name]
        _font(style, FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = INK
        style.font.bold = True
    document.styles["Heading 1"].paragraph_format.space_before = Pt(16)
    for name in ("Header", "Footer"):  # one right-aligned stop at the margin instead of the template's two
        stops = document.styles[name].paragraph_format.tab_stops
        stops.clear_all()
        stops.add_tab_stop(_usable(False), WD_TAB_ALIGNMENT.RIGHT)


def _running(section, report: render.Report) -> None:
    """Header: mission and report; footer: the edition (profile) and "Page X of Y" (PAGE, NUMPAGES fields)."""
    header = section.header.paragraphs[0]
    _small(header.add_run(f"{report.mission}\t{report.title}"))
    footer = section.footer.paragraphs[0]
    _small(footer.add_run(render.edition(report.profile) + "\t"))
    for kind, part in render.page_label():
        if kind == "counter":
            _field(footer, "PAGE" if part == "page" else "NUMPAGES")
        else:
            _small(footer.add_run(part))


def _small(run, size: float = 7.5) -> None:
    run.font.size = Pt(size)
    run.font.color.rgb = MUTED


def _field(paragraph, code: str) -> None:
    """A page field (PAGE, NUMPAGES) that the word processor fills in."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), code)
    run = paragraph.add_run("1")
    _small(run)
    paragraph._p.append(field)
    field.append(run._r)


def _field_char(paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(char)


def _contents(document, report: render.Report) -> None:
    """A table-of-contents field whose shown result is the list of sections; updating it adds page numbers."""
    first = document.add_paragraph()
    _field_char(first, "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = TOC
    first.add_run()._r.append(code)
    _field_char(first, "separate")
    paragraph = first
    for number, section in enumerate(s for s in report.sections if s.ident):
        paragraph = first if number == 0 else document.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(7 * (section.level - 2))
        paragraph.paragraph_format.space_after = Pt(2)
        paragraph.add_run(section.title)
    _field_char(paragraph, "end")


def _shade(element, fill: str) -> None:
    """Background colour of a table cell or a paragraph."""
    props = element.get_or_add_tcPr() if element.tag == qn("w:tc") else element.get_or_add_pPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    props.append(shading)


# The first page ----------------------------------------------------------------------------------------


def _front(document, report: render.Report) -> None:
    if report.kind == "mission":
        for _blank in range(6):
            document.add_paragraph()
        _small(document.add_paragraph().add_run(report.title.upper()), 9)
        document.add_paragraph(report.mission, style="Title")
    else:
        _small(document.add_paragraph().add_run(report.mission.upper()), 9)
        document.add_paragraph(report.title, style="Title")
    subtitle = document.add_paragraph().add_run(report.subtitle)
    subtitle.font.size = Pt(12)
    subtitle.font.color.rgb = MUTED
    _profile(document, report)
    _facts(document, report.facts)
    if report.kind == "mission":
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(_("Contents"), level=1)
        _contents(document, report)
        _note(document, _("Update the contents (F9 in Word) to add the page numbers."))
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _profile(document, report: render.Report) -> None:
    """The redaction profile, shaded, on the first page."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run(report.profile_line)
    run.bold = True
    run.font.size = Pt(9)
    _shade(paragraph._p, {"internal": "FAEEEC", "partner": "FBF3E3"}.get(report.profile, "F1F3F7"))
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.paragraph_format.space_after = Pt(10)


# Blocks ------------------------------------------------------------------------------------------------


def _block(document, block: render.Block, wide: bool) -> None:
    if block.kind == "facts":
        _facts(document, block.content)
    elif block.kind == "table":
        _table(document, block.table(), wide)
    elif block.kind == "sentences":
        for line in block.lines():
            document.add_paragraph(line, style="List Bullet")
    elif block.kind == "text" and block.content:
        document.add_paragraph(block.content)
    elif block.kind == "note":
        _note(document, str(block.content))
    elif block.kind == "integrity":
        run = document.add_paragraph().add_run(block.content)
        _font(run, MONO)
        run.font.size = Pt(7.5)


def _note(document, value: str) -> None:
    run = document.add_paragraph().add_run(value)
    run.italic = True
    _small(run, 8.5)


def _facts(document, pairs) -> None:
    """Label and value pairs: a two-column table without a header (the labels are the first column)."""
    if not pairs:
        return
    table = document.add_table(rows=0, cols=2)
    table.autofit = False
    widths = (int(_usable(False) * 0.32), int(_usable(False) * 0.68))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for label, value in pairs:
        cells = table.add_row().cells
        _write(cells[0], label, size=9, colour=MUTED)
        _write(cells[1], value, size=9)
        cells[0].width, cells[1].width = widths
    document.add_paragraph()


def _write(cell, value: str, size: float = 8, bold: bool = False, colour=None, note: str = "") -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(value)
    run.font.size = Pt(size)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    if note:
        extra = cell.add_paragraph().add_run(note)
        extra.font.size = Pt(max(size - 1.5, 5))
        extra.font.color.rgb = MUTED
        cell.paragraphs[-1].paragraph_format.space_after = Pt(0)


def _repeat_as_header(row) -> None:
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)


def _narrow_margins(grid) -> None:
    """Cell margins of half a millimetre, so the matrix's two-digit column numbers fit on one line."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), "28")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    look = grid._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        grid._tbl.tblPr.append(margins)


def _table(document, table: render.Table, wide: bool) -> None:
    """A table with a shaded header row repeated on every page; group rows span the table."""
    matrix = "matrix" in table.css.split()  # the matrix, and the trial × right summary
    size = 6 if matrix else 8
    counts_from = 1 if "summary" in table.css.split() else 2  # after the trial, or the defendant and Σ
    if table.caption:
        caption = document.add_paragraph()
        run = caption.add_run(table.caption)
        run.bold = True
        run.font.size = Pt(8.5)
        caption.paragraph_format.keep_with_next = True
        caption.paragraph_format.space_after = Pt(2)
    columns = len(table.head)
    grid = document.add_table(rows=0, cols=columns)
    grid.style = document.styles["Table Grid"]
    grid.autofit = False
    widths = table.widths or tuple([1 / columns] * columns)
    usable = _usable(wide)
    if table.bands:
        cells, start = grid.add_row().cells, 0
        for label, span in table.bands:
            merged = cells[start].merge(cells[start + span - 1]) if span > 1 else cells[start]
            _write(merged, label, size=size - 0.5, colour=MUTED)
            start += span
        _repeat_as_header(grid.rows[-1])
    head_rows = 2 if table.bands else 1
    head = grid.add_row()
    for cell, label in zip(head.cells, table.head, strict=True):
        _write(cell, label, size=size, bold=True)
        _shade(cell._tc, SHADES["head"])
    _repeat_as_header(head)
    for row in table.rows:
        cells = grid.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[-1])
            _write(merged, row, size=size, bold=True)
            merged.paragraphs[0].paragraph_format.keep_with_next = True  # never alone at a page's foot
            _shade(merged._tc, SHADES["group"])
            continue
        for cell, value in zip(cells, row, strict=True):
            if isinstance(value, render.Cell):
                _write(cell, value.text, size=size, bold=value.tone == "concern", note=value.note)
                tone = value.tone or ("" if value.text else "empty")
                shades = MATRIX_SHADES if matrix else SHADES
                if tone in shades:
                    _shade(cell._tc, shades[tone])
                if matrix and value.tone == "concern":
                    cell.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            else:
                _write(cell, value, size=size)
    for column, share in zip(grid.columns, widths, strict=True):
        column.width = int(usable * share)  # the grid, which LibreOffice reads
    for index, row in enumerate(grid.rows):
        for column, (cell, share) in enumerate(zip(row.cells, widths, strict=True)):
            cell.width = int(usable * share)  # the cells, which Word reads
            if index >= head_rows and (column in table.numeric or (matrix and column >= counts_from)):
                for paragraph in cell.paragraphs:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if matrix else WD_ALIGN_PARAGRAPH.RIGHT
    _borders(grid)
    if matrix:
        _narrow_margins(grid)
    document.add_paragraph()


def _borders(grid) -> None:
    """Thin grey rules instead of the template's black grid."""
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:color"), "C3C8D2")
        borders.append(line)
    props = grid._tbl.tblPr
    later = [
        child
        for child in props
        if child.tag in {qn(f"w:{n}") for n in ("shd", "tblLayout", "tblCellMar", "tblLook")}
    ]
    if later:
        later[0].addprevious(borders)  # the schema's order, which Word enforces
    else:
        props.append(borders)
