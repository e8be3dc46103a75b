"""Commands: ``flask --app monitor encrypt-db | rekey`` (``init-db --encrypt`` lives with init-db)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from . import convert, keys, terminal


@click.command("encrypt-db")
@with_appcontext
@click.option(
    "--keep-plain",
    is_flag=True,
    help="Keep the unencrypted original beside it (monitor.plain.sqlite). Off by default: the point is "
    "that no readable copy stays on the laptop.",
)
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the new passphrase from the first line of standard input instead of asking twice.",
)
def encrypt_db_command(keep_plain: bool, passphrase_stdin: bool) -> None:
    """Encrypt this plain installation's database in place (stop the server first).

    Checkpoints the WAL, copies every table into a new SQLCipher file, compares every table's row count
    and content hash with the original, and only then swaps the files. The passphrase is never stored:
    lost, it loses the data, so sync or back up first.
    """
    database = current_app.config["DATABASE"]
    passphrase = terminal.read_passphrase("New passphrase", confirm=True, stdin=passphrase_stdin)
    try:
        tables = convert.encrypt(database, passphrase, current_app.config.get("VAULT_KDF"), keep_plain)
    except keys.VaultError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(count for count, _digest in tables.values())
    click.echo(
        f"Encrypted {database}: {len(tables)} tables, {rows} rows, every table's count and content hash "
        "equal to the original."
    )
    if keep_plain:
        kept = convert.plain_copy_path(database)
        click.echo(f"The unencrypted original is kept as {kept}: delete it soon.")
    click.echo(f"Keep {keys.path_for(database)} with the database (it holds the salt, never the key).")
    click.echo("Serve it with one worker process: see docs/security.md.")


@click.command("rekey")
@with_appcontext
@click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the current passphrase, then the new one, from the first two lines of standard input.",
)
def rekey_command(passphrase_stdin: bool) -> None:
    """Change the passphrase of this encrypted installation (PRAGMA rekey, with a new salt).

    Lock the app or stop the server first. Backups made before keep the old passphrase.
    """
    database = current_app.config["DATABASE"]
    current = terminal.read_passphrase("Current passphrase", stdin=passphrase_stdin)
    new = terminal.read_passphrase("New passphrase", confirm=True, stdin=passphrase_stdin)
    try:
        convert.rekey(database, current, new, current_app.config.get("VAULT_KDF"))
    except keys.VaultError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"The passphrase of {database} is changed; the old one no longer opens it.")


COMMANDS = (encrypt_db_command, rekey_command)
