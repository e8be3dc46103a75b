"""Who is making this request: the session's user (Flask-Login) or an API token's owner.

The views (``routes``) and the permission check (:mod:`monitor.permissions`) build on this module; it
imports neither, so the arrows run one way: identity ← permissions ← routes.
"""

from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user

from ..audit import Actor
from ..db import get_db
from ..vault import keys
from . import tokens, users

login_manager = LoginManager()


class User(UserMixin):
    """The signed-in user. The session id carries the session version, so bumping it revokes cookies."""

    def __init__(self, row: dict):
        self.row = row
        self.uuid = row["uuid"]
        self.username = row["username"]
        self.display_name = row["display_name"]
        self.role = row["role"]
        self.language = row["language"]

    def get_id(self) -> str:
        return f"{self.uuid}.{self.row['session_version']}"

    @property
    def is_active(self) -> bool:
        return bool(self.row["active"])


class Anonymous(AnonymousUserMixin):
    role = None
    uuid = None
    username = None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session cookie's user — unless the request carries an API token, which wins (see ``tokens``)."""
    if g.get("api_token") is not None:
        return token_user()
    if keys.is_locked(current_app.config["DATABASE"]):
        return None  # an encrypted installation behind its unlock page: nobody is signed in
    user_uuid, _sep, version = session_id.partition(".")
    row = users.get_by_uuid(get_db(), user_uuid)
    if row is None or not row["active"] or str(row["session_version"]) != version:
        return None
    return User(row)


@login_manager.request_loader
def token_user(_request=None) -> User | None:
    """The owner of the API token this request was authenticated with (``tokens.load_from_request``)."""
    owner = g.get("api_token_owner")
    return User(owner) if owner is not None else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send a signed-out visitor to the sign-in page, remembering where they were going (401 for the API)."""
    if request.path.startswith("/api/"):
        message = _("Authentication required: send an API token (Authorization: Bearer …) or sign in.")
        return {"message": message, "field": None}, 401, {"WWW-Authenticate": "Bearer"}
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def request_actor() -> Actor:
    """The audit 'who' of the current request."""
    address = request.remote_addr or "unknown"
    if current_user.is_authenticated:
        return Actor(uuid=current_user.uuid, name=current_user.username, address=address)
    return Actor(address=address)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Please sign in to see this page.")
    app.before_request(tokens.load_from_request)  # before the CSRF and permission checks
