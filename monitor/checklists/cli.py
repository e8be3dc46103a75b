"""``flask --app monitor checklist-validate FILE``: check a checklist before a mission uses it."""

import click
from flask.cli import with_appcontext

from .loader import ChecklistError, load
from .model import SCOPES, UNITS
from .registry import is_offered


@click.command("checklist-validate")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def checklist_validate_command(file: str) -> None:
    """Check a checklist FILE (YAML); on a problem print FILE:LINE: and what is wrong, and exit 1."""
    try:
        checklist = load(file)
    except ChecklistError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    if checklist.declares_units:
        counts = ", ".join(f"{unit} {len(checklist.items_at(unit))}" for unit in UNITS)
        kept = sum(1 for item in checklist.items if not item.asked)
        counts += f"; {kept} kept in records" if kept else ""
    else:
        counts = ", ".join(f"{scope} {len(checklist.items_for(scope))}" for scope in SCOPES)
    status = "" if is_offered(checklist) else " (installed, not offered for new missions)"
    click.echo(
        f"{checklist.id} v{checklist.version}: {len(checklist.items)} items ({counts}) "
        f"in {len(checklist.stages)} stages — OK{status}"
    )
