"""Views: reports and data exports of a mission (background jobs), and an observer's own hearing report."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from .. import records
from ..auth import request_actor
from ..db import get_db
from ..forms import EmptyForm
from ..i18n import LANGUAGES
from ..missions import records as missions
from ..permissions import (
    allow,
    allowed_profiles,
    audit_refusal,
    get_hearing_or_404,
    get_mission_or_404,
    hearing_profile,
    me,
    refuse,
)
from ..security import CSP
from . import build, jobs, labels
from .redact import PROFILES

bp = Blueprint("reports", __name__)

REPORT_KINDS = ("mission", "trial")
REPORT_FORMATS = ("pdf", "docx", "html")
DATA_FORMATS = ("csv", "xlsx", "json")


def internal_refused() -> str:
    """Why the internal profile is not offered (the exports page says it; a request for it gets it)."""
    return _(
        "The internal profile is only for the mission's leads: anonymous witnesses' identities and named "
        "perpetrators are not given to administrators who are not leads of this mission. Choose the "
        "partner or public profile."
    )


def _report(db, progress, mission_uuid, kind, fmt, profile, lang, instance_path, trial_uuid):
    """A report as a background job (a mission of thousands of hearings takes a while)."""
    progress(0, 2, "Collecting the records")
    mission = records.get(db, "mission", mission_uuid)
    content = build.build_report(db, mission, kind, fmt, profile, lang, instance_path, trial_uuid=trial_uuid)
    progress(2, 2, "Done")
    return content


@bp.route("/missions/<mission_uuid>/exports", methods=["GET", "POST"])
@allow("lead", "admin")
def mission_exports(mission_uuid):
    """Reports for people and data for analysis, with a redaction profile; made in the background."""
    mission = get_mission_or_404(mission_uuid)
    db = get_db()
    trials = missions.trials(db, mission["id"])
    profiles = allowed_profiles(db, mission["id"], me())
    if request.method == "POST":
        form = request.form
        what, fmt = form.get("what", ""), form.get("format", "")
        profile, lang = form.get("profile", ""), form.get("lang", "")
        trial = form.get("trial") or None
        sent_by_form = EmptyForm().validate_on_submit()
        if sent_by_form and profile in PROFILES and profile not in profiles:
            # Refused, not quietly lowered: nobody should hold a file believing it is the whole record.
            audit_refusal("profile above what this user may receive")
            flash(internal_refused(), "error")
            return redirect(url_for("reports.mission_exports", mission_uuid=mission_uuid))
        valid = sent_by_form and profile in PROFILES and lang in LANGUAGES
        if what == "data" and valid and fmt in DATA_FORMATS:
            job = jobs.start_export(
                current_app._get_current_object(), me(), mission, fmt, profile, lang, actor=request_actor()
            )
            return redirect(url_for("reports.job_view", job_uuid=job["uuid"]))
        if what in REPORT_KINDS and valid and fmt in REPORT_FORMATS:
            if what == "trial" and trial not in {t["uuid"] for t in trials}:
                flash(_("Choose the trial to report on."), "error")
                return redirect(url_for("reports.mission_exports", mission_uuid=mission_uuid))
            app = current_app._get_current_object()
            job_uuid = jobs.start(
                app,
                what,
                _report,
                mission["uuid"],
                what,
                fmt,
                profile,
                lang,
                app.instance_path,
                trial,
                user_uuid=me()["uuid"],
                mission_uuid=mission["uuid"],
                fmt=fmt,
                profile=profile,
                lang=lang,
            )
            build.record_export(
                db,
                request_actor(),
                mission,
                kind=what,
                format=fmt,
                profile=profile,
                lang=lang,
                id=trial or "",
                job=job_uuid,
            )
            return redirect(url_for("reports.job_view", job_uuid=job_uuid))
        flash(_("Choose what to export, its format, a profile and a language."), "error")
        return redirect(url_for("reports.mission_exports", mission_uuid=mission_uuid))
    recent = jobs.recent(db, mission["uuid"], me()["uuid"])
    return render_template(
        "exports/mission.html",
        mission=mission,
        trials=trials,
        recent=[labels.describe(jobs.summary(j)) for j in recent],
        button=EmptyForm(),
        profiles=profiles,
        internal_refused=internal_refused() if "internal" not in profiles else "",
    )


def _own_job(job_uuid: str) -> dict:
    job = jobs.get(get_db(), job_uuid)
    if job is None:
        abort(404)
    if job["user_uuid"] != me()["uuid"]:
        refuse("not this user's export")
    return job


@bp.route("/exports/<job_uuid>")
@allow("lead", "admin")
def job_view(job_uuid):
    """An export's progress; the file to download when it is ready."""
    job = _own_job(job_uuid)
    mission = records.get(get_db(), "mission", job["mission_uuid"])
    return render_template("exports/job.html", job=labels.describe(jobs.summary(job)), mission=mission)


@bp.route("/exports/<job_uuid>/status")
@allow("lead", "admin")
def job_status(job_uuid):
    """The progress page polls this."""
    return jsonify(labels.describe(jobs.summary(_own_job(job_uuid))))


@bp.route("/exports/<job_uuid>/download")
@allow("lead", "admin")
def job_download(job_uuid):
    """The finished file (only for whoever started the export, and only while they may still receive its
    profile: a lead removed from the mission no longer gets the internal file made while a lead)."""
    db = get_db()
    job = _own_job(job_uuid)
    mission = records.get(db, "mission", job["mission_uuid"])
    if job["profile"] not in (allowed_profiles(db, mission["id"], me()) if mission else PROFILES[1:]):
        refuse("profile above what this user may receive")
    found = jobs.file_for(db, job)
    if found is None:
        abort(404)
    path, mimetype, name = found
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.route("/hearings/<hearing_uuid>/report")
@allow("observer", "lead", "admin")
def hearing_report(hearing_uuid):
    """A hearing's observation report (HTML to print, or PDF) — observers print their own.

    Internal for the mission's leads and the hearing's observer; partner (no anonymous witness's
    identity, no named perpetrators) for anyone else, administrators included."""
    hearing, _trial, mission = get_hearing_or_404(hearing_uuid)
    fmt = request.args.get("format", "html")
    lang = request.args.get("lang", "en")
    if fmt not in ("html", "pdf") or lang not in LANGUAGES:
        abort(400)
    if hearing["status"] == "draft":
        flash(_("A draft has no report yet: submit the hearing first."), "error")
        return redirect(url_for("observe.hearing_view", hearing_uuid=hearing_uuid))
    profile = hearing_profile(get_db(), hearing, mission["id"], me())
    content, mimetype, name = build.build_report(
        get_db(),
        mission,
        "hearing",
        fmt,
        profile,
        lang,
        current_app.instance_path,
        hearing_uuid=hearing_uuid,
    )
    build.record_export(
        get_db(),
        request_actor(),
        mission,
        kind="hearing",
        format=fmt,
        profile=profile,
        lang=lang,
        id=hearing_uuid,
    )
    if fmt == "html":
        response = current_app.response_class(content, mimetype="text/html")
        # The report carries its stylesheet as a data: URL (so the same file opens styled from a disk);
        # allow exactly that for this page, and nothing else.
        response.headers["Content-Security-Policy"] = CSP.replace(
            "style-src 'self'", "style-src 'self' data:"
        )
        return response
    return current_app.response_class(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
