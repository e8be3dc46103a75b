"""The unlock page, the lock, and the guard that keeps a locked app behind the unlock page.

While an encrypted installation is locked, every request is answered before anything reads the
database: pages redirect to ``/unlock``, the API and scripts get 401, ``/healthz`` says "locked" (503);
static files are served. Runs first among the ``before_request`` hooks (after the body-size limit).
"""

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from ..audit import Actor
from ..auth import request_actor
from ..db import close_db
from ..forms import EmptyForm
from ..permissions import PUBLIC, SIGNED_IN, allow
from . import keys, lock

bp = Blueprint("vault", __name__)

OPEN_WHEN_LOCKED = {"static", "vault.unlock"}


class UnlockForm(FlaskForm):
    passphrase = PasswordField(
        _l("Passphrase"),
        validators=[InputRequired(_l("Enter the passphrase.")), Length(max=1024)],
        render_kw={"autocomplete": "off", "autofocus": True},
    )
    submit = SubmitField(_l("Unlock"))


def _database() -> str:
    return current_app.config["DATABASE"]


def _idle_seconds() -> float | None:
    minutes = current_app.config.get("LOCK_AFTER_IDLE_MINUTES")
    return float(minutes) * 60 if minutes else None


def encrypted() -> bool:
    return keys.is_encrypted(_database())


def _locked_answer():
    if request.endpoint == "main.health":
        return {"status": "locked"}, 503
    message = _("The app is locked. Unlock it with the passphrase on the unlock page.")
    wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
    if request.path.startswith("/api/") or wants_json:
        return {"message": message, "field": None, "locked": True}, 401
    return redirect(url_for("vault.unlock"))


def guard():
    """before_request: a locked installation answers with the unlock page (or 401) and nothing else."""
    database = _database()
    if not keys.is_encrypted(database):
        return None
    over = keys.idle_for(database)
    if over is not None and over >= 0:
        lock.lock(database, Actor(name="idle lock", address=request.remote_addr or "unknown"), "idle")
    if keys.key_for(database) is not None:
        if request.endpoint != "static":
            keys.touch(database)
        return None
    if request.endpoint == "static":
        return None
    if keys.is_claimed_elsewhere(database):
        return _served_elsewhere()
    if request.endpoint in OPEN_WHEN_LOCKED:
        return None
    return _locked_answer()


def _served_elsewhere():
    """Several worker processes: this one cannot have the key another took. Say so (409), rather than
    sending the browser between a locked and an unlocked worker."""
    message = _("Another server process holds the key: an encrypted installation runs one (see the docs).")
    if request.path.startswith("/api/") or request.is_json or request.endpoint == "main.health":
        return {"message": message, "field": None, "locked": True}, 409
    return render_template("vault/unlock.html", form=None, served=message), 409


def on_locked_error(_error: keys.Locked):
    """The app was locked while this request ran: answer as the guard would have."""
    close_db()
    return _locked_answer()


@bp.route("/unlock", methods=["GET", "POST"])
@allow(PUBLIC)
def unlock():
    """The passphrase of an encrypted installation: the key is derived and kept in memory only."""
    database = _database()
    if not keys.is_encrypted(database) or keys.key_for(database) is not None:
        return redirect(url_for("main.index"))
    form = UnlockForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if lock.throttled(database, address, current_app.config["LOGIN_FAILURES_PER_MINUTE"]):
            abort(429)
        result = lock.unlock(
            database, form.passphrase.data, address, _idle_seconds(), current_app.instance_path
        )
        form.passphrase.data = ""
        if result == "ok":
            session.clear()
            idle = _idle_seconds()
            if idle:
                lock.watch_idle(min(15.0, idle / 4))
            flash(_("Unlocked. Sign in to continue."), "success")
            return redirect(url_for("auth.login"))
        if result == "damaged":
            form.passphrase.errors.append(
                _("The installation's files do not open: the server's log says why. Nothing was changed.")
            )
            status = 503
        elif result == "served":
            form.passphrase.errors.append(
                _("Another server process holds the key: an encrypted installation runs one (see the docs).")
            )
            status = 409
        else:
            form.passphrase.errors.append(_("Wrong passphrase: nothing was opened."))
            status = 401
    return render_template("vault/unlock.html", form=form), status


@bp.route("/lock", methods=["POST"])
@allow(SIGNED_IN)
def lock_now():
    """Lock at once: the key leaves memory, every session ends, the next page is the unlock page."""
    form = EmptyForm()
    if not form.validate_on_submit() or not encrypted():
        return redirect(url_for("main.index"))
    actor = request_actor()
    logout_user()
    session.clear()
    close_db()  # this request's connection goes before the key does
    lock.lock(_database(), actor, "button")
    return redirect(url_for("vault.unlock"))


def first_run_offer() -> str:
    """What the first-run page may offer: "encrypted" (the installation already is), "several" (served
    by more than one worker process: the key would live in one of them only, so encryption is refused and
    the page says what to run), or "offer" (one process: encryption is offered, and preselected)."""
    if encrypted():
        return "encrypted"
    if request.environ.get("wsgi.multiprocess"):  # gunicorn: --workers > 1
        return "several"
    return "offer"


def encrypt_first_run(passphrase: str) -> str | None:
    """Encrypt the still-empty installation now (the request's connection is closed first, and the next
    :func:`monitor.db.get_db` opens the encrypted one); a message when it could not be done."""
    close_db()
    try:
        lock.encrypt_first_run(
            _database(),
            passphrase,
            request_actor(),
            _idle_seconds(),
            current_app.instance_path,
            current_app.config.get("VAULT_KDF"),
        )
    except keys.Served:
        return _("Another server process holds the key: an encrypted installation runs one (see the docs).")
    except keys.VaultError as error:
        current_app.logger.error("first-run encryption: %s", error)
        return _("The installation could not be encrypted: the server's log says why. Nothing was created.")
    idle = _idle_seconds()
    if idle:
        lock.watch_idle(min(15.0, idle / 4))
    return None


def template_context() -> dict:
    """``vault_encrypted`` for the top bar's Lock button, and its form."""
    if not encrypted():
        return {"vault_encrypted": False}
    return {"vault_encrypted": True, "lock_form": EmptyForm()}


def init_app(app: Flask) -> None:
    app.before_request(guard)
    app.register_error_handler(keys.Locked, on_locked_error)
    app.context_processor(template_context)
    app.register_blueprint(bp)
