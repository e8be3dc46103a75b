"""Command-line tools: ``flask --app monitor create-user | backup | audit-verify | audit-anchor`` (init-db
lives with its module)."""

import hashlib
import json
import os
import sys
import tempfile

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import anchors, audit, private_files
from .audit import Actor
from .auth import users
from .db import connect
from .evidence import records as evidence
from .i18n import LANGUAGES
from .vault import convert as vault_convert
from .vault import terminal


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(users.ROLES), required=True, help="The account's role.")
@click.option("--display-name", default="", help="Name shown to colleagues (default: the user name).")
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
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
@terminal.unlock_option
def backup_command(destination, force, passphrase_stdin):
    """Copy the database to DESTINATION through SQLite's online backup, then check the copy.

    Safe while the app is running and writing; the copy is only put in place once
    ``PRAGMA integrity_check`` says ok. An encrypted installation's backup is encrypted under the same
    key, with a copy of its vault file beside it (DESTINATION without its extension + .vault.json):
    the same passphrase opens it.
    """
    terminal.unlock_if_encrypted(current_app.config["DATABASE"], passphrase_stdin)
    destination = os.path.abspath(destination)
    if os.path.exists(destination) and not force:
        raise click.ClickException(f"{destination} exists; choose another name or pass --force.")
    folder = os.path.dirname(destination)
    fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite", dir=folder)
    os.close(fd)
    try:
        source = connect(current_app.config["DATABASE"])
        target = vault_convert.open_backup_target(current_app.config["DATABASE"], partial)
        try:
            source.conn.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = target.execute("PRAGMA integrity_check").fetchall()
            counts = {
                name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
                for name in ("user", "audit")
            }
            anchor = anchors.head(target)  # the log as it is in the copy
        finally:
            target.close()
            source.close()
        if check != [("ok",)]:
            raise click.ClickException(f"The copy failed its integrity check: {check[:5]}")
        os.chmod(partial, 0o600)
        vault = vault_convert.write_backup_vault(current_app.config["DATABASE"], destination)
        os.replace(partial, destination)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    click.echo(
        f"Backup written to {destination}: integrity ok, {counts['user']} users, "
        f"{counts['audit']} audit entries."
    )
    if vault:
        click.echo(f"It is encrypted: keep {vault} with it (the same passphrase opens it).")
    _anchor_backup(destination, anchor)


def _anchor_backup(destination: str, anchor: anchors.Anchor) -> None:
    """The backup's anchor beside it (``FILE.anchor.json``, with its SHA-256) and in the anchor file."""
    digest = hashlib.sha256()
    with open(destination, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    name = os.path.basename(destination)
    sidecar = {**anchor.as_json(), "reason": "backup", "backup": name, "sha256": digest.hexdigest()}
    private_files.replace(f"{destination}.anchor.json", json.dumps(sidecar, indent=1) + "\n")
    click.echo(f"Its anchor ({anchor.short()}) is in {destination}.anchor.json; keep it with the backup.")
    database = current_app.config["DATABASE"]
    db = connect(database)
    try:
        anchors.write(db, anchors.path_for(database), "backup", anchor, note=name)
    except anchors.AnchorError as error:
        raise click.ClickException(
            f"The backup was written, but the audit log no longer holds an earlier anchor: {error} "
            "Run audit-verify."
        ) from error
    finally:
        db.close()


def _say_local(result: anchors.AnchorCheck, path: str) -> None:
    for reset in result.resets:
        click.echo(
            f"Anchors were started again on {reset.at} at {reset.rows} entries ({reset.source}): {reset.note}"
        )
    if not result.ok:
        click.echo(result.message, err=True)
    elif result.latest is None:
        click.echo(
            f"No anchor yet in {path}: nothing outside the database vouches for the end of the log "
            f"({result.rows_now} entries). An anchor is written after the next change."
        )
    else:
        click.echo(
            f"Anchors: {result.checked} in {path}, the latest {result.latest.short()} of {result.latest.at}: "
            "the log holds them."
        )


@click.command("audit-verify")
@with_appcontext
@click.option(
    "--anchor",
    "kept",
    multiple=True,
    metavar="FILE|TEXT",
    help="Also check against an anchor kept off this machine: a copy of the anchor file, a backup's "
    ".anchor.json, a bundle's manifest.json, or a report's footer ('Audit log: N entries, head HEX'), "
    "as a file or as text. May be given more than once.",
)
@terminal.unlock_option
def audit_verify_command(kept: tuple[str, ...], passphrase_stdin: bool) -> None:
    """Check the audit log's hash chain, that it still holds every anchor written outside the database,
    and that every evidence file's bytes still match their SHA-256 and the hash their audit entry recorded.

    Exits 1, saying what was found, if a row was changed or removed, if the end of the log was cut off, if
    the log was rewritten and re-chained since an anchor was taken, or if an evidence file's bytes changed,
    went missing or no longer match their audit entry.
    """
    database = current_app.config["DATABASE"]
    terminal.unlock_if_encrypted(database, passphrase_stdin)
    path = anchors.path_for(database)
    db = connect(database)
    try:
        chain = audit.verify(db)
        local = anchors.check_file(db, path)
        copies = [(value, anchors.check_copy(db, path, value)) for value in kept]
        evidence_problems = evidence.verify(db)
        evidence_files, evidence_bytes = evidence.totals(db)
    finally:
        db.close()
    if chain.ok:
        click.echo(f"Audit chain intact: {chain.rows} rows, head {chain.head}")
    else:
        click.echo(
            f"Audit chain BROKEN at row {chain.first_bad_id}: {audit.REASONS[chain.reason]} "
            f"({chain.rows} rows before it are intact)",
            err=True,
        )
    _say_local(local, path)
    for value, result in copies:
        if result.ok:
            latest = result.latest
            click.echo(f"Anchor {value}: {latest.short() if latest else 'empty'}: the log holds it.")
        else:
            click.echo(result.message, err=True)
    for problem in evidence_problems:
        click.echo(problem, err=True)
    if not evidence_problems:
        click.echo(
            f"Evidence files intact: {evidence_files} files, {evidence_bytes} bytes, each matching its "
            "SHA-256 and its audit entry"
        )
    if not (chain.ok and local.ok and all(result.ok for _value, result in copies)) or evidence_problems:
        raise SystemExit(1)


@click.command("audit-anchor")
@with_appcontext
@click.option(
    "--reset",
    metavar="REASON",
    help="Start the anchors again from the log as it is, e.g. after restoring a backup (the log no longer "
    "holds the later anchors). The reason is kept in the audit log and the anchor file.",
)
def audit_anchor_command(reset: str | None) -> None:
    """Write the audit log's head (entries, hash of the last one) to the anchor file beside the database.

    Done anyway after changes (every AUDIT_ANCHOR_ROWS entries or AUDIT_ANCHOR_SECONDS), when the server
    stops, and at every backup; run it before copying the anchor file off the machine.
    """
    database = current_app.config["DATABASE"]
    path = anchors.path_for(database)
    db = connect(database)
    try:
        if reset is not None:
            if not reset.strip():
                raise click.ClickException(
                    "Say why the anchors start again: --reset 'restored the backup of …'"
                )
            audit.record(db, "audit.anchor_reset", audit.Actor(name="command line"), after={"reason": reset})
        anchor = anchors.write(
            db, path, "reset" if reset is not None else "manual", note=(reset or "").strip()
        )
    except anchors.AnchorError as error:
        raise click.ClickException(
            f"{error} Run audit-verify; after a restore, audit-anchor --reset."
        ) from error
    finally:
        db.close()
    if anchor is None:
        click.echo("The audit log is empty: nothing to anchor yet.")
    else:
        click.echo(f"Anchored {anchor.short()} in {path} (copy this file off the machine).")


def register_commands(app: Flask) -> None:
    from .checklists import checklist_validate_command
    from .demo import seed_demo_command
    from .findings.cli import findings_command
    from .recommendations.cli import import_recommendations_command
    from .reports.cli import report_command
    from .reports.export_cli import export_command
    from .sync.cli import COMMANDS as SYNC_COMMANDS
    from .vault import keys, terminal
    from .vault.cli import COMMANDS as VAULT_COMMANDS

    keys.ask_with(terminal.unlock_from_terminal)  # a command asks for the passphrase; a request never does

    commands = (
        create_user_command,
        backup_command,
        audit_verify_command,
        audit_anchor_command,
        checklist_validate_command,
        seed_demo_command,
        findings_command,
        report_command,
        export_command,
        import_recommendations_command,
        *SYNC_COMMANDS,
        *VAULT_COMMANDS,
    )
    for command in commands:
        app.cli.add_command(command)
