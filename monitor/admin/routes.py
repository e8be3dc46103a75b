"""Views: the administrator's account pages and audit log."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import anchors, audit, sensitive
from ..auth import request_actor, users
from ..db import get_db
from ..permissions import allow
from .forms import PasswordResetForm, UserCreateForm, UserEditForm

bp = Blueprint("admin", __name__)


def get_user_or_404(user_uuid: str) -> dict:
    user = users.get_by_uuid(get_db(), user_uuid)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@allow("admin")
def user_list():
    """All accounts, active first."""
    return render_template("admin/users.html", users=users.list_all(get_db()))


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def user_create():
    """Create an account with a first password."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = users.create(
                get_db(),
                request_actor(),
                username=form.username.data,
                display_name=form.display_name.data,
                password=form.password.data,
                role=form.role.data,
                language=form.language.data,
                argon2=current_app.config["ARGON2"],
            )
        except users.UserError as error:
            form.username.errors.append(str(error))
        else:
            flash(_("Account “%(name)s” created.", name=user["username"]), "success")
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user_create.html", form=form)


@bp.route("/users/<user_uuid>", methods=["GET", "POST"])
@allow("admin")
def user_edit(user_uuid: str):
    """Change an account's name, role, language or status; reset its password."""
    user = get_user_or_404(user_uuid)
    form = UserEditForm(prefix="edit", data=user)
    reset = PasswordResetForm(user["username"], prefix="reset")
    if form.submit.data and form.validate_on_submit():
        try:
            users.update(
                get_db(),
                request_actor(),
                user_uuid,
                display_name=form.display_name.data.strip() or user["username"],
                role=form.role.data,
                language=form.language.data,
                active=int(form.active.data),
            )
        except users.UserError as error:
            flash(str(error), "error")
        else:
            flash(_("Changes to “%(name)s” saved.", name=user["username"]), "success")
            return redirect(url_for("admin.user_list"))
    if reset.submit.data and reset.validate_on_submit():
        users.set_password(
            get_db(), request_actor(), user_uuid, reset.password.data, current_app.config["ARGON2"]
        )
        flash(
            _(
                "New password set for “%(name)s”; their sessions were ended and their API tokens revoked.",
                name=user["username"],
            ),
            "success",
        )
        return redirect(url_for("admin.user_list"))
    return render_template("admin/user_edit.html", user=user, form=form, reset=reset)


def entry_id(text: str) -> int | None:
    """An audit entry id from the query string, or None (show the newest) for anything else."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 18 else None


@bp.route("/audit")
@allow("admin")
def audit_log():
    """The newest audit entries and whether the hash chain is intact."""
    db = get_db()
    before = entry_id(request.args.get("before", ""))
    # Entries written before keyed hashes came may hold an identity in clear: shown masked.
    entries = [sensitive.masked_entry(db, e) for e in audit.recent(db, limit=100, before_id=before)]
    check = audit.verify(db) if request.args.get("verify") else None
    anchor = anchors.check_file(db, anchors.path_for(current_app.config["DATABASE"]), latest_only=not check)
    return render_template("admin/audit.html", entries=entries, check=check, anchor=anchor)
