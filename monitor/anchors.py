"""Anchors: the audit log's head written outside the database, so a removed tail or a re-chained log shows.

The hash chain (``audit.py``) proves the rows fit together, not that none were cut off the end or that the
whole log was not rewritten and re-chained by someone holding the file. An **anchor** — how many entries the
log had, the hash of the last one, when, and which log (the hash of its first entry) — written somewhere else
settles that: a later log must still hold that entry with that hash.

Anchors live in an append-only file beside the database (``monitor.anchors.jsonl`` next to
``monitor.sqlite``, owner-only), one JSON object a line, each line carrying the SHA-256 of the line before it.
A line is added

- after a request, when the log has grown by ``AUDIT_ANCHOR_ROWS`` entries or the last anchor is older than
  ``AUDIT_ANCHOR_SECONDS`` and the log has grown (the check costs one indexed query);
- when a server or command-line process ends (not on ``kill -9`` or a power cut);
- at every backup (the backup's own anchor is also written beside it, ``FILE.anchor.json``);
- by ``flask --app monitor audit-anchor``.

A line is only added when the log still holds the previous anchor: a shortened or rewritten log is never
anchored over (``audit-anchor --reset`` starts again, visibly, after a restore from a backup). Bundle
manifests and printed reports carry the head too; ``audit-verify --anchor`` checks against any of them.
What remains undetectable is said in ``docs/audit.md``.
"""

import atexit
import fcntl
import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app, g
from sqlite_utils import Database

from .audit import GENESIS, canonical_json
from .db import ERRORS as DB_ERRORS
from .db import connect, utcnow
from .vault import keys as vault_keys

FORMAT = 1
SUFFIX = ".anchors.jsonl"
EVERY_ROWS = 100  # defaults for AUDIT_ANCHOR_ROWS / AUDIT_ANCHOR_SECONDS
EVERY_SECONDS = 60
HEX = re.compile(r"[0-9a-f]{16,64}")
TAIL_BYTES = 8192  # a line is a few hundred bytes: the last one is always in the file's last 8 KiB

logger = logging.getLogger(__name__)
# path → (rows anchored, time.monotonic() of that anchor), so most requests decide without the file.
_known: dict[str, tuple[int, float]] = {}
_refused: set[tuple[str, str]] = set()


class AnchorError(Exception):
    """An anchor that cannot be written or read; the message says why."""


@dataclass
class Anchor:
    rows: int
    head: str
    at: str = ""
    installation: str = ""  # the hash of the log's first entry: which log this anchor is of
    reason: str = ""
    source: str = ""  # where it was read: "line 12 of …", a file name
    note: str = ""  # why the anchors started again (a reset), or the backup's file name

    def short(self) -> str:
        return f"{self.rows} entries, head {self.head[:16]}"

    def as_json(self) -> dict:
        return {
            "v": FORMAT,
            "installation": self.installation,
            "rows": self.rows,
            "head": self.head,
            "at": self.at,
            "reason": self.reason,
        }


# Reading the log's head -------------------------------------------------------------------------------


def _conn(db: Database | sqlite3.Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, Database) else db


def head(db: Database | sqlite3.Connection) -> Anchor:
    """The committed head of the log as an anchor (two indexed reads; no chain walk)."""
    conn = _conn(db)
    last = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    first = conn.execute("SELECT hash FROM audit WHERE id = 1").fetchone()
    return Anchor(
        rows=last[0] if last else 0,
        head=last[1] if last else GENESIS,
        at=utcnow(),
        installation=first[0] if first else "",
    )


def manifest_anchor(db: Database) -> dict:
    """What a bundle's manifest carries: ``{"rows", "head"}``."""
    now = head(db)
    return {"rows": now.rows, "head": now.head}


def from_manifest(manifest: dict) -> dict | None:
    """The sender's anchor from an incoming manifest (untrusted), or None when it has no valid one."""
    value = manifest.get("audit_anchor")
    if not isinstance(value, dict):
        return None
    rows, head_hash = value.get("rows"), value.get("head")
    if (
        type(rows) is int
        and rows >= 0
        and isinstance(head_hash, str)
        and re.fullmatch("[0-9a-f]{64}", head_hash)
    ):
        return {"rows": rows, "head": head_hash}
    return None


# Checking an anchor against the log -------------------------------------------------------------------

PROBLEMS = {
    "removed": "entries anchored earlier are missing: the end of the log was removed",
    "rewritten": "the entry at the anchored count is not the one anchored: the log was rewritten, re-chained",
    "other": "the anchor is of another log (its first entry differs): another installation's anchor, or this "
    "log was rewritten from its first entry",
    "file": "the anchor file is damaged or was edited",
    "copy": "the anchor file here does not hold the lines of the copy: it was rewritten or cut short",
}


@dataclass
class AnchorCheck:
    ok: bool
    checked: int = 0  # anchors checked
    latest: Anchor | None = None  # the anchor with the most entries that the log holds
    problem: str = ""  # a key of PROBLEMS
    message: str = ""  # English, for the command line
    anchor: Anchor | None = None  # the anchor that failed
    rows_now: int = 0
    resets: list[Anchor] = field(default_factory=list)


def mismatch(db: Database | sqlite3.Connection, anchor: Anchor, now: Anchor | None = None) -> str:
    """Why the log does not hold ``anchor`` (a key of :data:`PROBLEMS`), or "" when it does. A head of
    16 hex digits or more (a printed report) is compared as a prefix."""
    now = now or head(db)
    if anchor.installation and now.installation and anchor.installation != now.installation:
        return "other"
    if anchor.rows == 0:
        return ""
    if anchor.rows > now.rows:
        return "removed"
    row = _conn(db).execute("SELECT hash FROM audit WHERE id = ?", [anchor.rows]).fetchone()
    return "" if row is not None and row[0].startswith(anchor.head) else "rewritten"


def explain(problem: str, anchor: Anchor, now: Anchor) -> str:
    where = f"the anchor of {anchor.at or 'unknown time'} ({anchor.source or 'given'})"
    if problem == "removed":
        return (
            f"Audit log NOT as anchored: {where} says {anchor.rows} entries, the log has {now.rows} — "
            f"the last {anchor.rows - now.rows} entries were removed."
        )
    if problem == "rewritten":
        return (
            f"Audit log NOT as anchored: entry {anchor.rows} is not the one in {where} (head "
            f"{anchor.head[:16]}…) — the log was rewritten and re-chained."
        )
    return f"Audit log NOT as anchored: {where}: {PROBLEMS[problem]}."


def check(db: Database, anchors: list[Anchor]) -> AnchorCheck:
    """Does the log hold every one of these anchors? The first one it does not hold is reported."""
    now = head(db)
    result = AnchorCheck(ok=True, rows_now=now.rows)
    for anchor in anchors:
        problem = mismatch(db, anchor, now)
        if problem:
            return AnchorCheck(
                False, result.checked, result.latest, problem, explain(problem, anchor, now), anchor, now.rows
            )
        result.checked += 1
        if result.latest is None or anchor.rows >= result.latest.rows:
            result.latest = anchor
    return result


# The anchor file -------------------------------------------------------------------------------------


def path_for(database: str) -> str:
    """The anchor file beside a database: ``instance/monitor.sqlite`` → ``instance/monitor.anchors.jsonl``."""
    return os.path.splitext(database)[0] + SUFFIX


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def parse(line: bytes, source: str) -> tuple[Anchor, str]:
    """One anchor from one line (or a ``.anchor.json``), and the ``prev`` it names; AnchorError if not one."""
    try:
        value = json.loads(line)
    except ValueError as error:
        raise AnchorError(f"{source}: not JSON") from error
    if not isinstance(value, dict) or value.get("v") != FORMAT:
        raise AnchorError(f"{source}: not an anchor of format {FORMAT}")
    rows, head_hash = value.get("rows"), value.get("head")
    if type(rows) is not int or rows < 0 or not isinstance(head_hash, str) or not HEX.fullmatch(head_hash):
        raise AnchorError(f"{source}: no valid entry count and head hash")
    text = {k: value.get(k) for k in ("at", "installation", "reason", "note")}
    if not all(isinstance(v, str | None) for v in text.values()):
        raise AnchorError(f"{source}: a field is not text")
    anchor = Anchor(rows, head_hash, **{k: v or "" for k, v in text.items()}, source=source)
    return anchor, str(value.get("prev", ""))


def read_file(path: str) -> tuple[list[Anchor], list[str]]:
    """Every anchor of an anchor file, in order, and each line's hash; AnchorError naming the first line
    that is not an anchor or does not carry the hash of the line before it."""
    anchors, hashes, previous = [], [], GENESIS
    with open(path, "rb") as f:
        for number, line in enumerate(f, 1):
            source = f"line {number} of {path}"
            if not line.endswith(b"\n"):
                raise AnchorError(f"{source}: cut short (no end of line)")
            anchor, prev = parse(line, source)
            if prev != previous:
                raise AnchorError(f"{source}: does not carry the hash of the line before it")
            previous = line_hash(line)
            anchors.append(anchor)
            hashes.append(previous)
    return anchors, hashes


def since_reset(anchors: list[Anchor]) -> tuple[list[Anchor], list[Anchor]]:
    """The anchors that count (from the last reset on), and the resets."""
    resets = [a for a in anchors if a.reason == "reset"]
    start = max((i for i, a in enumerate(anchors) if a.reason == "reset"), default=0)
    return anchors[start:], resets


def check_file(db: Database, path: str, *, latest_only: bool = False) -> AnchorCheck:
    """The log against this installation's anchor file: every anchor since the last reset (or only the
    last line, for a page). No file yet is fine — a fresh installation has nothing anchored."""
    if not os.path.exists(path):
        return AnchorCheck(ok=True, rows_now=head(db).rows)
    try:
        if latest_only:
            last = _last_line(path)
            anchors = [parse(last, f"last line of {path}")[0]] if last else []
            resets = [a for a in anchors if a.reason == "reset"]
        else:
            anchors, _hashes = read_file(path)
            anchors, resets = since_reset(anchors)
    except (AnchorError, OSError) as error:
        return AnchorCheck(
            False, problem="file", message=f"Anchor file damaged: {error}.", rows_now=head(db).rows
        )
    result = check(db, anchors)
    result.resets = resets
    return result


def _last_line(path: str) -> bytes:
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - TAIL_BYTES))
        lines = [line for line in f.read().splitlines(keepends=True) if line.endswith(b"\n")]
    return lines[-1] if lines else b""  # a last line cut short is no anchor (the next write removes it)


def _open_locked(path: str) -> int:
    """The anchor file opened for appending (created owner-only), under an exclusive lock."""
    created = not os.path.exists(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.fchmod(fd, 0o600)
        if created:
            folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _tail(fd: int) -> bytes:
    """The last complete line of the anchor file. A last line cut short (a power cut mid-write) is
    removed: it was never a whole anchor, and the next line must follow the last whole one."""
    size = os.fstat(fd).st_size
    start = max(0, size - TAIL_BYTES)
    data = os.pread(fd, size - start, start)
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n")
        if cut < 0 and start > 0:
            raise AnchorError("the anchor file ends in a line longer than any anchor")
        os.ftruncate(fd, start + cut + 1)
        data = data[: cut + 1]
    lines = data.splitlines(keepends=True)
    if start > 0 and lines:
        lines = lines[1:]  # the first may be a part of a line
    return lines[-1] if lines else b""


def write(
    db: Database,
    path: str,
    reason: str,
    anchor: Anchor | None = None,
    *,
    note: str = "",
    every: tuple[int, float] | None = None,
) -> Anchor | None:
    """Append an anchor (``anchor``, else the log's head now) to the anchor file; return it.

    With ``every=(rows, seconds)`` the line is only added when the last one is that many entries behind or
    that old (and behind): None when not due. Raises :class:`AnchorError` when the log does not hold the
    last anchor or the new one — a shortened or rewritten log is never anchored over — unless ``reason`` is
    "reset", which starts again from the log as it is (its ``note`` says why).
    """
    fd = _open_locked(path)
    try:
        last_line = _tail(fd)
        last = parse(last_line, f"last line of {path}")[0] if last_line else None
        now = head(db)
        anchor = anchor or now
        if anchor.rows == 0 and reason != "reset":
            return None  # nothing to anchor yet
        if every and last is not None:
            rows, seconds = every
            behind = now.rows - last.rows
            if behind <= 0 or (behind < rows and _age(last.at) < seconds):
                _known[path] = (last.rows, time.monotonic() - _age(last.at))
                return None
        for held in (last, anchor) if reason != "reset" else ():
            problem = mismatch(db, held, now) if held is not None else ""
            if problem and held is not None:
                raise AnchorError(explain(problem, held, now))
        line = {
            **Anchor(anchor.rows, anchor.head, utcnow(), now.installation, reason).as_json(),
            "prev": line_hash(last_line) if last_line else GENESIS,
        }
        if note:
            line["note"] = note[:500]
        os.write(fd, (canonical_json(line) + "\n").encode())
        os.fsync(fd)
        if anchor.rows >= (last.rows if last else 0):
            _known[path] = (anchor.rows, time.monotonic())
        return Anchor(anchor.rows, anchor.head, line["at"], now.installation, reason, path)
    finally:
        os.close(fd)


def _age(at: str) -> float:
    """Seconds since an anchor's UTC time (huge when unreadable, so a due anchor is written)."""
    try:
        then = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return float("inf")
    return max(0.0, time.time() - then.timestamp())


def due(db: Database, path: str, rows: int, seconds: float) -> bool:
    """Cheap: might an anchor be due (one indexed read and this process's memory of the last anchor)?"""
    now_rows = _conn(db).execute("SELECT max(id) FROM audit").fetchone()[0] or 0
    known = _known.get(path)
    if known is None:
        return now_rows > 0
    anchored, when = known
    return now_rows > anchored and (now_rows - anchored >= rows or time.monotonic() - when >= seconds)


def maybe_write(
    db: Database, path: str, rows: int, seconds: float, reason: str = "interval"
) -> Anchor | None:
    """Add an anchor when one is due; a refusal is logged once (the page and ``audit-verify`` say why)."""
    if not due(db, path, rows, seconds):
        return None
    try:
        return write(db, path, reason, every=(rows, seconds))
    except (AnchorError, OSError) as error:
        key = (path, str(error))
        if key not in _refused:
            _refused.add(key)
            logger.error("audit anchor not written to %s: %s", path, error)
        return None


# Anchors kept elsewhere: a copied anchor file, a backup's .anchor.json, a manifest, a printed head ----


def load(value: str) -> tuple[list[Anchor], list[str] | None]:
    """The anchors in ``value`` — a file (an anchor file, a ``.anchor.json``, a bundle's manifest.json, a
    text with a printed footer) or the footer's text itself ("Audit log: 1234 entries, head 0123…"). The
    line hashes come too when it is an anchor file. AnchorError when there is no anchor in it."""
    if os.path.isfile(value):
        with open(value, "rb") as f:
            data = f.read()
        source = value
    else:
        data, source = value.encode(), "given on the command line"
    text = data.decode("utf-8", errors="replace").strip()
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict) and "prev" not in whole:  # a backup's .anchor.json, or a manifest
        if isinstance(whole.get("audit_anchor"), dict):
            whole = {"v": FORMAT, **whole["audit_anchor"], "at": whole.get("created_at", "")}
        return [parse(json.dumps(whole).encode(), source)[0]], None
    if text.startswith("{") and source == value:  # an anchor file: each line a JSON object
        return read_file(value)
    found = re.search(r"(\d+)\D.*?\b([0-9a-f]{16,64})\b", text, re.S)
    if not found:
        raise AnchorError(
            f"{source}: no anchor in it (an anchor file, a backup's .anchor.json, a bundle manifest, or a "
            "report's footer such as 'Audit log: 1234 entries, head 0123456789abcdef')"
        )
    return [Anchor(int(found.group(1)), found.group(2), source=source)], None


def check_copy(db: Database, path: str, value: str) -> AnchorCheck:
    """The log against anchors kept off the machine; a copied anchor file must also still be the start of
    the anchor file here (else that file was rewritten or cut short)."""
    try:
        anchors, hashes = load(value)
    except (AnchorError, OSError) as error:
        return AnchorCheck(False, problem="file", message=f"Cannot read the anchor: {error}.")
    result = check(db, anchors)
    if result.ok and hashes is not None:
        try:
            _here, here = read_file(path) if os.path.exists(path) else ([], [])
        except AnchorError:
            here = []
        if here[: len(hashes)] != hashes:
            line = next((i for i, h in enumerate(hashes) if i >= len(here) or here[i] != h), 0) + 1
            return AnchorCheck(
                False,
                result.checked,
                result.latest,
                "copy",
                f"The anchor file here does not hold line {line} of the copy {value}: {PROBLEMS['copy']}.",
                rows_now=result.rows_now,
            )
    return result


# Hooks: after requests, and when the process ends --------------------------------------------------

_at_exit: set[str] = set()


def _anchor_at_exit() -> None:
    for database in sorted(_at_exit):
        if not os.path.exists(database) or vault_keys.is_locked(database):
            continue  # a locked installation was anchored when it locked (monitor/vault/lock.py)
        db = connect(database)
        try:
            path = path_for(database)
            if due(db, path, 1, 0):
                write(db, path, "shutdown", every=(1, 0))
        except (AnchorError, OSError, *DB_ERRORS, vault_keys.Locked) as error:
            logger.error("audit anchor not written at exit to %s: %s", database, error)
        finally:
            db.close()


def anchor_at_exit(database: str) -> None:
    """Anchor this database's log when the process ends cleanly (registered once per process)."""
    if not _at_exit:
        atexit.register(_anchor_at_exit)
    _at_exit.add(database)


def _after_request(error: BaseException | None) -> None:
    """Anchor the log when due, after a request that used the database and left no transaction open."""
    db = g.get("db")
    if db is None or error is not None or db.conn.in_transaction:
        return
    config = current_app.config
    try:
        maybe_write(
            db,
            path_for(config["DATABASE"]),
            config.get("AUDIT_ANCHOR_ROWS", EVERY_ROWS),
            config.get("AUDIT_ANCHOR_SECONDS", EVERY_SECONDS),
        )
    except DB_ERRORS as error:
        logger.error("audit anchor not checked: %s", error)


def init_app(app: Flask) -> None:
    app.teardown_request(_after_request)
    if not app.testing:
        anchor_at_exit(app.config["DATABASE"])
