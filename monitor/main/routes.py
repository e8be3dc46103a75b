"""Views: home, language switch, error pages."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..api import errors as api_errors
from ..auth import request_actor, users
from ..db import get_db
from ..forms import LanguageForm
from ..missions import records as missions
from ..observe import records as observe
from ..permissions import PUBLIC, SIGNED_IN, allow
from ..security import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@allow(SIGNED_IN)
def index():
    """Home by role: an observer's trials and hearings (returned first); a lead's missions and queue."""
    db = get_db()
    user = current_user.row
    context = {}
    if user["role"] == "observer":
        context["hearings"] = observe.hearings_for_observer(db, user["id"])
        context["trials"] = missions.trials_assigned_to(db, user["id"])
    else:
        context["missions"] = [
            {**m, "counts": missions.mission_counts(db, m["id"])} for m in missions.missions_for(db, user)
        ]
        context["queue"] = observe.review_queue(db, user)
    return render_template("main/index.html", **context)


@bp.route("/healthz")
@allow(PUBLIC)
def health():
    """For a proxy or monitoring: the app answers and its database opens (no data, no session)."""
    get_db().execute("SELECT 1")
    return {"status": "ok"}


@bp.route("/language", methods=["POST"])
@allow(PUBLIC)
def set_language():
    """Switch the interface language (and remember it for a signed-in user)."""
    form = LanguageForm()
    language = form.language.data
    if form.validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated and current_user.language != language:
            users.update(get_db(), request_actor(), current_user.uuid, language=language)
    return redirect(safe_next(form.next.data) or url_for("main.index"))


MESSAGES = {
    400: lambda: _("The request could not be understood. Go back, reload the page and try again."),
    403: lambda: _("You do not have permission to see this page."),
    404: lambda: _("There is no such page."),
    405: lambda: _("This page cannot be used that way."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _(
        "Too many failed sign-in attempts. Wait a minute, then try again. "
        "If you have forgotten your password, ask an administrator to reset it."
    ),
    500: lambda: _("Something went wrong on our side. What you saved before is safe; try again."),
}


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """A readable page for every HTTP error, in the user's language (JSON under /api/)."""
    if request.path.startswith("/api/"):  # e.g. no such API route: the API's views never get to answer
        return api_errors.json_error(error)
    code = error.code or 500
    message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])()
    return render_template("errors/error.html", code=code, message=message), code


@bp.app_errorhandler(500)
def server_error(_error):
    return render_template("errors/error.html", code=500, message=MESSAGES[500]()), 500


@bp.app_errorhandler(CSRFError)
def csrf_error(_error: CSRFError):
    """A form sent without its security token (expired session, or sent from another site)."""
    message = _(
        "This form's security token is missing or has expired. Reload the page and send it again; "
        "nothing was changed."
    )
    return render_template("errors/error.html", code=400, message=message), 400
