"""Unlocking and locking an encrypted installation: the area logic behind the unlock page and the lock.

Every unlock and every lock ends every session (each user's ``session_version`` goes up), so whoever
comes to the laptop after either has to sign in again, and deletes the export files waiting in the
instance folder (they are written in clear). Failed unlocks cannot be written to the
encrypted audit log while it is locked: they are counted in memory (and logged at once), and written to
the audit log by the next successful unlock.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from .. import anchors, audit
from ..audit import Actor
from ..db import atomic, connect, utcnow
from ..reports import jobs
from . import convert, keys

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass
class _Attempts:
    failures: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, at, address)
    unaudited: list[dict] = field(default_factory=list)


_attempts: dict[str, _Attempts] = {}
_instances: dict[str, str] = {}  # database → its instance folder (where export files are written)
_guard = threading.Lock()


def _state(database: str) -> _Attempts:
    return _attempts.setdefault(keys._id(database), _Attempts())


def throttled(database: str, address: str, limit: int) -> bool:
    """True once ``limit`` unlocks failed in the last minute from this address, or 2 × ``limit`` from
    anywhere (a passphrase guessed from many addresses is still guessed)."""
    now = time.monotonic()
    with _guard:
        state = _state(database)
        state.failures = [f for f in state.failures if now - f[0] < WINDOW_SECONDS]
        mine = sum(1 for f in state.failures if f[2] == address)
        return mine >= limit or len(state.failures) >= 2 * limit


def _failed(database: str, address: str) -> None:
    at = utcnow()
    with _guard:
        state = _state(database)
        state.failures.append((time.monotonic(), at, address))
        if len(state.unaudited) < 1000:
            state.unaudited.append({"at": at, "address": address})
    logger.warning("unlock failed: wrong passphrase from %s", address)


def end_all_sessions(db) -> int:
    """Every user's cookies stop working (the session id carries the session version)."""
    return db.execute("UPDATE user SET session_version = session_version + 1").rowcount


def remove_exports(db, database: str) -> int:
    """Delete every export file of this installation (written in clear) and mark its job expired."""
    instance_path = _instances.get(keys._id(database))
    if instance_path is None:
        return 0
    try:
        return jobs.cleanup(db, instance_path, older_than_hours=0)
    except (OSError, *keys.ERRORS) as error:
        logger.error("export files not removed: %s", error)
        return 0


def unlock(
    database: str, passphrase: str, address: str, idle_seconds: float | None, instance_path: str | None = None
) -> str:
    """Try ``passphrase``: "ok", "wrong", "served" (another process holds the key), or "damaged" (the
    vault file or the database is unreadable; the log says what).

    On success, the key stays in memory, every session is ended, and the failed attempts since the last
    unlock are written to the audit log (time and address, never what was typed)."""
    try:
        keys.claim(database)
    except keys.Served:
        return "served"
    try:
        keys.unlock(database, passphrase, idle_seconds)
    except keys.WrongPassphrase:
        keys.release_claim(database)
        _failed(database, address)
        return "wrong"
    except keys.VaultError as error:
        keys.release_claim(database)
        logger.error("unlock: %s", error)
        return "damaged"
    except BaseException:
        keys.release_claim(database)
        raise
    with _guard:
        state = _state(database)
        failures, state.unaudited = state.unaudited, []
        if instance_path:
            _instances[keys._id(database)] = instance_path
    actor = Actor(name="unlock page", address=address)
    db = connect(database)
    try:
        with atomic(db):
            for failure in failures:
                audit.record(
                    db,
                    "vault.unlock_failed",
                    Actor(name="unlock page", address=failure["address"]),
                    after={"attempted_at": failure["at"]},
                )
            ended = end_all_sessions(db)
            audit.record(db, "vault.unlock", actor, after={"sessions_ended": ended})
        remove_exports(db, database)  # left by a process that stopped without locking
    finally:
        db.close()
    return "ok"


def encrypt_first_run(
    database: str,
    passphrase: str,
    actor: Actor,
    idle_seconds: float | None,
    instance_path: str | None = None,
    kdf: dict | None = None,
) -> None:
    """The first-run page chose encryption: convert the still-empty installation (the same conversion
    as ``encrypt-db``, every table compared) and hold its key as after an unlock — claimed by this
    process, with the idle limit — so the first administrator is written inside the encrypted store.

    The caller has closed its own connection. Raises :class:`keys.VaultError` (the installation stays
    plain) when the passphrase breaks the rules or the database is in use; :class:`keys.Served` when
    another process somehow holds the new vault file (the key is dropped again)."""
    tables = convert.encrypt(database, passphrase, kdf)
    try:
        keys.claim(database)
    except keys.Served:
        keys.forget(database)
        raise
    keys.set_idle(database, idle_seconds)
    with _guard:
        if instance_path:
            _instances[keys._id(database)] = instance_path
    db = connect(database)
    try:
        with atomic(db):
            audit.record(
                db,
                "vault.encrypt",
                actor,
                after={
                    "via": "first-run page",
                    "tables": len(tables),
                    "rows": sum(rows for rows, _digest in tables.values()),
                },
            )
    finally:
        db.close()
    logger.info("encrypted %s from the first-run page", database)


def _anchor(db, database: str) -> None:
    """The log's head goes outside the database before the key goes: nothing can anchor it while locked."""
    try:
        anchors.write(db, anchors.path_for(database), "lock", every=(1, 0))
    except (anchors.AnchorError, OSError) as error:
        logger.error("audit anchor not written at lock: %s", error)


def lock(database: str, actor: Actor, reason: str) -> bool:
    """Drop the key from memory and end every session; False when it was not unlocked.

    The key is dropped even if the database cannot be written (the sessions then end at the next
    unlock, which ends them all again)."""
    if keys.key_for(database) is None:
        return False
    try:
        db = connect(database)
        try:
            with atomic(db):
                ended = end_all_sessions(db)
                audit.record(db, "vault.lock", actor, after={"reason": reason, "sessions_ended": ended})
            _anchor(db, database)
            remove_exports(db, database)
        finally:
            db.close()
    except (keys.Locked, *keys.ERRORS) as error:
        logger.error("lock: sessions not ended in the database (%s); the key is dropped anyway", error)
    finally:
        keys.forget(database)
    logger.info("locked %s (%s)", database, reason)
    return True


def lock_idle() -> list[str]:
    """Lock every database of this process idle past its limit; return those locked."""
    locked = []
    for database in keys.held_databases():
        over = keys.idle_for(database)
        if over is not None and over >= 0 and lock(database, audit.SYSTEM, "idle"):
            locked.append(database)
    return locked


_watcher: threading.Thread | None = None
_wake = threading.Event()
_every = 15.0


def watch_idle(every: float = 15.0) -> None:
    """Start (once per process) the thread that locks idle installations even when no request comes:
    the key must not stay in memory all night because nobody touched the laptop. It looks every
    ``every`` seconds (the shortest asked for so far)."""
    global _watcher, _every
    with _guard:
        _every = min(_every, every)
        _wake.set()  # a shorter interval takes effect now, not after the current wait
        if _watcher is not None and _watcher.is_alive():
            return

        def run() -> None:
            while True:
                _wake.wait(_every)
                _wake.clear()
                try:
                    lock_idle()
                except Exception:  # the watcher must outlive any one failure
                    logger.exception("idle lock failed")

        _watcher = threading.Thread(target=run, name="idle-lock", daemon=True)
        _watcher.start()
