"""Commands: ``export-bundle``, ``import-bundle`` and ``sync configure|status|push|pull``.

They act as one account of this installation (``--user``; on a laptop with one account it is found by
itself), with that account's rights, and every bundle they move is audited as that account's.
"""

import json
import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import private_files, records
from ..audit import Actor
from ..auth import users
from ..db import connect
from ..missions import records as missions
from . import client, exporter, service
from .bundle import MIN_PASSPHRASE, BundleError, is_sealed


def _db():
    return connect(current_app.config["DATABASE"])


def _user(db, username: str | None) -> dict:
    try:
        return users.acting(db, username)
    except users.UserError as error:
        raise click.ClickException(str(error)) from error


def _actor(user: dict) -> Actor:
    return Actor(uuid=user["uuid"], name=user["username"], address="command line")


def _passphrase(from_stdin: bool, confirm: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm)


USER = click.option("--user", "username", help="The account that acts (default: the only account here).")
PASS_STDIN = click.option(
    "--passphrase-stdin", is_flag=True, help="Read the passphrase from the first line of standard input."
)


@click.command("export-bundle")
@with_appcontext
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
@click.option("--mission", "mission_ref", required=True, help="The mission (uuid or exact name).")
@click.option(
    "--what",
    type=click.Choice(exporter.WHATS),
    default="changes",
    show_default=True,
    help="changes: new since the last sync; trial: one whole trial; setup: the mission's set-up.",
)
@click.option("--trial", "trial_uuid", help="The trial's uuid (with --what trial).")
@click.option(
    "--encrypt", is_flag=True, help=f"Seal the bundle with a passphrase (≥ {MIN_PASSPHRASE} characters)."
)
@PASS_STDIN
@USER
def export_bundle_command(output, mission_ref, what, trial_uuid, encrypt, passphrase_stdin, username):
    """Write a bundle to OUTPUT for a USB stick or e-mail (see docs/bundle-format.md)."""
    db = _db()
    try:
        user = _user(db, username)
        try:
            mission = missions.find(db, mission_ref)
        except LookupError as error:
            raise click.ClickException(str(error)) from error
        trial = None
        if trial_uuid:
            trial = records.get(db, "trial", trial_uuid)
            if trial is None or trial["mission_id"] != mission["id"]:
                raise click.ClickException("No such trial in this mission.")
        passphrase = _passphrase(passphrase_stdin, confirm=True) if encrypt or passphrase_stdin else None
        if os.path.exists(output):
            raise click.ClickException(f"{output} exists; choose another name.")
        data, manifest = service.export(
            db, user, _actor(user), mission, what, trial=trial, passphrase=passphrase
        )
    except (exporter.ExportError, BundleError) as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()
    private_files.create_new(output, data)
    counts = ", ".join(f"{n} {t}" for t, n in manifest["counts"].items())
    click.echo(
        f"Wrote {output} ({len(data):,} bytes{', encrypted' if passphrase else ''}): "
        f"{counts or 'nothing new'}."
    )


@click.command("import-bundle")
@with_appcontext
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@PASS_STDIN
@USER
def import_bundle_command(bundle, dry_run, as_json, passphrase_stdin, username):
    """Import BUNDLE: new records added, newer versions taken, conflicts queued for a lead; all or nothing."""
    with open(bundle, "rb") as handle:
        data = handle.read()
    passphrase = _passphrase(passphrase_stdin, confirm=False) if is_sealed(data) else None
    db = _db()
    try:
        user = _user(db, username)
        report = service.import_(
            db,
            data,
            user,
            _actor(user),
            extra_dirs=current_app.config["CHECKLIST_DIRS"],
            passphrase=passphrase,
            dry_run=dry_run,
        )
    except BundleError as error:
        raise click.ClickException(f"{error} Nothing was imported.") from error
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
        return
    click.echo(service.summary(report))
    for kind, counts in report.counts.items():
        click.echo(f"  {kind}: " + ", ".join(f"{n} {a}" for a, n in counts.items() if n))
    if report.conflicts:
        click.echo(f"{len(report.conflicts)} conflicts wait in the conflict queue (Sync → Conflicts).")


@click.group("sync")
def sync_group():
    """Push to and pull from the mission server over HTTPS."""


@sync_group.command("configure")
@with_appcontext
@click.argument("url")
@click.option(
    "--token-stdin", is_flag=True, help="Read the API token from standard input instead of prompting."
)
@USER
def configure_command(url, token_stdin, username):
    """Keep the server's URL and your API token (made on your profile page on the server)."""
    token = sys.stdin.readline().strip() if token_stdin else click.prompt("API token", hide_input=True)
    db = _db()
    try:
        user = _user(db, username)
        account = client.configure(db, current_app.instance_path, url, token, user, _actor(user))
    except client.SyncError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()
    click.echo(f"Connected to {url} as {account.get('username')} ({account.get('display_name')}).")
    if account["linked"]:
        click.echo("This account here now carries the same identity as on the server.")


def _batch_size() -> int:
    return int(current_app.config.get("SYNC_HEARINGS_PER_PUSH", exporter.HEARINGS_PER_PUSH))


def _progress(done: int, total: int, what: str) -> None:
    if total:
        click.echo(f"  [{done}/{total}] {what}".rstrip(), err=True)


def _as_user(username: str | None, action):
    """Run ``action(db, user)`` as that account; a sync failure becomes the command's error message."""
    db = _db()
    try:
        return action(db, _user(db, username))
    except client.SyncError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.close()


@sync_group.command("pull")
@with_appcontext
@USER
def pull_command(username):
    """Bring the set-up (trials, defendants, assignments) of your missions from the server."""
    extra_dirs = current_app.config["CHECKLIST_DIRS"]
    totals = _as_user(
        username,
        lambda db, user: client.pull(
            db, current_app.instance_path, user, _actor(user), extra_dirs, _progress
        ),
    )
    click.echo(service.outcome("pull", totals))


@sync_group.command("push")
@with_appcontext
@USER
def push_command(username):
    """Send everything new since the last sync to the server (resumes where a cut connection stopped)."""
    totals = _as_user(
        username,
        lambda db, user: client.push(
            db, current_app.instance_path, user, _actor(user), _progress, _batch_size()
        ),
    )
    click.echo(service.outcome("push", totals))


@sync_group.command("status")
@with_appcontext
@USER
def status_command(username):
    """The server set up, the last push and pull, and what waits to be pushed."""
    db = _db()
    try:
        user = _user(db, username)
        remote = client.remote_status(db, current_app.instance_path)
        click.echo(f"Server: {remote['url'] if remote else 'not set up'}")
        if remote:
            click.echo(
                f"Last push: {remote.get('last_push_at') or 'never'}; "
                f"last pull: {remote.get('last_pull_at') or 'never'}"
            )
            if remote.get("last_error"):
                click.echo(f"Last error: {remote['last_error']}")
        for mission in service.missions_of(db, user):
            pending = exporter.pending_counts(db, user, mission)
            waiting = ", ".join(f"{n} {t}" for t, n in pending.items()) or "nothing"
            click.echo(f"{mission['name']}: {waiting} waiting to be pushed")
    finally:
        db.close()


COMMANDS = (export_bundle_command, import_bundle_command, sync_group)
