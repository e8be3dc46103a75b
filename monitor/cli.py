"""Command-line tools: ``flask --app monitor create-user | backup`` (init-db and audit-verify live
with their modules)."""

import os
import sqlite3
import sys
import tempfile

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .audit import Actor
from .auth import users
from .db import connect


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(users.ROLES), required=True, help="The account's role.")
@click.option("--display-name", default="", help="Name shown to colleagues (default: the user name).")
@click.option("--language", type=click.Choice(users.LANGUAGES), default="en", show_default=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def create_user_command(username, role, display_name, language, password_stdin):
    """Create an account. The password is prompted for (or read from stdin), never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = users.password_problem(password, username, current_app.config["PASSWORD_MIN_LENGTH"])
    if problem:
        raise click.ClickException(problem)
    db = connect(current_app.config["DATABASE"])
    try:
        user = users.create(
            db,
            Actor(name="command line"),
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            language=language,
            argon2=current_app.config["ARGON2"],
        )
    except users.UserError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()
    click.echo(f"Created {role} {user['username']} ({user['uuid']}).")


@click.command("backup")
@with_appcontext
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace DESTINATION if it exists.")
def backup_command(destination, force):
    """Copy the database to DESTINATION through SQLite's online backup, then check the copy.

    Safe while the app is running and writing; the copy is only put in place once
    ``PRAGMA integrity_check`` says ok.
    """
    destination = os.path.abspath(destination)
    if os.path.exists(destination) and not force:
        raise click.ClickException(f"{destination} exists; choose another name or pass --force.")
    folder = os.path.dirname(destination)
    fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite", dir=folder)
    os.close(fd)
    try:
        source = connect(current_app.config["DATABASE"])
        target = sqlite3.connect(partial)
        try:
            source.conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = target.execute("PRAGMA integrity_check").fetchall()
            counts = {
                name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in ("user", "audit")
            }
        finally:
            target.close()
            source.close()
        if check != [("ok",)]:
            raise click.ClickException(f"The copy failed its integrity check: {check[:5]}")
        os.chmod(partial, 0o600)
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    click.echo(
        f"Backup written to {destination}: integrity ok, {counts['user']} users, "
        f"{counts['audit']} audit entries."
    )


def register_commands(app: Flask) -> None:
    from .checklists import checklist_validate_command
    from .demo import seed_demo_command
    from .findings.cli import findings_command
    from .reports.cli import report_command
    from .reports.export_cli import export_command
    from .sync.cli import COMMANDS as SYNC_COMMANDS

    commands = (
        create_user_command,
        backup_command,
        checklist_validate_command,
        seed_demo_command,
        findings_command,
        report_command,
        export_command,
        *SYNC_COMMANDS,
    )
    for command in commands:
        app.cli.add_command(command)
