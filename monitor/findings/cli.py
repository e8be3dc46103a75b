"""``flask --app monitor findings MISSION``: a mission's findings as JSON, CSV or Markdown."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import checklists
from ..checklists import LANGUAGES
from ..db import connect
from ..missions import records as missions
from . import aggregate, export
from .filters import FilterError, OptionArgs, scope_from


@click.command("findings")
@with_appcontext
@click.argument("mission")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv", "md"]),
    default="json",
    show_default=True,
    help="JSON (the full data), CSV (one row per figure) or Markdown (a readable summary).",
)
@click.option(
    "--status",
    multiple=True,
    help="Count hearings with this status: submitted, returned, approved; repeat or separate with commas "
    "(default: submitted and approved). Drafts never count.",
)
@click.option("--trial", multiple=True, metavar="UUID", help="Only this trial (repeat for more).")
@click.option("--court", default="", help="Only trials in this court (as entered on the trial).")
@click.option(
    "--judge", default="", help="Only hearings with this presiding judge (as the observer wrote it)."
)
@click.option("--from", "date_from", default="", metavar="YYYY-MM-DD", help="Hearings on or after this date.")
@click.option("--to", "date_to", default="", metavar="YYYY-MM-DD", help="Hearings on or before this date.")
@click.option(
    "--observer", multiple=True, metavar="UUID", help="Only hearings by this observer (repeatable)."
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the Markdown summary (JSON and CSV are language-neutral).",
)
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to FILE instead of standard output.",
)
def findings_command(
    mission, output_format, status, trial, court, judge, date_from, date_to, observer, lang, output
):
    """Print a mission's findings: every count with its denominator and the uuids behind it.

    MISSION is the mission's uuid or its exact name. Each person, hearing or witness is counted once
    however many hearings repeat a concern; drafts never count. See docs/findings.md.
    """
    options = {
        "status": status,
        "trial": trial,
        "court": court,
        "judge": judge,
        "from": date_from,
        "to": date_to,
        "observer": observer,
    }
    db = connect(current_app.config["DATABASE"])
    try:
        try:
            found = missions.find(db, mission)
            scope = scope_from(found, OptionArgs(options))
            checklist = checklists.of(found)
        except FilterError as error:
            raise click.ClickException(f"--{error.field}: {error}") from error
        except LookupError as error:  # no such mission, or its checklist is missing (KeyError)
            raise click.ClickException(error.args[0] if error.args else str(error)) from error
        data = aggregate.findings(db, scope, checklist, found)
    finally:
        db.close()
    if output_format == "csv":
        text = export.to_csv(data, checklist)
    elif output_format == "md":
        text = export.to_markdown(data, checklist, lang)
    else:
        text = export.to_json(data)
    output.write(text)
