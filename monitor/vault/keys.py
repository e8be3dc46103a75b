"""The key of an encrypted installation: derived from a passphrase, held in this process's memory only.

An encrypted database is a SQLCipher file. Beside it, ``monitor.vault.json`` (see :func:`path_for`) holds
what is needed to derive its key again from the passphrase — the KDF's name and parameters, a random
salt — and a check value that tells a wrong passphrase from a damaged file. Neither the passphrase nor
the key is ever written anywhere: the key lives in :data:`_held` (per database file) until the app is
locked or the process ends.

Argon2id runs once per unlock; every connection then opens with SQLCipher's raw-key form
(``PRAGMA key = "x'…'"``), which skips SQLCipher's own per-connection PBKDF2.

This module knows nothing of Flask or the web: ``monitor/db.py`` calls :func:`open_connection`.
"""

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw

FORMAT = 1
SUFFIX = ".vault.json"
KEY_BYTES = 32
# Argon2id, RFC 9106's second recommended profile with more memory: 0.6–0.9 s here (bench/vault_bench.py),
# once per unlock. Stored per installation, so changing the default never locks anyone out.
KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 262144, "parallelism": 4}
PASSPHRASE_MIN_LENGTH = 12
CHECK_LABEL = b"trial-monitor vault check v1"
CLAIM_PATIENCE = 0.5  # seconds a claim waits out other workers' momentary probes before giving up

ERRORS = (sqlcipher3.Error,)


class VaultError(RuntimeError):
    """The vault file is missing, unreadable or inconsistent; the message says what to do."""


class Locked(VaultError):
    """The database is encrypted and its key is not in this process's memory."""


class WrongPassphrase(VaultError):
    """The passphrase does not derive this installation's key: nothing was opened."""


class Served(VaultError):
    """Another server process holds this installation's key (an encrypted installation runs one)."""


@dataclass
class _Held:
    key: bytearray
    last_use: float
    idle_seconds: float | None


_held: dict[str, _Held] = {}
_claims: dict[str, int] = {}  # database → descriptor of the vault file we hold a lock on
_lock = threading.RLock()


def _id(database: str) -> str:
    return os.path.realpath(database)


def path_for(database: str) -> str:
    """The vault file beside a database: ``instance/monitor.sqlite`` → ``instance/monitor.vault.json``."""
    return os.path.splitext(database)[0] + SUFFIX


def is_encrypted(database: str) -> bool:
    """True when the installation was set up (or converted) encrypted: its vault file exists."""
    return os.path.exists(path_for(database))


def is_plain_file(path: str) -> bool:
    """True when ``path`` starts with SQLite's own header (an unencrypted database)."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def passphrase_problem(passphrase: str) -> str | None:
    if len(passphrase) < PASSPHRASE_MIN_LENGTH:
        return f"The passphrase must have at least {PASSPHRASE_MIN_LENGTH} characters (a few words are best)."
    return None


# Deriving and checking ---------------------------------------------------------------------------------


def derive(passphrase: str, settings: dict) -> bytearray:
    """The 32-byte database key from ``passphrase`` and the installation's KDF settings."""
    kdf = settings["kdf"]
    if kdf.get("name") != "argon2id":
        raise VaultError(f"Unknown key derivation {kdf.get('name')!r} in the vault file.")
    raw = hash_secret_raw(
        passphrase.encode("utf-8"),
        bytes.fromhex(settings["salt"]),
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_cost"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
    return bytearray(raw)


def check_value(key: bytes | bytearray) -> str:
    """An HMAC of a fixed label under the key: tells a wrong passphrase from a damaged database."""
    return hmac.new(bytes(key), CHECK_LABEL, hashlib.sha256).hexdigest()


def new_settings(passphrase: str, kdf: dict | None = None) -> tuple[dict, bytearray]:
    """Fresh vault settings (a new random salt) and the key they derive from ``passphrase``."""
    params = {**KDF, **(kdf or {}), "name": "argon2id"}
    settings = {
        "format": FORMAT,
        "cipher": "sqlcipher4",
        "kdf": params,
        "salt": secrets.token_hex(16),
    }
    key = derive(passphrase, settings)
    settings["check"] = check_value(key)
    settings["created_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return settings, key


def read_settings(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)
    except FileNotFoundError as error:
        raise VaultError(f"{path} is missing: without it the encrypted database cannot be opened.") from error
    except (OSError, ValueError) as error:
        raise VaultError(f"{path} cannot be read: {error}") from error
    if not isinstance(settings, dict) or settings.get("format") != FORMAT or "salt" not in settings:
        raise VaultError(f"{path} is not a vault file this version understands.")
    return settings


def write_settings(path: str, settings: dict) -> None:
    """Write the vault file whole (owner-only), synced to disk, then move it into place."""
    partial = f"{path}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(settings, indent=1, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    sync_folder(path)


def sync_folder(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Opening connections -------------------------------------------------------------------------------------


def key_pragma(key: bytes | bytearray, name: str = "key") -> str:
    return f"PRAGMA {name} = \"x'{bytes(key).hex()}'\""


class Connection(sqlcipher3.Connection):
    """SQLCipher's connection, weakly referable so the lock can find the ones still open."""


_open: dict[str, weakref.WeakSet] = {}


def open_with_key(path: str, key: bytes | bytearray, timeout: float = 10.0) -> sqlcipher3.Connection:
    """A SQLCipher connection to ``path`` under ``key``; temporary tables and sorts stay in memory."""
    conn = sqlcipher3.connect(path, timeout=timeout, factory=Connection)
    conn.execute(key_pragma(key))
    conn.execute("PRAGMA temp_store = MEMORY")
    with _lock:
        _open.setdefault(_id(path), weakref.WeakSet()).add(conn)
    return conn


def _interrupt_open(database: str) -> int:
    """Abort whatever the connections still open on ``database`` are doing (a long export, a request in
    flight): each fails at once and its owner closes it, key material and page cache with it."""
    with _lock:
        connections = list(_open.pop(_id(database), ()))
    interrupted = 0
    for conn in connections:
        try:
            conn.interrupt()
            interrupted += 1
        except sqlcipher3.ProgrammingError:
            pass  # closed already
    return interrupted


def opens(path: str, key: bytes | bytearray) -> bool:
    """True when ``key`` opens ``path`` (SQLCipher checks every page's HMAC; page 1 is read here)."""
    conn = open_with_key(path, key, timeout=2.0)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


# How a command asks for the passphrase when no key is held. Set by the command line's registration
# (monitor.cli: ``ask_with(terminal.unlock_from_terminal)``); a web request never asks, it is locked.
_ask: Callable[[str], bytearray] | None = None


def ask_with(ask: Callable[[str], bytearray] | None) -> None:
    """How :func:`require_key` gets a key nobody holds yet (the terminal's prompt, or None: refuse)."""
    global _ask
    _ask = ask


def require_key(database: str) -> bytearray:
    """The key held for ``database``; on the command line, ask for the passphrase (:class:`Locked` else)."""
    held = key_for(database)
    if held is None:
        if _ask is None:
            raise Locked("The database is encrypted and locked: unlock it first.")
        held = _ask(database)
    return held


def open_connection(database: str, timeout: float) -> sqlcipher3.Connection:
    """A connection to the encrypted ``database`` with the key held in memory (:class:`Locked` if none).

    On the command line, an encrypted installation asks for its passphrase once per command instead."""
    return open_with_key(database, require_key(database), timeout)


# The key in memory ---------------------------------------------------------------------------------------


def key_for(database: str) -> bytearray | None:
    with _lock:
        held = _held.get(_id(database))
        return held.key if held else None


def is_locked(database: str) -> bool:
    return is_encrypted(database) and key_for(database) is None


def remember(database: str, key: bytearray, idle_seconds: float | None = None) -> None:
    with _lock:
        _held[_id(database)] = _Held(bytearray(key), time.monotonic(), idle_seconds)


def set_idle(database: str, idle_seconds: float | None) -> None:
    """The idle limit of a key already held (one set up on the first-run page locks like an unlocked one)."""
    with _lock:
        held = _held.get(_id(database))
        if held:
            held.idle_seconds = idle_seconds
            held.last_use = time.monotonic()


def touch(database: str) -> None:
    """Someone used the app: the idle clock starts again."""
    with _lock:
        held = _held.get(_id(database))
        if held:
            held.last_use = time.monotonic()


def idle_for(database: str) -> float | None:
    """Seconds past this database's idle limit (>= 0 means it should lock now), or None."""
    with _lock:
        held = _held.get(_id(database))
        if held is None or not held.idle_seconds:
            return None
        return time.monotonic() - held.last_use - held.idle_seconds


def held_databases() -> list[str]:
    with _lock:
        return list(_held)


def forget(database: str) -> bool:
    """Drop the key from memory (overwriting our copy of its bytes) and release the serving claim."""
    with _lock:
        held = _held.pop(_id(database), None)
        if held:
            for i in range(len(held.key)):
                held.key[i] = 0
        release_claim(database)
    _interrupt_open(database)
    return held is not None


def unlock(database: str, passphrase: str, idle_seconds: float | None = None) -> bytearray:
    """Derive the key, check it against the vault file and the database, and hold it in memory.

    Finishes a passphrase change that was cut off (see :func:`monitor.vault.convert.rekey`)."""
    vault = path_for(database)
    settings = read_settings(vault)
    key = derive(passphrase, settings)
    pending = f"{vault}.next"
    if hmac.compare_digest(check_value(key), settings.get("check", "")) and opens(database, key):
        if os.path.exists(pending):
            os.unlink(pending)  # a change of passphrase that never reached the database
        remember(database, key, idle_seconds)
        return key
    if os.path.exists(pending):
        settings = read_settings(pending)
        key = derive(passphrase, settings)
        if hmac.compare_digest(check_value(key), settings.get("check", "")) and opens(database, key):
            os.replace(pending, vault)  # the database already has the new key: finish the change
            sync_folder(vault)
            if _id(database) in _claims:  # the claim was on the replaced file: take it on the new one
                release_claim(database)
                claim(database)
            remember(database, key, idle_seconds)
            return key
    if hmac.compare_digest(check_value(key), settings.get("check", "")):
        raise VaultError(
            f"The passphrase is right but {database} does not open with it: the file is damaged or is "
            "not this installation's database."
        )
    raise WrongPassphrase("Wrong passphrase: nothing was opened.")


# One serving process per encrypted installation ------------------------------------------------------------


def claim(database: str) -> None:
    """Hold an exclusive lock on the vault file while this server process holds the key.

    A second gunicorn worker trying to unlock the same installation gets :class:`Served`: the key is
    never handed between processes (see docs/security.md), so an encrypted installation runs one."""
    with _lock:
        if _id(database) in _claims:
            return
        fd = os.open(path_for(database), os.O_RDONLY)
        deadline = time.monotonic() + CLAIM_PATIENCE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as error:
                # Another worker's probe (:func:`is_claimed_elsewhere`) holds a shared lock for a few
                # microseconds; a serving process holds its lock for as long as it holds the key.
                if time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                os.close(fd)
                raise Served(
                    "Another server process holds this installation's key. An encrypted installation is "
                    "served by one process (gunicorn --workers 1 --threads 8): see docs/security.md."
                ) from error
        _claims[_id(database)] = fd


def release_claim(database: str) -> None:
    with _lock:
        fd = _claims.pop(_id(database), None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock


def is_claimed_elsewhere(database: str) -> bool:
    """True when a server process (not this one) holds the installation's key."""
    with _lock:
        if _id(database) in _claims:
            return False
        fd = os.open(path_for(database), os.O_RDONLY)
        try:
            # Shared, not exclusive: two workers probing at the same instant must not each take the
            # other's probe for a claim (an exclusive probe did: a spurious "served elsewhere", 409).
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False
