"""Asking for the passphrase on the command line (never in a web request)."""

import sys

import click
from flask import has_request_context

from . import keys


def read_passphrase(prompt: str = "Passphrase", *, confirm: bool = False, stdin: bool = False) -> str:
    """One passphrase: the next line of standard input, or typed twice (``confirm``) without echo."""
    if stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("No passphrase on standard input.")
        return line.rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def unlock_from_terminal(database: str, stdin: bool = False) -> bytearray:
    """The key of an encrypted ``database``, asking for its passphrase once per command.

    Refuses (:class:`keys.Locked`) outside a command, so a web request never waits on a prompt."""
    held = keys.key_for(database)
    if held is not None:
        return held
    if has_request_context() or click.get_current_context(silent=True) is None:
        raise keys.Locked("The database is encrypted and locked: unlock it first.")
    passphrase = read_passphrase(f"Passphrase for {database}", stdin=stdin)
    try:
        return keys.unlock(database, passphrase)
    except keys.WrongPassphrase as error:
        raise click.ClickException(str(error)) from error
    except keys.VaultError as error:
        raise click.ClickException(str(error)) from error


def unlock_option(command):
    """``--passphrase-stdin`` for a command that opens the database."""
    return click.option(
        "--passphrase-stdin",
        is_flag=True,
        help="On an encrypted installation, read the passphrase from the first line of standard input "
        "instead of asking for it.",
    )(command)


def unlock_if_encrypted(database: str, passphrase_stdin: bool) -> None:
    """Ask for the passphrase now (before any work) when ``database`` is encrypted."""
    if keys.is_encrypted(database):
        unlock_from_terminal(database, stdin=passphrase_stdin)
