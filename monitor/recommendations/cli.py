"""``flask --app monitor import-recommendations FILE --country XX``: a CSV file of recommendations."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit import Actor
from ..db import connect
from .importer import ImportRefused, import_csv


@click.command("import-recommendations")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option(
    "--country", required=True, metavar="XX", help="The country's two-letter code (ISO 3166-1), e.g. KZ."
)
def import_recommendations_command(file, country):
    """Import the recommendations of a CSV file in the column layout of the public UPR databases.

    All or nothing: a file with a missing column, text that is not UTF-8, an unknown response or an
    identifier twice is refused with every problem's row and column, and nothing is imported. Importing
    the same file again changes nothing. See docs/recommendations.md.
    """
    db = connect(current_app.config["DATABASE"])
    try:
        result = import_csv(db, Actor(name="cli"), file.read(), country)
    except ImportRefused as refused:
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(refused.problems)} problem(s): nothing was imported") from None
    except ValueError as error:  # the country code
        raise click.ClickException(str(error)) from None
    finally:
        db.close()
    click.echo(
        f"{result.rows} recommendations: {result.created} new, {result.updated} changed, "
        f"{result.unchanged} unchanged"
        + (f"; columns ignored: {', '.join(result.ignored_columns)}" if result.ignored_columns else "")
    )
