"""``flask --app monitor report MISSION``: a hearing, trial or mission report as PDF, DOCX or HTML."""

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit import Actor
from ..checklists import LANGUAGES
from ..db import connect
from ..missions import records as missions
from . import render
from .build import FORMATS, build_report, record_export
from .redact import PROFILES


@click.command("report")
@with_appcontext
@click.argument("mission")
@click.option(
    "--kind",
    type=click.Choice(render.KINDS),
    default="mission",
    show_default=True,
    help="A hearing's record, a trial with its defendants and hearings, or the mission's findings.",
)
@click.option(
    "--id", "record_id", metavar="UUID", help="The hearing's or the trial's uuid (--kind hearing|trial)."
)
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="pdf", show_default=True, help="File format."
)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    required=True,
    help="What the report may show: internal (everything), partner (no anonymous witnesses' identities, "
    "no named perpetrators) or public (also pseudonyms for people, no free text).",
)
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Report language."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to FILE ('-' for standard output; default: a file name made from the report).",
)
def report_command(mission, kind, record_id, fmt, profile, lang, output):
    """Write a report of MISSION (its uuid or exact name), redacted by --profile.

    Drafts are never reported. Every export is written to the audit log.
    """
    if kind == "mission" and record_id:
        raise click.ClickException(
            "--id is for --kind hearing or trial; a mission report covers the mission."
        )
    if kind != "mission" and not record_id:
        raise click.ClickException(f"--kind {kind} needs --id with the {kind}'s uuid.")
    record_id = record_id.strip().lower() if record_id else None
    db = connect(current_app.config["DATABASE"])
    try:
        try:
            found = missions.find(db, mission)
        except LookupError as error:
            raise click.ClickException(str(error.args[0] if error.args else error)) from error
        ids = {"hearing_uuid": record_id} if kind == "hearing" else {"trial_uuid": record_id}
        try:
            content, _mimetype, filename = build_report(
                db, found, kind, fmt, profile, lang, current_app.instance_path, **ids
            )
        except ValueError as error:
            raise click.ClickException(str(error.args[0] if error.args else error)) from error
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            with open(output or filename, "wb") as f:
                f.write(content)
        after = {"kind": kind, "format": fmt, "profile": profile, "lang": lang, "id": record_id}
        record_export(db, Actor(name="command line"), found, **after)
    finally:
        db.close()
    if output != "-":
        click.echo(
            f"Wrote {os.path.abspath(output or filename)} ({kind} report, {profile} profile).", err=True
        )
