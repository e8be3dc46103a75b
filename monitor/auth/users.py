"""Accounts: creating, finding, changing users and checking their passwords."""

import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlite_utils import Database

from .. import audit
from ..audit import Actor
from ..db import atomic, utcnow
from ..i18n import LANGUAGES
from . import throttle
from .tokens import revoke_all

ROLES = ("admin", "lead", "observer")
PASSWORD_MAX_LENGTH = 256
# Fields that may appear in the audit log; the password hash never does.
PUBLIC_FIELDS = ("uuid", "username", "display_name", "role", "language", "active")


class UserError(ValueError):
    """A change the rules refuse; the message is shown to the user as is."""


def hasher(params: dict) -> PasswordHasher:
    return PasswordHasher(type=Type.ID, **params)


def password_problem(password: str, username: str, min_length: int) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < min_length:
        return _("The password must be at least %(n)d characters long.", n=min_length)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("The password must be at most %(n)d characters long.", n=PASSWORD_MAX_LENGTH)
    if password.strip().lower() == username.strip().lower():
        return _("The password must not be the user name.")
    return None


def public(user: dict) -> dict:
    return {k: user[k] for k in PUBLIC_FIELDS}


def count(db: Database) -> int:
    return db["user"].count if db["user"].exists() else 0


def get_by_uuid(db: Database, user_uuid: str) -> dict | None:
    return next(db.query("SELECT * FROM user WHERE uuid = ?", [user_uuid]), None)


def _reread(db: Database, user_uuid: str) -> dict:
    """An account just written inside this transaction."""
    user = get_by_uuid(db, user_uuid)
    if user is None:
        raise LookupError(f"user {user_uuid} vanished inside its own transaction")
    return user


def get_by_username(db: Database, username: str) -> dict | None:
    return next(db.query("SELECT * FROM user WHERE username = ?", [username.strip()]), None)


def acting(db: Database, username: str | None) -> dict:
    """The active account a command acts as: the one named, or the only active account here
    (:class:`UserError` saying which is missing)."""
    if username:
        row = get_by_username(db, username)
        if row is None or not row["active"]:
            raise UserError(f"No active account named {username!r} here.")
        return row
    rows = list(db.query("SELECT * FROM user WHERE active = 1 LIMIT 2"))
    if len(rows) != 1:
        raise UserError("Say which account acts: --user NAME.")
    return rows[0]


def list_all(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM user ORDER BY active DESC, role, username COLLATE NOCASE"))


def create(
    db: Database,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    language: str = "en",
    argon2: dict,
    first_admin: bool = False,
) -> dict:
    """Create an account; raise UserError if the name is taken or a value is not allowed.

    With ``first_admin``, only while no account exists (checked inside the write transaction, so two
    people racing through the first-run page cannot both become administrator).
    """
    username = username.strip()
    if role not in ROLES or language not in LANGUAGES:
        raise UserError(_("Unknown role or language."))
    now = utcnow()
    user: dict[str, Any] = {
        "uuid": str(uuidlib.uuid4()),
        "username": username,
        "display_name": display_name.strip() or username,
        "password_hash": hasher(argon2).hash(password),
        "role": role,
        "language": language,
        "active": 1,
        "session_version": 1,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    with atomic(db):
        if first_admin and count(db) > 0:
            raise UserError(_("An administrator already exists; sign in instead."))
        if get_by_username(db, username):
            raise UserError(_("The user name “%(name)s” is already taken.", name=username))
        user["id"] = db.table("user").insert(user).last_pk
        audit.record(
            db, "user.create", actor, record_type="user", record_uuid=user["uuid"], after=public(user)
        )
    return user


def _active_admins(db: Database) -> int:
    return next(db.query("SELECT count(*) AS n FROM user WHERE role = 'admin' AND active = 1"))["n"]


def update(db: Database, actor: Actor, user_uuid: str, **changes) -> dict:
    """Change profile fields (display name, role, language, active); keeps one active admin."""
    allowed = {"display_name", "role", "language", "active"}
    if set(changes) - allowed:
        raise UserError(_("Unknown field."))
    with atomic(db):
        before = get_by_uuid(db, user_uuid)
        if before is None:
            raise UserError(_("No such user."))
        changes = {k: v for k, v in changes.items() if before[k] != v}
        if not changes:
            return before
        if changes.get("role", "admin") not in ROLES or changes.get("language", "en") not in LANGUAGES:
            raise UserError(_("Unknown role or language."))
        losing_admin = (
            before["role"] == "admin"
            and before["active"]
            and (changes.get("role", "admin") != "admin" or changes.get("active", 1) == 0)
        )
        if losing_admin and _active_admins(db) <= 1:
            raise UserError(_("This is the last active administrator; appoint another one first."))
        if changes.get("active") == 0:
            changes["session_version"] = before["session_version"] + 1  # signs them out everywhere
        changes.update(updated_at=utcnow(), version=before["version"] + 1)
        db.table("user").update(before["id"], changes)
        after = _reread(db, user_uuid)
        audit.record(
            db,
            "user.update",
            actor,
            record_type="user",
            record_uuid=user_uuid,
            before=public(before),
            after=public(after),
        )
    return after


def set_password(db: Database, actor: Actor, user_uuid: str, password: str, argon2: dict) -> dict:
    """Store a new password hash; revoke every session and every API token of that user.

    A token is as good as the password it was made under: whoever changes a password because it leaked,
    or an administrator resetting it, means every way in to stop working (each revocation is audited)."""
    password_hash = hasher(argon2).hash(password)
    with atomic(db):
        user = get_by_uuid(db, user_uuid)
        if user is None:
            raise UserError(_("No such user."))
        db.execute(
            "UPDATE user SET password_hash = ?, session_version = session_version + 1, "
            "updated_at = ?, version = version + 1 WHERE id = ?",
            [password_hash, utcnow(), user["id"]],
        )
        action = "user.password_change" if actor.uuid == user_uuid else "user.password_reset"
        revoked = revoke_all(db, actor, user, reason=action)
        audit.record(
            db, action, actor, record_type="user", record_uuid=user_uuid, after={"tokens_revoked": revoked}
        )
    return _reread(db, user_uuid)


def end_sessions(db: Database, actor: Actor, user_uuid: str) -> None:
    """Sign the user out everywhere: every cookie issued before now stops working."""
    with atomic(db):
        db.execute("UPDATE user SET session_version = session_version + 1 WHERE uuid = ?", [user_uuid])
        audit.record(db, "logout", actor, record_type="user", record_uuid=user_uuid)


def password_matches(user: dict, password: str, argon2: dict) -> bool:
    try:
        return hasher(argon2).verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def confirm_password(
    db: Database, user: dict, password: str, address: str, *, argon2: dict, limit: int
) -> str:
    """Re-check a signed-in user's password (before changing it): "ok", "wrong" or "throttled".

    Wrong guesses count towards the same sign-in throttle, so a borrowed session cannot be used to
    guess the password either (a slot is reserved before the check, as for signing in).
    """
    reservation = throttle.reserve(db, user["username"], address, limit)
    if reservation is None:
        return "throttled"
    if password_matches(user, password, argon2):
        throttle.release(db, reservation)
        return "ok"
    actor = Actor(uuid=user["uuid"], name=user["username"], address=address)
    with atomic(db):
        audit.record(db, "password.confirm_failed", actor, record_type="user", record_uuid=user["uuid"])
        _audit_throttle_start(db, reservation, limit, actor)
    return "wrong"


def _audit_throttle_start(db: Database, reservation: int, limit: int, actor: Actor) -> None:
    """One ``login.throttled`` row when this failure starts the throttle; none for the attempts it then
    turns away (a flood of them would otherwise fill the audit log)."""
    if throttle.fills_last_slot(db, reservation, limit):
        audit.record(
            db, "login.throttled", actor, after={"failures": limit, "seconds": throttle.WINDOW_SECONDS}
        )


@dataclass
class SignIn:
    user: dict | None = None
    throttled: bool = False


# Verified against when the user name is unknown, so both cases take the same time.
_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash(ph: PasswordHasher) -> str:
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = ph.hash("not a password of anyone here")
    return _DUMMY_HASHES[key]


def authenticate(
    db: Database, username: str, password: str, address: str, *, argon2: dict, limit: int
) -> SignIn:
    """Check a sign-in attempt, with throttling, auditing and rehashing on success.

    The attempt is counted and recorded before its password is checked (:func:`throttle.reserve`), so at
    most ``limit`` passwords a minute are ever checked per account and per address, however many attempts
    arrive at once. An attempt already throttled is turned away without an audit row: the failure that
    started the throttle wrote one.
    """
    username = username.strip()
    attempt = Actor(name=username, address=address)
    reservation = throttle.reserve(db, username, address, limit)
    if reservation is None:
        return SignIn(throttled=True)
    ph = hasher(argon2)
    user = get_by_username(db, username)
    try:
        ph.verify(user["password_hash"] if user else _dummy_hash(ph), password)
        ok = user is not None and bool(user["active"])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        with atomic(db):
            audit.record(
                db, "login.failed", attempt, record_type="user", record_uuid=user["uuid"] if user else None
            )
            _audit_throttle_start(db, reservation, limit, attempt)
        return SignIn()
    new_hash = ph.hash(password) if ph.check_needs_rehash(user["password_hash"]) else None
    with atomic(db):
        throttle.release(db, reservation)
        if new_hash:
            db.table("user").update(user["id"], {"password_hash": new_hash})
        actor = Actor(uuid=user["uuid"], name=user["username"], address=address)
        audit.record(db, "login", actor, record_type="user", record_uuid=user["uuid"])
    return SignIn(user=get_by_uuid(db, user["uuid"]))
