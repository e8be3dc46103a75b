"""Evidence files: attach, list, read the bytes, withdraw, and check that nothing changed.

The bytes live in ``evidence_blob`` (one row per distinct content, keyed by its SHA-256), inside the
database: an encrypted installation encrypts them like every other row, ``backup`` carries them, no plain
file is written. The metadata row (``evidence``) is written through :mod:`monitor.records`, so it has a
version and an audit entry; the entry carries the file's SHA-256 and size, never its bytes.
"""

import json

from sqlite_utils import Database

from .. import audit, records
from ..audit import Actor
from ..checklists import SOURCES
from ..db import atomic, utcnow
from . import files

TARGETS = ("defendant", "sitting", "witness", "allegation")  # what a file may be attached to
COLUMNS = {target: f"{target}_id" for target in TARGETS}
MAX_DESCRIPTION = 1000
MAX_REASON = 500


class EvidenceError(ValueError):
    """A file or a change refused; ``code`` says why (the page turns it into a message)."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code, self.details = code, details


def check(data: bytes, max_bytes: int) -> str:
    """The file's kind, or :class:`EvidenceError` (``empty``, ``too_large``, ``type``)."""
    if not data:
        raise EvidenceError("empty")
    if len(data) > max_bytes:
        raise EvidenceError("too_large", size=len(data))
    kind = files.sniff(data)
    if kind is None:
        raise EvidenceError("type")
    return kind


def store_blob(db: Database, data: bytes, digest: str) -> None:
    """Keep the bytes once per content (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO evidence_blob (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        [digest, len(data), data],
    )


def attach(
    db: Database,
    actor: Actor,
    user: dict,
    target_type: str,
    target: dict,
    *,
    filename: str,
    data: bytes,
    source: str = "",
    description: str = "",
    max_bytes: int,
) -> dict:
    """Attach ``data`` to ``target`` (a defendant, sitting, witness person or allegation row)."""
    if target_type not in TARGETS:
        raise EvidenceError("target")
    kind = check(data, max_bytes)
    if source not in ("", *SOURCES):
        raise EvidenceError("source")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise EvidenceError("description")
    digest = files.sha256(data)
    fields = {
        "trial_id": target["trial_id"],
        COLUMNS[target_type]: target["id"],
        "filename": files.clean_filename(filename),
        "kind": kind,
        "sha256": digest,
        "size": len(data),
        "source": source,
        "description": description,
        "recorded_by": user["id"],
        "withdrawn_at": None,
        "withdrawn_reason": "",
    }
    with atomic(db):
        store_blob(db, data, digest)
        return records.insert(db, "evidence", actor, fields, action="evidence.attach")


def target_of(evidence: dict) -> tuple[str, int]:
    """(target type, id) of the one record a file hangs on."""
    for target_type, column in COLUMNS.items():
        if evidence.get(column) is not None:
            return target_type, evidence[column]
    raise ValueError(f"evidence {evidence.get('uuid')} is attached to nothing")


def listed(db: Database, target_type: str, target_id: int) -> list[dict]:
    """The files of one record (withdrawn ones too, marked), first attached first."""
    column = COLUMNS[target_type]  # a constant, never user input
    return list(
        db.query(
            f"""
            SELECT evidence.*, user.display_name AS recorded_by_name, user.username AS recorded_by_username
            FROM evidence JOIN user ON user.id = evidence.recorded_by
            WHERE evidence.{column} = ? ORDER BY evidence.created_at, evidence.id
            """,  # noqa: S608
            [target_id],
        )
    )


def content(db: Database, evidence: dict) -> bytes | None:
    """The file's bytes; None once it was withdrawn (or its bytes are missing)."""
    if evidence["withdrawn_at"]:
        return None
    row = db.execute("SELECT content FROM evidence_blob WHERE sha256 = ?", [evidence["sha256"]]).fetchone()
    return bytes(row[0]) if row else None


def downloaded(db: Database, actor: Actor, evidence: dict) -> dict:
    """Audit one download, before the bytes are sent: who (the actor), which file (its uuid), its SHA-256
    and size. Never the bytes, and never the file's name: a name may carry a person's, the attach entry
    already holds it, and the uuid leads there — a download is not a reason to copy it again."""
    return audit.record(
        db,
        "evidence.download",
        actor,
        record_type="evidence",
        record_uuid=evidence["uuid"],
        after={"sha256": evidence["sha256"], "size": evidence["size"]},
    )


def withdraw(db: Database, actor: Actor, evidence: dict, reason: str) -> dict:
    """A lead takes a file back: its row stays (who attached it, when, its SHA-256 and size, and why it
    was withdrawn); its bytes are removed when no other file still in use has the same content."""
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("reason")
    if len(reason) > MAX_REASON:
        raise EvidenceError("reason_long")
    if evidence["withdrawn_at"]:
        raise EvidenceError("withdrawn")
    with atomic(db):
        row = records.update(
            db,
            "evidence",
            actor,
            evidence,
            {"withdrawn_at": utcnow(), "withdrawn_reason": reason},
            action="evidence.withdraw",
        )
        removed = purge_unused(db, evidence["sha256"])
        audit.record(
            db,
            "evidence.purge",
            actor,
            record_type="evidence",
            record_uuid=evidence["uuid"],
            after={"sha256": evidence["sha256"], "size": evidence["size"], "bytes_removed": removed},
        )
    return row


def purge_unused(db: Database, digest: str) -> bool:
    """Delete the blob of ``digest`` unless a file still in use has it; freed pages are zeroed
    (``secure_delete``) so a plain installation's file keeps no copy either (its WAL may, until the
    next checkpoint)."""
    in_use = db.execute(
        "SELECT 1 FROM evidence WHERE sha256 = ? AND withdrawn_at IS NULL LIMIT 1", [digest]
    ).fetchone()
    if in_use:
        return False
    db.execute("PRAGMA secure_delete = ON")
    return db.execute("DELETE FROM evidence_blob WHERE sha256 = ?", [digest]).rowcount > 0


def move(db: Database, actor: Actor, target_type: str, from_id: int, to_id: int) -> list[str]:
    """The files of one record now hang on another of the same kind (a witness merged into another);
    inside the caller's transaction. Returns their uuids."""
    column = COLUMNS[target_type]  # a constant
    moved = list(db.query(f"SELECT * FROM evidence WHERE {column} = ?", [from_id]))  # noqa: S608
    for row in moved:
        records.update(db, "evidence", actor, row, {column: to_id}, action="evidence.move")
    return [row["uuid"] for row in moved]


REMOVED_REASON = (
    "Removed on the observer's machine with the draft's witness or allegation it was attached to."
)


def remove_with(db: Database, actor: Actor, target_type: str, target_id: int) -> None:
    """A record removed (a draft's witness or allegation added by mistake): its files go with it. Each
    row is deleted (its audit entry keeps the name, SHA-256 and size) and its bytes when no file in use
    has them. Inside the caller's transaction, before the record itself is deleted.

    A file that had already crossed to another installation (it is in ``sync_record``) leaves a
    tombstone: the audit entry's ``after`` holds the file's next version, withdrawn, as a bundle carries
    it (no bytes), and the next ``changes`` bundle sends it, so the copy there is withdrawn and its bytes
    purged like after any withdrawal (see :func:`monitor.sync.exporter.removed_files`)."""
    column = COLUMNS[target_type]  # a constant
    for row in list(db.query(f"SELECT * FROM evidence WHERE {column} = ?", [target_id])):  # noqa: S608
        tombstone = _withdrawal(db, row) if _crossed(db, row["uuid"]) else None
        db.execute("DELETE FROM evidence WHERE id = ?", [row["id"]])
        audit.record(
            db,
            "evidence.remove",
            actor,
            record_type="evidence",
            record_uuid=row["uuid"],
            before={key: row[key] for key in ("filename", "kind", "sha256", "size", column)},
            after={"withdrawal": tombstone} if tombstone else None,
        )
        purge_unused(db, row["sha256"])


def _crossed(db: Database, evidence_uuid: str) -> bool:
    return db.execute("SELECT 1 FROM sync_record WHERE uuid = ?", [evidence_uuid]).fetchone() is not None


def _withdrawal(db: Database, row: dict) -> dict:
    """The bundle record of ``row``'s next version, withdrawn (read while its target still exists)."""
    from ..sync.content import KINDS, Reader  # the sync package imports this module

    now = utcnow()
    withdrawn = {
        **row,
        "withdrawn_at": now,
        "withdrawn_reason": REMOVED_REASON,
        "version": row["version"] + 1,
        "updated_at": now,
    }
    return Reader(db).record(KINDS["evidence"], withdrawn)


# Checking ---------------------------------------------------------------------------------------------

RECORDED = ("evidence.attach", "evidence.import")  # audit entries that say what a file's hash was


def verify(db: Database) -> list[str]:
    """What no longer fits (English, for ``audit-verify``): a blob whose bytes do not hash to its SHA-256,
    a file in use whose bytes are missing, a file whose SHA-256 differs from the one its audit entry
    recorded when it was attached or imported."""
    problems = []
    for row in db.query("SELECT id, sha256, size, content FROM evidence_blob ORDER BY id"):
        data = bytes(row["content"])
        if files.sha256(data) != row["sha256"] or len(data) != row["size"]:
            names = ", ".join(
                f"“{e['filename']}” ({e['uuid']})"
                for e in db.query("SELECT uuid, filename FROM evidence WHERE sha256 = ?", [row["sha256"]])
            )
            problems.append(
                f"Evidence bytes changed: the stored file with SHA-256 {row['sha256']} now hashes to "
                f"{files.sha256(data)} ({len(data)} bytes, {row['size']} recorded); files: {names or 'none'}"
            )
    recorded = {}
    actions = ", ".join(f"'{a}'" for a in RECORDED)  # constants
    for entry in db.query(
        f"SELECT record_uuid, after FROM audit WHERE record_type = 'evidence' AND action IN ({actions}) "  # noqa: S608
        "ORDER BY id"
    ):
        try:
            recorded[entry["record_uuid"]] = json.loads(entry["after"] or "{}").get("sha256")
        except (ValueError, AttributeError):
            recorded[entry["record_uuid"]] = None
    for evidence in db.query(
        "SELECT evidence.uuid, evidence.filename, evidence.sha256, evidence.withdrawn_at, "
        "evidence_blob.id AS blob FROM evidence LEFT JOIN evidence_blob ON evidence_blob.sha256 = "
        "evidence.sha256 ORDER BY evidence.id"
    ):
        name = f"“{evidence['filename']}” ({evidence['uuid']})"
        if evidence["uuid"] not in recorded:
            problems.append(f"Evidence file {name} has no audit entry recording its SHA-256")
        elif recorded[evidence["uuid"]] != evidence["sha256"]:
            problems.append(
                f"Evidence file {name}: SHA-256 {evidence['sha256']} differs from the "
                f"{recorded[evidence['uuid']]} its audit entry recorded"
            )
        if evidence["blob"] is None and not evidence["withdrawn_at"]:
            problems.append(f"Evidence file {name}: its bytes are missing")
    return problems


def totals(db: Database) -> tuple[int, int]:
    """(files in use, their bytes)."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(size), 0) FROM evidence WHERE withdrawn_at IS NULL"
    ).fetchone()
    return row[0], row[1]


# Reports ----------------------------------------------------------------------------------------------


def annex(
    db: Database, mission_id: int, trial_uuid: str | None = None, *, profile: str = "internal"
) -> list[dict]:
    """The files of a mission (or one trial) for a report's annex: name, kind, SHA-256, size and what each
    is attached to (by uuid: the report names it as its edition does), files in use only. Any edition but
    the internal one lists none attached to a witness or an allegation (the attachment could identify a
    witness); a public one gives no file names (a name may carry a person's)."""
    public = profile == "public"
    where = ["trial.mission_id = ?", "evidence.withdrawn_at IS NULL"]
    params: list[int | str] = [mission_id]
    if trial_uuid is not None:
        where.append("trial.uuid = ?")
        params.append(trial_uuid)
    if profile != "internal":
        where.append("evidence.witness_id IS NULL AND evidence.allegation_id IS NULL")
    rows = db.query(
        f"""
        SELECT evidence.*, trial.uuid AS trial_uuid, defendant.uuid AS defendant_uuid,
               sitting.sitting_date, sitting.session, witness.uuid AS witness_uuid,
               hearing.hearing_date AS allegation_date
        FROM evidence JOIN trial ON trial.id = evidence.trial_id
        LEFT JOIN defendant ON defendant.id = evidence.defendant_id
        LEFT JOIN sitting ON sitting.id = evidence.sitting_id
        LEFT JOIN witness ON witness.id = evidence.witness_id
        LEFT JOIN allegation ON allegation.id = evidence.allegation_id
        LEFT JOIN hearing ON hearing.id = allegation.hearing_id
        WHERE {" AND ".join(where)} ORDER BY trial.id, evidence.created_at, evidence.id
        """,  # noqa: S608 (constant pieces)
        params,
    )
    annexed = []
    for row in rows:
        target_type, _id = target_of(row)
        annexed.append(
            {
                "trial_uuid": row["trial_uuid"],
                "filename": "" if public else row["filename"],
                "kind": files.LABELS.get(row["kind"], row["kind"]),
                "sha256": row["sha256"],
                "size": row["size"],
                "attached_to": target_type,
                "defendant_uuid": row["defendant_uuid"],
                "sitting_date": row["sitting_date"],
                "witness_uuid": row["witness_uuid"],
                "allegation_date": row["allegation_date"],
                "source": row["source"],
            }
        )
    return annexed
