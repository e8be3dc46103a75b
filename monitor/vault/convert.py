"""Setting up, converting to, and re-keying an encrypted installation, without losing a row.

Order matters when two files change: the vault file (salt) is always in place *before* a database that
needs it, so a crash at any point leaves either the old state or one that opens (a database under a
key whose salt was lost could never be opened again).
"""

import fcntl
import hashlib
import os
import sqlite3

import sqlcipher3

from . import keys


def create(database: str, passphrase: str, kdf: dict | None = None) -> None:
    """A new, empty encrypted installation at ``database`` (the tables come from ``init_db``)."""
    problem = keys.passphrase_problem(passphrase)
    if problem:
        raise keys.VaultError(problem)
    if os.path.exists(database) and os.path.getsize(database) > 0:
        raise keys.VaultError(
            f"{database} already holds a database: convert it with 'flask --app monitor encrypt-db'."
        )
    settings, key = keys.new_settings(passphrase, kdf)
    keys.write_settings(keys.path_for(database), settings)
    keys.remember(database, key)


# Comparing two databases ------------------------------------------------------------------------------


def tables(conn) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' "
            "ORDER BY name"
        )
    ]


def schema(conn) -> list[tuple]:
    return sorted(
        conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'")
    )


def _order(conn, quoted: str) -> str:
    """``rowid``, or a WITHOUT ROWID table's primary key columns."""
    columns = sorted((row[5], row[1]) for row in conn.execute(f"PRAGMA table_info({quoted})") if row[5])
    without_rowid = any(row[1] == quoted.strip('"') and row[4] for row in conn.execute("PRAGMA table_list"))
    if without_rowid and columns:
        return ", ".join('"' + name.replace('"', '""') + '"' for _pk, name in columns)
    return "rowid"


def fingerprint(conn) -> dict[str, tuple[int, str]]:
    """Per table: (rows, SHA-256 of every row in key order) — equal only when the content is."""
    result = {}
    for name in tables(conn):
        digest = hashlib.sha256()
        rows = 0
        quoted = '"' + name.replace('"', '""') + '"'
        order = _order(conn, quoted)
        for row in conn.execute(f"SELECT * FROM {quoted} ORDER BY {order}"):  # noqa: S608 (names from the schema)
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
            rows += 1
        result[name] = (rows, digest.hexdigest())
    return result


# Plain → encrypted ----------------------------------------------------------------------------------------


SHM_DEAD_MAN_SWITCH = 128  # os_unix.c: every connection in WAL mode holds a read lock on this -shm byte


def in_use_by_another_process(database: str) -> bool:
    """True while another process has ``database`` open in WAL mode (a running server, a command).

    Checked before this process opens the file: closing a descriptor drops every POSIX lock the process
    holds on that file, so this must not run while our own connections are open."""
    shm = f"{database}-shm"
    if not os.path.exists(shm):
        return False
    fd = os.open(shm, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DEAD_MAN_SWITCH)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def plain_copy_path(database: str) -> str:
    return os.path.splitext(database)[0] + ".plain.sqlite"


def encrypt(database: str, passphrase: str, kdf: dict | None = None, keep_plain: bool = False) -> dict:
    """Convert the plain ``database`` in place; return its fingerprint (the same before and after).

    The server must be stopped: the conversion needs the file to itself (checked, not assumed). The WAL
    is checkpointed into the file, everything is copied with ``sqlcipher_export`` into a new encrypted
    file, every table's row count and content hash are compared under an exclusive lock on the
    original, and only then is the new file moved into place."""
    problem = keys.passphrase_problem(passphrase)
    if problem:
        raise keys.VaultError(problem)
    if keys.is_encrypted(database):
        raise keys.VaultError(f"{database} is already encrypted ({keys.path_for(database)} exists).")
    if not keys.is_plain_file(database):
        raise keys.VaultError(f"{database} is not a plain SQLite database.")
    kept = plain_copy_path(database)
    if keep_plain and os.path.exists(kept):
        raise keys.VaultError(f"{kept} exists: move it away first.")
    target = f"{database}.encrypting"
    for leftover in (target, f"{target}-journal"):
        if os.path.exists(leftover):
            os.unlink(leftover)
    vault = keys.path_for(database)
    if in_use_by_another_process(database):
        raise keys.VaultError(f"{database} is in use by another process: stop the server first.")
    source = sqlcipher3.connect(database, timeout=2.0, isolation_level=None)
    try:
        # Leaving WAL needs the only connection: a running server makes this fail, and the WAL is
        # checkpointed into the file on the way.
        try:
            mode = source.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlcipher3.OperationalError as error:
            raise keys.VaultError(f"{database} is in use: stop the server first ({error}).") from error
        if mode != "delete":
            raise keys.VaultError(f"{database} is in use: stop the server first.")
        before = fingerprint(source)
        before_schema = schema(source)
        settings, key = keys.new_settings(passphrase, kdf)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        source.execute(f"ATTACH DATABASE ? AS vault KEY \"x'{bytes(key).hex()}'\"", [target])
        source.execute("BEGIN EXCLUSIVE")
        try:
            source.execute("SELECT sqlcipher_export('vault')")
            version = source.execute("PRAGMA main.user_version").fetchone()[0]
            source.execute(f"PRAGMA vault.user_version = {int(version)}")
            source.execute("COMMIT")
        except BaseException:
            source.execute("ROLLBACK")
            raise
        source.execute("DETACH DATABASE vault")
        # Hold the original still (no writer, no reader) from the comparison to the swap.
        source.execute("BEGIN EXCLUSIVE")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if fingerprint(source) != before:
            raise keys.VaultError(f"{database} changed during the conversion: nothing was replaced.")
        copy = keys.open_with_key(target, key)
        try:
            after = fingerprint(copy)
            after_schema = schema(copy)
            check = copy.execute("PRAGMA integrity_check").fetchall()
            copy.execute("PRAGMA journal_mode = WAL")
        finally:
            copy.close()
        if after != before or after_schema != before_schema or check != [("ok",)]:
            raise keys.VaultError(
                "The encrypted copy does not match the original: nothing was replaced "
                f"(integrity {check[:3]})."
            )
        with open(target, "rb") as f:
            os.fsync(f.fileno())
        keys.write_settings(vault, settings)  # the salt first: the database that needs it comes next
        if keep_plain:
            os.link(database, kept)
        os.replace(target, database)
        keys.sync_folder(database)
        source.execute("ROLLBACK")
    except BaseException:
        if os.path.exists(target):
            os.unlink(target)
        if os.path.exists(vault) and keys.is_plain_file(database):
            os.unlink(vault)  # the swap did not happen: the installation stays plain
        raise
    finally:
        source.close()
    for stale in (f"{database}-wal", f"{database}-shm"):
        if os.path.exists(stale) and os.path.getsize(stale) == 0:
            os.unlink(stale)
    keys.remember(database, key)
    return after


# Changing the passphrase -----------------------------------------------------------------------------------


def rekey(database: str, current: str, new: str, kdf: dict | None = None) -> None:
    """Re-encrypt ``database`` under a key from ``new`` (with a new salt) — all or nothing.

    The new vault settings are written as ``….vault.json.next`` before ``PRAGMA rekey``; unlocking finishes
    the change if the process stops between the two (see :func:`keys.unlock`)."""
    problem = keys.passphrase_problem(new)
    if problem:
        raise keys.VaultError(problem)
    if not keys.is_encrypted(database):
        raise keys.VaultError(f"{database} is not encrypted: use encrypt-db first.")
    if keys.is_claimed_elsewhere(database):
        raise keys.Served("The server holds this installation's key: lock the app or stop the server first.")
    keys.forget(database)
    old_key = keys.unlock(database, current)
    settings, key = keys.new_settings(new, kdf)
    vault = keys.path_for(database)
    keys.write_settings(f"{vault}.next", settings)
    conn = keys.open_with_key(database, old_key)
    try:
        conn.execute(keys.key_pragma(key, "rekey"))
    finally:
        conn.close()
    if not keys.opens(database, key):
        raise keys.VaultError("The database did not take the new key; the old passphrase still opens it.")
    os.replace(f"{vault}.next", vault)
    keys.sync_folder(vault)
    keys.remember(database, key)


# Backups -----------------------------------------------------------------------------------------------


def open_backup_target(database: str, partial: str):
    """The connection a backup of ``database`` is written to: encrypted under the same key, or plain."""
    if keys.is_encrypted(database):
        return keys.open_with_key(partial, keys.require_key(database))
    return sqlite3.connect(partial)


def write_backup_vault(database: str, destination: str) -> str | None:
    """Beside an encrypted backup, a copy of the vault file: the same passphrase opens it."""
    if not keys.is_encrypted(database):
        return None
    path = keys.path_for(destination)
    keys.write_settings(path, keys.read_settings(keys.path_for(database)))
    return path
