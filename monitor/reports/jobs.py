"""Long exports in the background: a thread per job, the job's state in the ``export_job`` table.

The state lives in the database, not in memory, so whichever server process answers the progress page
sees the job another process runs. Each job has its own app context and connection; the finished file
goes to ``instance/exports/<job uuid>.<ext>``, readable by the owner only. A job that a restart cut short
stays ``running`` until :func:`cleanup` marks it failed.
"""

import logging
import mimetypes
import os
import re
import threading
import uuid as uuidlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from flask import Flask
from sqlite_utils import Database

from .. import audit, private_files, records
from ..audit import Actor
from ..checklists import LANGUAGES
from ..db import atomic, connect, utcnow
from . import exports
from .redact import PROFILES

FOLDER = "exports"
RUNNING_AT_ONCE = 2  # per server process: each takes a core (a report also holds its findings in memory)
PER_USER = 2  # exports, reports and syncs one person may have queued or running at once, on every process
STALE_MINUTES = 60  # a job still "running" after this long was cut short by a restart: it no longer counts
INTERRUPTED = "The export was interrupted (the server stopped). Please start it again."
EXPIRED = "The file was deleted after {hours} hours. Please export again."

logger = logging.getLogger(__name__)
_slots = threading.BoundedSemaphore(RUNNING_AT_ONCE)


class JobLimit(RuntimeError):
    """The person already has ``limit`` jobs queued or running; nothing was started."""

    def __init__(self, limit: int):
        super().__init__(f"{limit} jobs are already running for this account; wait for one to finish.")
        self.limit = limit


def _running_for(db: Database, user_uuid: str) -> int:
    """How many of this person's jobs are queued or running (recent ones: an older one died in a restart)."""
    since = (datetime.now(UTC) - timedelta(minutes=STALE_MINUTES)).isoformat(timespec="milliseconds")
    return next(
        db.query(
            "SELECT count(*) AS n FROM export_job WHERE user_uuid = ? AND status IN ('queued', 'running') "
            "AND created_at > ?",
            [user_uuid, since.replace("+00:00", "Z")],
        )
    )["n"]


def export_folder(instance_path: str) -> str:
    """``instance/exports``, created owner-only."""
    folder = os.path.join(instance_path, FOLDER)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def get(db: Database, job_uuid: str) -> dict | None:
    """The job with this uuid, or ``None``."""
    return next(db.query("SELECT * FROM export_job WHERE uuid = ?", [job_uuid]), None)


def _row(db: Database, job_uuid: str) -> dict:
    job = get(db, job_uuid)
    if job is None:
        raise LookupError(f"export job {job_uuid} vanished inside its own transaction")
    return job


def recent(db: Database, mission_uuid: str, user_uuid: str, limit: int = 10) -> list[dict]:
    """A user's latest jobs for one mission, newest first."""
    return list(
        db.query(
            "SELECT * FROM export_job WHERE mission_uuid = ? AND user_uuid = ? ORDER BY id DESC LIMIT ?",
            [mission_uuid, user_uuid, limit],
        )
    )


def summary(job: dict) -> dict:
    """What a progress page may show of a job (no file path, no user)."""
    fields = ("uuid", "kind", "fmt", "profile", "lang", "status", "done", "total", "message", "error")
    return {
        **{name: job[name] for name in fields},
        "created_at": job["created_at"],
        "finished_at": job["finished_at"],
        "percent": int(100 * job["done"] / job["total"]) if job["total"] else 0,
        "has_file": bool(job["file_path"]) and os.path.exists(job["file_path"]),
    }


def _update(db: Database, job_uuid: str, **fields) -> None:
    with atomic(db):
        db.table("export_job").update(_id(db, job_uuid), fields)


def _id(db: Database, job_uuid: str) -> int:
    return next(db.query("SELECT id FROM export_job WHERE uuid = ?", [job_uuid]))["id"]


def mark_progress(db: Database, job_uuid: str, done: int, total: int, message: str) -> None:
    """Record how far a job has got: ``done`` of ``total`` steps, and what it is doing now."""
    with atomic(db):
        db.execute(
            "UPDATE export_job SET done = ?, total = ?, message = ? WHERE uuid = ?",
            [done, total, message, job_uuid],
        )


def start(app: Flask, kind: str, func: Callable, *args, **fields) -> str:
    """Record a queued job and run ``func(db, progress, *args)`` in a thread; return the job's uuid.

    ``fields`` fill the job's other columns (``user_uuid``, ``mission_uuid``, ``fmt``, ``profile``,
    ``lang``). ``func`` gets its own connection and ``progress(done, total, message)``, and returns
    ``None`` or ``(content, mimetype, filename)``: the content is kept as the job's file. The content is
    bytes, or a function that writes the file into the binary file it is given (a large export goes
    straight to disk). Whatever either raises ends the job ``failed`` with the exception's message.

    :class:`JobLimit` when ``fields["user_uuid"]`` already has :data:`PER_USER` jobs queued or running
    (counted and recorded in one write transaction, so parallel requests cannot slip past the count).
    """
    job_uuid = str(uuidlib.uuid4())
    db = connect(app.config["DATABASE"])
    try:
        with atomic(db):
            if fields.get("user_uuid") and _running_for(db, fields["user_uuid"]) >= PER_USER:
                raise JobLimit(PER_USER)
            db.table("export_job").insert(
                {"uuid": job_uuid, "kind": kind, "status": "queued", "created_at": utcnow(), **fields}
            )
    finally:
        db.close()
    thread = threading.Thread(
        target=_run, args=(app, job_uuid, func, args), name=f"{kind}-job-{job_uuid}", daemon=True
    )
    thread.start()
    return job_uuid


def _run(app: Flask, job_uuid: str, func: Callable, args: tuple) -> None:
    with _slots, app.app_context():
        db = connect(app.config["DATABASE"])

        def progress(done: int, total: int, message: str) -> None:
            mark_progress(db, job_uuid, done, total, message)

        try:
            _update(db, job_uuid, status="running")
            result = func(db, progress, *args)
            path = _store(app.instance_path, job_uuid, result[0], result[2]) if result else None
            _update(db, job_uuid, status="done", file_path=path, finished_at=utcnow())
        except Exception as error:  # the job's failure is its state; nothing to raise into
            logger.exception("job %s (%s) failed", job_uuid, getattr(func, "__name__", "?"))
            try:
                message = str(error) or type(error).__name__
                _update(db, job_uuid, status="failed", error=message, finished_at=utcnow())
            except Exception:
                logger.exception("could not record the failure of job %s", job_uuid)
        finally:
            db.close()


def _store(
    instance_path: str, job_uuid: str, content: bytes | Callable[[BinaryIO], object], filename: str
) -> str:
    """Write the job's file owner-only, under its final name only once it is complete."""
    extension = re.sub(r"[^a-z0-9]", "", os.path.splitext(filename)[1].lower())
    path = os.path.join(export_folder(instance_path), f"{job_uuid}.{extension or 'bin'}")
    private_files.replace(path, content)
    return path


def _export(
    db: Database, progress: Callable, mission_uuid: str, fmt: str, profile: str, lang: str, instance_path
):
    mission = records.get(db, "mission", mission_uuid)
    if mission is None:
        raise LookupError("The mission no longer exists.")

    def write(out: BinaryIO) -> None:
        exports.write_export(out, db, mission, fmt, profile, lang, instance_path, progress)

    return write, exports.FORMATS[fmt][0], exports.filename(mission, fmt, profile)


def start_export(
    app: Flask, user, mission: dict, fmt: str, profile: str, lang: str, actor: Actor | None = None
) -> dict:
    """Start exporting ``mission`` for ``user`` (a user row, or the signed-in ``User``); return the job.

    The export is audited as ``data.export`` by ``actor`` (from a view: ``auth.request_actor()``; by
    default the user). :class:`ValueError` for an unknown format, profile or language. Who may export
    which profile is the caller's check. Files older than a day are cleaned up on the way.
    """
    if fmt not in exports.FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(exports.FORMATS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    row = getattr(user, "row", user)
    actor = actor or Actor(uuid=row["uuid"], name=row["username"])
    db = connect(app.config["DATABASE"])
    try:
        cleanup(db, app.instance_path)
        job_uuid = start(
            app,
            "export",
            _export,
            mission["uuid"],
            fmt,
            profile,
            lang,
            app.instance_path,
            user_uuid=row["uuid"],
            mission_uuid=mission["uuid"],
            fmt=fmt,
            profile=profile,
            lang=lang,
        )
        audit.record(
            db,
            "data.export",
            actor,
            record_type="mission",
            record_uuid=mission["uuid"],
            after={"format": fmt, "profile": profile, "lang": lang, "job": job_uuid},
        )
        return _row(db, job_uuid)
    finally:
        db.close()


def file_for(db: Database, job: dict) -> tuple[str, str, str] | None:
    """``(path, mimetype, download name)`` of a finished export whose file is still there, else ``None``."""
    if job["status"] != "done" or not job["file_path"] or not os.path.exists(job["file_path"]):
        return None
    mission = records.get(db, "mission", job["mission_uuid"]) or {
        "name": "mission",
        "uuid": job["mission_uuid"] or "",
    }
    day = (job["finished_at"] or job["created_at"])[:10]
    if job["fmt"] in exports.FORMATS:
        return (
            job["file_path"],
            exports.FORMATS[job["fmt"]][0],
            exports.filename(mission, job["fmt"], job["profile"], day),
        )
    # A report: its own kind of file, named after the mission (never in a public file), the report and
    # the profile.
    mimetype = mimetypes.guess_type(job["file_path"])[0] or "application/octet-stream"
    stem = exports.filename(mission, "json", job["profile"], day).rsplit(".", 1)[0]
    return job["file_path"], mimetype, f"{stem}-{job['kind']}.{job['fmt']}"


def cleanup(db: Database, instance_path: str, older_than_hours: float = 24) -> int:
    """Delete export files older than ``older_than_hours`` and mark their jobs; return how many files went.

    Jobs still queued or running after that long were cut short by a restart: they are marked failed.
    Stray files (a ``.part`` left by a crash, a file whose job is gone) are removed too.
    """
    cutoff_time = datetime.now(UTC) - timedelta(hours=older_than_hours)
    cutoff = cutoff_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    removed = 0
    old = list(
        db.query(
            "SELECT uuid, file_path FROM export_job WHERE file_path IS NOT NULL "
            "AND coalesce(finished_at, created_at) < ?",
            [cutoff],
        )
    )
    for job in old:
        removed += _remove(job["file_path"])
        _update(db, job["uuid"], file_path=None, message=EXPIRED.format(hours=f"{older_than_hours:g}"))
    with atomic(db):
        db.execute(
            "UPDATE export_job SET status = 'failed', error = ?, finished_at = ? "
            "WHERE status IN ('queued', 'running') AND created_at < ?",
            [INTERRUPTED, utcnow(), cutoff],
        )
    folder = os.path.join(instance_path, FOLDER)
    if os.path.isdir(folder):
        kept = {
            row["file_path"]
            for row in db.query("SELECT file_path FROM export_job WHERE file_path IS NOT NULL")
        }
        for entry in os.scandir(folder):
            stale = entry.stat().st_mtime < cutoff_time.timestamp()
            if entry.is_file() and stale and entry.path not in kept:
                removed += _remove(entry.path)
    return removed


def _remove(path: str) -> int:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return 0
    return 1
