"""The blocks every report is made of (facts, tables, sentences, charts), and the small helpers that
word and format what goes in them.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ...i18n import LANGUAGE_NAMES

KINDS = ("hearing", "trial", "mission")
NOT_ANSWERED = ("", "not_observed")  # as the findings count them
DASH = "—"


# The blocks a report is made of -----------------------------------------------------------------------


@dataclass
class Cell:
    """A table cell: ``tone`` shades it (concern, warning, fine), ``note`` is a smaller second line."""

    text: str
    tone: str = ""
    note: str = ""


@dataclass
class Table:
    """Rows of cells (str or :class:`Cell`); a row that is a plain str is a group heading across the table."""

    head: list[str]
    rows: list
    widths: tuple[float, ...] = ()  # shares of the width, one per column
    numeric: tuple[int, ...] = ()  # columns aligned right
    css: str = ""
    bands: list = field(default_factory=list)  # (label, columns spanned) above the head
    caption: str = ""  # what the table shows, above it (the trial, for one of several alike)
    ident: str = ""  # set when the report is rendered: the class its column widths are styled by

    def column_groups(self) -> list[tuple[float, int]]:
        """The widths as (share, how many columns side by side have it): one <col span> for a run."""
        groups: list[tuple[float, int]] = []
        for share in self.widths:
            if groups and groups[-1][0] == share:
                groups[-1] = (share, groups[-1][1] + 1)
            else:
                groups.append((share, 1))
        return groups


@dataclass
class Block:
    """``facts`` (label, value pairs), ``table``, ``sentences``, ``text``, ``note``, ``chart`` or
    ``integrity`` (the audit line)."""

    kind: str
    content: object

    def table(self) -> Table:
        """What a ``table`` block holds."""
        if self.kind != "table" or not isinstance(self.content, Table):
            raise TypeError(f"a {self.kind!r} block holding {type(self.content).__name__} is not a table")
        return self.content

    def lines(self) -> list[str]:
        """What a ``sentences`` block holds."""
        if self.kind != "sentences" or not isinstance(self.content, list):
            raise TypeError(f"a {self.kind!r} block holding {type(self.content).__name__} is not sentences")
        return self.content


@dataclass(init=False)
class Section:
    title: str
    blocks: list[Block]
    level: int = 2
    ident: str = ""
    landscape: bool = False

    def __init__(
        self,
        title: str,
        blocks: Iterable[Block | None],
        level: int = 2,
        ident: str = "",
        landscape: bool = False,
    ) -> None:
        """``blocks`` may hold ``None``: a block left out (``text(...) if ... else None``)."""
        self.title = title
        self.blocks = [block for block in blocks if block is not None]
        self.level = level
        self.ident = ident
        self.landscape = landscape


@dataclass
class Report:
    kind: str
    lang: str
    title: str
    subtitle: str
    mission: str
    profile: str
    profile_line: str
    facts: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)
    refs: set = field(default_factory=set)  # every legal reference cited, for the annex
    audit_line: str = ""  # "Audit log: N entries, head …" in every page's footer (an anchor on paper)


def fact_pairs(*pairs) -> list[tuple[str, str]]:
    """Label–value pairs; a pair with no value (removed by the profile, or never written) is left out."""
    return [(str(label), str(value)) for label, value in pairs if value not in ("", None)]


def facts(*pairs) -> Block:
    """:func:`fact_pairs` as a block."""
    return Block("facts", fact_pairs(*pairs))


def sentences(lines) -> Block:
    return Block("sentences", [line for line in lines if line])


def text(value: str) -> Block:
    return Block("text", value)


def note(value: str) -> Block:
    return Block("note", value)


# Small formatting helpers ---------------------------------------------------------------------------


def profile_line(profile: str) -> str:
    """The sentence every report carries on its first page: which redaction profile made it."""
    return {
        "internal": _(
            "Profile: internal — complete record, including the identities of anonymous witnesses and "
            "named perpetrators. Not for distribution."
        ),
        "partner": _("Profile: partner — identities of anonymous witnesses and named perpetrators removed."),
        "public": _("Profile: public — names replaced by pseudonyms; free text removed."),
    }[profile]


def when(value: str | None) -> str:
    """An ISO date-time as "2026-01-04 13:00" (with "UTC" when it is a server time); a date stays a date."""
    if not value:
        return DASH
    return value.replace("T", " ")[:16] + (" UTC" if value.endswith("Z") else "")


def hours(value: float | None) -> str:
    if value is None:
        return DASH
    return _("%(h)s h", h=f"{value:.1f}".rstrip("0").rstrip("."))


def choice(spec, value) -> str:
    return str(spec.choices.get(value, value)) if value else DASH


def several(spec, value: str | None, labels: dict | None = None) -> str:
    codes = json.loads(value or "[]")
    return ", ".join(str((labels or spec.choices).get(code, code)) for code in codes) or DASH


def yes_no(value) -> str:
    return _("Yes") if value else _("No")


def of(count: dict) -> str:
    """A findings number as "3 of 8" (or "3" without a denominator)."""
    if count.get("of") is None:
        return str(count["count"])
    return _("%(count)s of %(total)s", count=count["count"], total=count["of"])


def cited(report: Report, line: str, refs) -> str:
    """A finding with its legal references, remembered for the annex."""
    refs = list(refs)
    report.refs.update(refs)
    line = line.rstrip()
    if refs:
        line = f"{line.rstrip('.')} ({'; '.join(refs)})"
    return line if line.endswith(".") else line + "."


def status_label(status: str) -> str:
    labels = {
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "returned": _("Returned"),
        "approved": _("Approved"),
    }
    return labels.get(status, status)


def people(data: dict) -> dict[str, str]:
    """Defendant uuid → the name this profile may show (a pseudonym in public reports)."""
    return {d["uuid"]: d["name"] or DASH for d in data["defendants"]}


def about_section(data: dict, lang: str) -> Section:
    """Who made the report, when, with which profile, and the audit log's state at that moment."""
    export = data.get("export", {})
    blocks = [
        text(profile_line(data["profile"])),
        facts(
            (_("Language"), LANGUAGE_NAMES.get(lang, lang)),
            (_("Exported"), export.get("at", "")),
            (_("Made with"), _("Trial monitor")),
        ),
    ]
    if export.get("audit_head"):
        state = _("intact") if export.get("audit_ok", True) else _("BROKEN")
        blocks.append(
            Block(
                "integrity",
                _(
                    "Audit log at the time of export: %(rows)s entries, hash chain %(state)s; head hash:",
                    rows=export.get("audit_rows", DASH),
                    state=state,
                )
                + " "
                + export["audit_head"],
            )
        )
    return Section(_("About this report"), blocks, ident="about")
