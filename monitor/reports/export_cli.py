"""``flask --app monitor export MISSION``: a mission's data as CSV files, an Excel workbook or JSON."""

import io
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import audit, private_files
from ..audit import Actor
from ..checklists import LANGUAGES
from ..db import connect
from ..missions import records as missions
from . import exports
from .redact import PROFILES


class _Forward(io.RawIOBase):
    """Bytes passed on to a device or a pipe, with no position to seek to.

    ``/dev/null`` accepts ``seek`` and ``tell`` but always answers 0, so a zip writer that trusts them
    (the XLSX and CSV exports) computes its central directory from positions that move backwards and
    fails with ``struct.error`` depending on where its buffer happened to be flushed. Without ``tell``
    it keeps count of what it wrote itself, as it does for a pipe.
    """

    def __init__(self, target):
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._target.write(data)

    def close(self) -> None:
        if not self.closed:
            self._target.close()
        super().close()


def _open(path: str):
    """The file to write, readable by its owner only (exports can name witnesses and defendants), and the
    name it gets once complete: a regular file is written beside it and renamed at the end, so a failed
    export leaves nothing; anything else (``/dev/null``, a pipe) is written as it is, as a stream."""
    if os.path.exists(path) and not os.path.isfile(path):
        target = open(path, "wb", buffering=0)  # noqa: SIM115 (closed by the caller, through the wrapper)
        return io.BufferedWriter(_Forward(target)), None
    partial = f"{path}.part"
    return private_files.open_new(partial, truncate=True), partial


def _discard(partial: str | None) -> None:
    if partial and os.path.exists(partial):
        os.unlink(partial)


@click.command("export")
@with_appcontext
@click.argument("mission")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(exports.FORMATS)),
    required=True,
    help="csv (a zip of CSV files), xlsx (an Excel workbook) or json (one document).",
)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    required=True,
    help="internal (everything), partner (no anonymous witnesses' identities, no named perpetrators) or "
    "public (also pseudonyms for people, no free text).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the label columns next to coded values (CSV and Excel).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to FILE (default: <mission>-<profile>-<date>.<zip|xlsx|json> in the current folder).",
)
def export_command(mission, fmt, profile, lang, output):
    """Export a mission's submitted hearings and everything recorded in them, redacted for PROFILE.

    MISSION is the mission's uuid or its exact name. Progress goes to standard error; every export is
    recorded in the audit log. The file is created readable by you only.
    """
    db = connect(current_app.config["DATABASE"])
    try:
        try:
            found = missions.find(db, mission)
        except LookupError as error:
            raise click.ClickException(error.args[0]) from error

        def progress(done, total, message):
            click.echo(f"[{done}/{total}] {message}", err=True)

        path = output or exports.filename(found, fmt, profile)
        out, partial = _open(path)
        try:
            with out:
                exports.write_export(out, db, found, fmt, profile, lang, current_app.instance_path, progress)
        except KeyError as error:  # the mission's checklist is not installed here
            _discard(partial)
            raise click.ClickException(error.args[0] if error.args else str(error)) from error
        except BaseException:
            _discard(partial)
            raise
        if partial:
            os.replace(partial, path)
        size = os.path.getsize(path) if os.path.isfile(path) else None
        audit.record(
            db,
            "data.export",
            Actor(name="command line"),
            record_type="mission",
            record_uuid=found["uuid"],
            after={"format": fmt, "profile": profile, "lang": lang},
        )
    finally:
        db.close()
    written = f"{size:,} bytes, " if size is not None else ""
    click.echo(f"Wrote {path} ({written}{profile} profile).")
