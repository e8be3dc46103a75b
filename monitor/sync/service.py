"""The few steps every way in (command line, pages, API) takes the same: find, export, import, audit."""

import logging

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlite_utils import Database

from .. import audit
from ..audit import Actor
from ..missions import records as missions
from . import exporter
from .bundle import BundleError
from .importer import Report, checklists_installed, import_bundle

logger = logging.getLogger(__name__)

# Where a bundle came from or went, in the sync log and the audit log.
FILE, HTTP = "file", "http"


def checklist_for(extra_dirs: list[str]):
    """The importer's way to this installation's checklists (built in, and those in ``extra_dirs``)."""
    return lambda checklist_id, version: checklists_installed(checklist_id, version, extra_dirs)


def missions_of(db: Database, user: dict) -> list[dict]:
    """The missions a user takes part in here (every mission for an administrator), with their ``part``."""
    return [{**m, "part": m["my_role"] or "lead"} for m in missions.missions_for(db, user)]


def export(
    db: Database,
    user: dict,
    actor: Actor,
    mission: dict,
    what: str,
    *,
    trial: dict | None = None,
    passphrase: str | None = None,
    peer: str = FILE,
    mark_sent: bool = True,
) -> tuple[bytes, dict]:
    """Write a bundle, remember what left (unless ``mark_sent`` is False), audit it. Raises ExportError /
    BundleError with a message.

    A pull over HTTP (a GET) marks nothing: what a laptop fetched is not "sent" for this machine's own
    pushes and exports, and a GET must not change what they carry. Only its audit entry is written."""
    records = exporter.stream(db, user, mission, what, trial=trial)
    data, manifest, sent = exporter.build(
        db, user, mission, records, what, trial=trial, passphrase=passphrase
    )
    if mark_sent:
        exporter.mark_sent(db, sent, manifest, peer, user)
    audit.record(
        db,
        "sync.export",
        actor,
        record_type="mission",
        record_uuid=mission["uuid"],
        after={
            "bundle": manifest["bundle_uuid"],
            "kind": what,
            "trial": trial["uuid"] if trial else None,
            "counts": manifest["counts"],
            "encrypted": bool(passphrase),
            "to": peer,
        },
    )
    return data, manifest


def import_(
    db: Database,
    data: bytes,
    user: dict,
    actor: Actor,
    *,
    extra_dirs: list[str],
    passphrase: str | None = None,
    dry_run: bool = False,
    link_account: bool | str = True,
) -> Report:
    """Import a bundle as ``user``; a set-up bundle links the importer's account to its server twin.

    A bundle is untrusted input: a shape the checks did not foresee (a list where an object belongs, deep
    inside a record, or a value nested deeper than Python parses) is reported as an unreadable bundle —
    the transaction has rolled back by then."""
    try:
        return import_bundle(
            db,
            data,
            user,
            actor,
            passphrase=passphrase,
            dry_run=dry_run,
            checklist_for=checklist_for(extra_dirs),
            link_account=link_account,
        )
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        logger.warning("bundle refused: unexpected shape (%s: %s)", type(error).__name__, error)
        raise BundleError(
            "The bundle has an entry this installation cannot read. Nothing was imported."
        ) from error


def summary(report: Report) -> str:
    """One line for people: what the import did (or would do)."""
    totals = {
        action: report.total(action) for action in ("inserted", "updated", "unchanged", "older", "conflict")
    }
    verb = "Would import" if report.dry_run else "Imported"
    return (
        f"{verb}: {totals['inserted']} new, {totals['updated']} updated, {totals['unchanged']} unchanged, "
        f"{totals['older']} older than here (skipped), {totals['conflict']} conflicts for a lead."
    )


def trial_of(db: Database, mission: dict, trial_uuid: str) -> dict | None:
    return next(
        db.query("SELECT * FROM trial WHERE uuid = ? AND mission_id = ?", [trial_uuid, mission["id"]]), None
    )


def recent_bundles(db: Database, user_uuid: str, limit: int = 15) -> list[dict]:
    """The bundles this account sent or received lately, newest first."""
    return list(
        db.query(
            "SELECT sync_bundle.*, mission.name AS mission_name FROM sync_bundle "
            "LEFT JOIN mission ON mission.uuid = sync_bundle.mission_uuid WHERE sync_bundle.user_uuid = ? "
            "ORDER BY sync_bundle.id DESC LIMIT ?",
            [user_uuid, limit],
        )
    )


def outcome(direction: str, totals: dict) -> str:
    """What a push or a pull did, in a sentence for people."""
    if direction == "push":
        if not totals["bundles"]:
            return _("Nothing new to push.")
        return _(
            "Pushed %(records)s in %(bundles)s: %(inserted)d new and %(updated)d updated on the server, "
            "%(conflict)d conflicts for a lead there.",
            records=ngettext("%(num)d record", "%(num)d records", totals["records"]),
            bundles=ngettext("%(num)d bundle", "%(num)d bundles", totals["bundles"]),
            inserted=totals["inserted"],
            updated=totals["updated"],
            conflict=totals["conflict"],
        )
    return _(
        "Pulled %(missions)s: %(inserted)d new, %(updated)d updated, %(conflict)d conflicts.",
        missions=ngettext("%(num)d mission", "%(num)d missions", totals["missions"]),
        inserted=totals["inserted"],
        updated=totals["updated"],
        conflict=totals["conflict"],
    )
