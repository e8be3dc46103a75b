"""Personal API tokens: created and revoked by their owner, stored only as a SHA-256 of the secret.

A token is ``tm_`` followed by 43 random URL-safe characters (256 bits): shown once when it is made,
never stored. A request to ``/api/`` with ``Authorization: Bearer <secret>`` is signed in as the token's
owner for that request only (no session cookie is read or set), and ``g.api_token`` holds the token's
row, so other code can tell a token request from a browser's with :func:`token_request`.
"""

import hashlib
import hmac
import secrets
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import audit
from ..audit import Actor
from ..db import atomic, get_db, utcnow
from . import throttle

SECRET_PREFIX = "tm_"  # noqa: S105 (marks a secret as ours, so scanners can spot a leaked one)
SCOPES = {"read": _l("Read only"), "write": _l("Read and write")}
EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, "never": None}
MAX_ACTIVE = 20  # per user: enough for every tool and laptop, few enough to review on the profile page
TOUCH_SECONDS = 60  # last_used_at is written at most this often, so reads stay reads
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Fields that may appear in the audit log; the hash never does (and the secret is never stored at all).
AUDITED = ("uuid", "name", "prefix", "scope", "expires_at")


class TokenError(ValueError):
    """A token the rules refuse to create; the message is shown to the user as is."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _stamp(moment: datetime) -> str:
    """The same text as :func:`monitor.db.utcnow`, so stored times compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_expired(token: dict, now: str | None = None) -> bool:
    return bool(token["expires_at"]) and token["expires_at"] <= (now or utcnow())


def for_user(db: Database, user_id: int) -> list[dict]:
    """A user's tokens that are not revoked, newest first (expired ones too, marked by the caller)."""
    return list(
        db.query(
            "SELECT * FROM api_token WHERE user_id = ? AND revoked_at IS NULL "
            "ORDER BY created_at DESC, id DESC",
            [user_id],
        )
    )


def create(
    db: Database, actor: Actor, user: dict, *, name: str, scope: str, days: int | None
) -> tuple[dict, str]:
    """Make a token for ``user``; return its row and the secret (the only time the secret exists)."""
    name = name.strip()
    if scope not in SCOPES:
        raise TokenError(_("Choose read only or read and write."))
    if not name or len(name) > 100:
        raise TokenError(_("Give the token a name of at most 100 characters."))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    token = {
        "uuid": str(uuidlib.uuid4()),
        "user_id": user["id"],
        "name": name,
        "token_hash": digest(secret),
        "prefix": secret[: len(SECRET_PREFIX) + 4],
        "scope": scope,
        "created_at": _stamp(now),
        "expires_at": _stamp(now + timedelta(days=days)) if days else None,
        "last_used_at": None,
        "revoked_at": None,
    }
    with atomic(db):
        active = [t for t in for_user(db, user["id"]) if not is_expired(t)]
        if len(active) >= MAX_ACTIVE:
            raise TokenError(_("You have %(n)d tokens already; revoke one first.", n=len(active)))
        token["id"] = db.table("api_token").insert(token).last_pk
        audit.record(
            db,
            "api_token.create",
            actor,
            record_type="api_token",
            record_uuid=token["uuid"],
            after={**{k: token[k] for k in AUDITED}, "user": user["uuid"]},
        )
    return token, secret


def revoke(db: Database, actor: Actor, user: dict, token_uuid: str) -> dict | None:
    """Revoke one of ``user``'s own tokens; None when there is no such token of theirs."""
    with atomic(db):
        token = next(
            db.query(
                "SELECT * FROM api_token WHERE uuid = ? AND user_id = ? AND revoked_at IS NULL",
                [token_uuid, user["id"]],
            ),
            None,
        )
        if token is None:
            return None
        _revoke(db, actor, token, utcnow())
    return token


def revoke_all(db: Database, actor: Actor, user: dict, reason: str) -> int:
    """Revoke every live token of ``user`` (its password changed or was reset); return how many.

    Each revocation is audited like one by hand, with the reason."""
    now = utcnow()
    with atomic(db):
        live = list(
            db.query("SELECT * FROM api_token WHERE user_id = ? AND revoked_at IS NULL", [user["id"]])
        )
        for token in live:
            _revoke(db, actor, token, now, after={"reason": reason, "user": user["uuid"]})
    return len(live)


def _revoke(db: Database, actor: Actor, token: dict, now: str, after: dict | None = None) -> None:
    """Mark one token revoked and audit it (inside the caller's transaction)."""
    db.table("api_token").update(token["id"], {"revoked_at": now})
    audit.record(
        db,
        "api_token.revoke",
        actor,
        record_type="api_token",
        record_uuid=token["uuid"],
        before={k: token[k] for k in AUDITED},
        after=after,
    )


@dataclass
class Check:
    """The outcome of presenting a secret: the user and token when it is good, else why not."""

    user: dict | None = None
    token: dict | None = None
    reason: str = ""


def authenticate(db: Database, secret: str) -> Check:
    """The token and its owner for ``secret``, refusing revoked, expired and deactivated ones.

    The lookup is by the secret's SHA-256 (an index on a hash reveals nothing about the secret through
    timing); the stored hash is compared again in constant time all the same.
    """
    hashed = digest(secret)
    token = next(db.query("SELECT * FROM api_token WHERE token_hash = ?", [hashed]), None)
    if token is None or not hmac.compare_digest(token["token_hash"], hashed):
        return Check(reason="unknown")
    if token["revoked_at"]:
        return Check(token=token, reason="revoked")
    now = utcnow()
    if is_expired(token, now):
        return Check(token=token, reason="expired")
    user = next(db.query("SELECT * FROM user WHERE id = ?", [token["user_id"]]), None)
    if user is None or not user["active"]:
        return Check(token=token, reason="inactive user")
    if (token["last_used_at"] or "") <= _stamp(datetime.now(UTC) - timedelta(seconds=TOUCH_SECONDS)):
        with atomic(db):
            db.execute("UPDATE api_token SET last_used_at = ? WHERE id = ?", [now, token["id"]])
        token["last_used_at"] = now
    return Check(user=user, token=token)


def _throttle_key(address: str) -> str:
    return f"api-token@{address}"


def record_refusal(db: Database, secret: str, check: Check, address: str, limit: int) -> bool:
    """Audit a refused token and count it like a failed sign-in; True when this address is throttled.

    Counted, recorded and audited in one write transaction: a refusal arriving once the address is
    throttled writes nothing (300 bad tokens write ``limit`` rows, not 300), and the refusal that starts
    the throttle adds one ``api_token.throttled`` row, so the audit log shows it began."""
    key = _throttle_key(address)
    if throttle.is_throttled(db, key, address, limit):
        return True  # read only: a flood of refused tokens does not even queue for the write lock
    actor = Actor(address=address)
    with atomic(db):
        if throttle.is_throttled(db, key, address, limit):
            return True
        failure = throttle.record_failure(db, key, address)
        audit.record(
            db,
            "api_token.refused",
            actor,
            record_type="api_token" if check.token else None,
            record_uuid=check.token["uuid"] if check.token else None,
            # never the secret: only its first characters, which the profile page shows anyway
            after={"reason": check.reason, "prefix": secret[: len(SECRET_PREFIX) + 4]},
        )
        if throttle.fills_last_slot(db, failure, limit):
            after = {"refusals": limit, "seconds": throttle.WINDOW_SECONDS}
            audit.record(db, "api_token.throttled", actor, after=after)
            return True
    return False


# Requests -------------------------------------------------------------------------------------------


def bearer_secret() -> str | None:
    """The secret of an ``Authorization: Bearer …`` header, or None (other schemes are left alone)."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def token_request() -> dict | None:
    """The API token this request is authenticated with (its ``api_token`` row), or None."""
    return g.get("api_token")


def may_write() -> bool:
    """False for a request made with a read-only token (the permission check uses it)."""
    token = token_request()
    return token is None or token["scope"] == "write" or request.method in SAFE_METHODS


def load_from_request():
    """before_request: on ``/api/``, a Bearer token signs the request in as its owner, for this request only.

    The token wins over any session cookie sent along, so a request is either a token request (no CSRF
    token needed: no cookie is involved) or a cookie request (CSRF checked), never both.
    """
    if not request.path.startswith("/api/"):
        return None
    secret = bearer_secret()
    if secret is None:
        return None
    db = get_db()
    check = authenticate(db, secret) if secret else Check(reason="empty")
    if check.user is None:
        address = request.remote_addr or "unknown"
        throttled = record_refusal(
            db, secret, check, address, current_app.config["LOGIN_FAILURES_PER_MINUTE"]
        )
        if throttled:
            body = {"message": _("Too many refused tokens from this address; wait a minute."), "field": None}
            return body, 429
        body = {
            "message": _("This API token is not valid: it is unknown, revoked or expired."),
            "field": None,
        }
        return body, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    g.api_token = check.token
    g.api_token_owner = check.user  # identity.token_user hands it to Flask-Login (request_loader)
    return None
