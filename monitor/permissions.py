"""Who may do what: the one place where access is decided.

Every view declares who may reach it with :func:`allow`; :func:`check_request` runs before every
request and enforces it, so a view without a declaration is refused (fail closed). Object-level
rules ("is this observer assigned to this trial?") go through helpers here that turn "not found"
into 404 and "not yours" into 403, and every refusal is audited.
"""

from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_login import current_user

from . import audit
from .auth import login_manager, request_actor
from .db import get_db

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any active account
ROLES = ("admin", "lead", "observer")


def allow(*who: str) -> Callable:
    """Declare who may reach a view: PUBLIC, SIGNED_IN, or role names."""
    unknown = set(who) - {PUBLIC, SIGNED_IN, *ROLES}
    if not who or unknown:
        raise ValueError(f"allow() needs PUBLIC, SIGNED_IN or roles, got {who!r}")

    def decorate(view: Callable) -> Callable:
        view.allowed = frozenset(who)
        return view

    return decorate


def rule_for(endpoint: str) -> frozenset | None:
    if endpoint == "static":
        return frozenset({PUBLIC})
    return getattr(current_app.view_functions.get(endpoint), "allowed", None)


def refuse(reason: str = "role"):
    """Audit the refusal and answer 403."""
    audit.record(
        get_db(),
        "permission.refused",
        request_actor(),
        after={
            "endpoint": request.endpoint,
            "path": request.path,
            "method": request.method,
            "reason": reason,
        },
    )
    abort(403)


def has_role(*roles: str) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def check_request():
    """before_request: enforce the view's declared rule."""
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    allowed = rule_for(request.endpoint)
    if allowed is None:
        refuse("no permission rule declared")
    if PUBLIC in allowed:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if SIGNED_IN in allowed or current_user.role in allowed:
        return None
    refuse()


def require(condition: bool, reason: str = "object") -> None:
    """Object-level check inside a view: refuse unless ``condition`` holds."""
    if not condition:
        refuse(reason)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
