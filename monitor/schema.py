"""Creating the database file and bringing it to the current schema (``init-db``).

Kept apart from :mod:`monitor.db` so that the connection module does not import the migration steps,
which themselves write through :mod:`monitor.records` and :mod:`monitor.audit` (both built on ``db``).
"""

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .db import atomic, connect
from .migrations import migrations
from .vault import keys


def init_db(path: str) -> list[str]:
    """Enable WAL and apply pending migration steps to ``path``; return the names applied."""
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # witness data: owner only
    db = connect(path)
    try:
        db.enable_wal()
        with atomic(db):
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
        return pending
    finally:
        db.close()


@click.command("init-db")
@with_appcontext
@click.option(
    "--encrypt",
    is_flag=True,
    help="Set up a new installation encrypted at rest (SQLCipher): asks for a passphrase twice. The "
    "passphrase is never stored; lost, it loses the data. See docs/security.md.",
)
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the passphrase from the first line of standard input instead of asking for it.",
)
def init_db_command(encrypt: bool, passphrase_stdin: bool) -> None:
    """Create the database or apply pending migration steps (safe to run again)."""
    from .vault import terminal

    path = current_app.config["DATABASE"]
    if encrypt and not keys.is_encrypted(path):
        from .vault import convert

        passphrase = terminal.read_passphrase("New passphrase", confirm=True, stdin=passphrase_stdin)
        try:
            convert.create(path, passphrase, current_app.config.get("VAULT_KDF"))
        except keys.VaultError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Encrypted installation set up: {keys.path_for(path)} holds the salt, never the key.")
    else:
        terminal.unlock_if_encrypted(path, passphrase_stdin)
    applied = init_db(path)
    if applied:
        click.echo(f"Applied {len(applied)} migration step(s) to {path}: {', '.join(applied)}")
    else:
        click.echo(f"Database {path} is up to date.")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
