"""Official figures beside the mission's counts, never mixed with them: a section of their own, headed as
the authorities' figures, in the mission report and in the submission (docs/recommendations.md)."""

from flask_babel import gettext as _
from sqlite_utils import Database

from ...recommendations import records as register
from .blocks import Block, Section, Table, note


def for_report(db: Database, mission: dict) -> list[dict]:
    """The official figures of the mission's country, as a report shows them (plain values)."""
    country = register.mission_country(db, mission["id"])
    return [
        {
            "what": row["what"],
            "value": register.shown_value(row["value"]),
            "period": row["period"],
            "source": row["source"],
            "retrieved_on": row["retrieved_on"],
        }
        for row in (register.statistics(db, country) if country else [])
    ]


def caveat() -> Block:
    return note(
        _(
            "Figures published by the authorities, as they give them; they are not the mission's counts "
            "and are not added to them."
        )
    )


def table(rows: list[list[str]]) -> Table:
    head = [_("What"), _("Value"), _("Period"), _("Source")]
    return Table(head, rows, widths=(0.4, 0.14, 0.16, 0.3), numeric=(1,), css="official")


def section(data: dict) -> Section | None:
    """The mission report's section of official figures (None when the mission has none)."""
    figures = data.get("official_statistics") or []
    if not figures:
        return None
    rows = [
        [
            f["what"],
            f["value"],
            f["period"],
            _("%(source)s, retrieved on %(date)s.", source=f["source"], date=f["retrieved_on"]),
        ]
        for f in figures
    ]
    return Section(_("Official figures"), [caveat(), Block("table", table(rows))], ident="official")
