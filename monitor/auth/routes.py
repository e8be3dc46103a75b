"""Views: sign in, sign out, first-run set-up, own profile."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..db import get_db, utcnow
from ..forms import EmptyForm
from ..permissions import PUBLIC, SIGNED_IN, allow
from ..security import safe_next
from ..vault import web as vault_web
from . import tokens, users
from .forms import LoginForm, PasswordChangeForm, ProfileForm, SetupForm, TokenForm
from .identity import User, request_actor

bp = Blueprint("auth", __name__)


def start_session(row: dict) -> None:
    """Sign in with a fresh session (new CSRF token), keeping only the chosen language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(User(row))
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign in with user name and password."""
    db = get_db()
    if users.count(db) == 0:
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = users.authenticate(
            db,
            form.username.data,
            form.password.data,
            request.remote_addr or "unknown",
            argon2=current_app.config["ARGON2"],
            limit=current_app.config["LOGIN_FAILURES_PER_MINUTE"],
        )
        if result.throttled:
            abort(429)
        if result.user is None:
            form.password.errors.append(_("Wrong user name or password, or the account is deactivated."))
        else:
            start_session(result.user)
            flash(_("Signed in as %(name)s.", name=result.user["display_name"]), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(SIGNED_IN)
def logout():
    """Sign out, and revoke every copy of this user's session cookie."""
    form = EmptyForm()
    if form.validate_on_submit():
        users.end_sessions(get_db(), request_actor(), current_user.uuid)
        logout_user()
        session.clear()
        flash(_("Signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@allow(PUBLIC)
def setup():
    """First run: create the first administrator (gone once any account exists)."""
    db = get_db()
    if users.count(db) > 0:
        abort(404)
    form = SetupForm()
    offer = vault_web.first_run_offer()
    status = 200
    if form.validate_on_submit():
        problem = None
        if form.encrypt.data and offer == "several":
            problem = _(
                "Encryption cannot be chosen while the server runs several worker processes: see above."
            )
        elif form.encrypt.data and offer == "offer":
            # Encrypted before the administrator is written: the account goes into the encrypted store.
            problem = vault_web.encrypt_first_run(form.passphrase.data)
        if problem:
            form.passphrase.errors.append(problem)
            status = 409
        else:
            try:
                created = users.create(
                    get_db(),
                    request_actor(),
                    username=form.username.data,
                    display_name=form.display_name.data,
                    password=form.password.data,
                    role="admin",
                    language=form.language.data,
                    argon2=current_app.config["ARGON2"],
                    first_admin=True,
                )
            except users.UserError as error:
                form.username.errors.append(str(error))
                return render_template("auth/setup.html", form=form, offer=vault_web.first_run_offer())
            # The person who just chose the password is signed in at once: asking for it again, on a
            # page with the user name blank, was a step that taught nothing.
            session["language"] = form.language.data
            start_session(users.get_by_uuid(get_db(), created["uuid"]))
            flash(
                _("Administrator created; you are signed in. Next, create the accounts of your team."),
                "success",
            )
            return redirect(url_for("main.index"))
    return render_template("auth/setup.html", form=form, offer=offer), status


@bp.route("/profile", methods=["GET", "POST"])
@allow(SIGNED_IN)
def profile():
    """The signed-in user's own name, language, password and API tokens."""
    db = get_db()
    me = users.get_by_uuid(db, current_user.uuid)
    profile_form = ProfileForm(prefix="profile", data=me)
    password_form = PasswordChangeForm(me["username"], prefix="password")
    token_form = TokenForm(prefix="token")
    new_token = None
    if profile_form.submit.data and profile_form.validate_on_submit():
        users.update(
            db,
            request_actor(),
            me["uuid"],
            display_name=profile_form.display_name.data.strip() or me["username"],
            language=profile_form.language.data,
        )
        flash(_("Profile saved."), "success")
        return redirect(url_for("auth.profile"))
    if password_form.submit.data and password_form.validate_on_submit():
        check = users.confirm_password(
            db,
            me,
            password_form.current.data,
            request.remote_addr or "unknown",
            argon2=current_app.config["ARGON2"],
            limit=current_app.config["LOGIN_FAILURES_PER_MINUTE"],
        )
        if check == "throttled":
            abort(429)
        if check == "wrong":
            password_form.current.errors.append(_("This is not your current password."))
        else:
            row = users.set_password(
                db, request_actor(), me["uuid"], password_form.password.data, current_app.config["ARGON2"]
            )
            start_session(row)  # this browser stays signed in; every other copy is revoked
            flash(
                _(
                    "Password changed. Other sessions of your account were signed out and your API tokens "
                    "revoked."
                ),
                "success",
            )
            return redirect(url_for("auth.profile"))
    if token_form.submit.data and token_form.validate_on_submit():
        try:
            row, secret = tokens.create(
                db,
                request_actor(),
                me,
                name=token_form.name.data,
                scope=token_form.scope.data,
                days=tokens.EXPIRY_DAYS[token_form.expiry.data],
            )
        except tokens.TokenError as error:
            token_form.name.errors.append(str(error))
        else:
            # Shown on this response only (pages are no-store): never stored, never in the session cookie.
            new_token = {**row, "secret": secret}
            token_form = TokenForm(prefix="token", formdata=None)
    return render_template(
        "auth/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        token_form=token_form,
        new_token=new_token,
        tokens=tokens.for_user(db, me["id"]),
        now=utcnow(),
        scopes=tokens.SCOPES,
        revoke_form=EmptyForm(),
    )


@bp.route("/profile/tokens/<token_uuid>/revoke", methods=["POST"])
@allow(SIGNED_IN)
def token_revoke(token_uuid):
    """Revoke one of the user's own API tokens: it stops working at once."""
    if EmptyForm().validate_on_submit():
        token = tokens.revoke(get_db(), request_actor(), current_user.row, token_uuid)
        if token is None:
            abort(404)
        flash(_("Token “%(name)s” revoked.", name=token["name"]), "success")
    return redirect(url_for("auth.profile") + "#tokens")
