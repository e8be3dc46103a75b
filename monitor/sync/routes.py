"""Pages: sync status, export and import of bundles, push and pull, the conflict queue."""

import json
import os
import secrets
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from .. import private_files, records, sensitive
from ..audit import Actor
from ..auth import User, request_actor, users
from ..db import get_db
from ..forms import EmptyForm
from ..missions import declarations
from ..observe import fields
from ..permissions import SIGNED_IN, allow, get_conflict_or_404, me, receives_identities, require
from ..reports import jobs
from . import client, conflicts, exporter, service
from .bundle import MIN_PASSPHRASE, BundleError, is_sealed, seal, unseal

bp = Blueprint("sync", __name__)

# What people read for a record type and a kind of bundle.
RECORD_TYPES = {
    "mission": _l("Mission"),
    "trial": _l("Trial"),
    "defendant": _l("Defendant"),
    "case_fact": _l("Case fact"),
    "case_fact_history": _l("Earlier value of a case fact"),
    "hearing": _l("Hearing"),
    "witness": _l("Witness"),
    "witness_appearance": _l("Witness heard at a sitting"),
    "allegation": _l("Allegation"),
    "note": _l("Note"),
    "review": _l("Review"),
    "hearing_revision": _l("Correction of a hearing"),
    "sitting": _l("Sitting"),
    "reconciliation": _l("Reconciled answer"),
    "evidence": _l("Evidence file"),
    "follow_up": _l("Follow-up of an allegation"),
    "legal_assessment": _l("Legal assessment"),
    "mission_country": _l("Country of a mission"),
    "recommendation": _l("Recommendation"),
    "official_statistic": _l("Official figure"),
    "assessment": _l("Assessment of a recommendation"),
    "assessment_link": _l("Evidence of an assessment"),
    "submission_theme": _l("New recommendations of a theme"),
}
BUNDLE_KINDS = {
    "changes": _l("New since the last sync"),
    "trial": _l("One whole trial"),
    "setup": _l("Mission set-up"),
    "pull": _l("Pulled from the server"),
}


@bp.app_context_processor
def sync_labels() -> dict:
    return {"record_types": RECORD_TYPES, "bundle_kinds": BUNDLE_KINDS}


INBOX = "sync-inbox"  # an uploaded bundle waits here between a dry run and the real import
KEPT_KEYS = "sync_kept"  # session key: {kept bundle's key: the one-time key it was sealed again with}
INBOX_HOURS = 1


def _missions():
    return service.missions_of(get_db(), me())


def _trials(missions: list[dict]) -> list[dict]:
    db = get_db()
    trials: list[dict] = []
    for mission in missions:
        rows = exporter.select(db, me(), mission, "setup", only_kinds=("trial",)).records.get("trial", [])
        trials.extend(
            {"uuid": r["uuid"], "title": r["content"]["title"], "mission": mission["name"]} for r in rows
        )
    return trials


def _managed_mission_ids() -> list[int] | None:
    if me()["role"] == "admin":
        return None
    return [m["id"] for m in _missions() if m["part"] == "lead"]


@bp.route("/")
@allow(SIGNED_IN)
def status():
    """Where this machine stands: the server, what waits to be sent, recent bundles, open conflicts."""
    db = get_db()
    missions = _missions()
    pending = [(m, exporter.pending_counts(db, me(), m)) for m in missions]
    recent = service.recent_bundles(db, me()["uuid"])
    waiting = conflicts.open_conflicts(db, _managed_mission_ids())
    return render_template(
        "sync/status.html",
        remote=client.remote_status(db, current_app.instance_path),
        missions=missions,
        trials=_trials(missions),
        pending=pending,
        recent=recent,
        conflicts=waiting,
        whats=exporter.WHATS,
        form=EmptyForm(),
        min_passphrase=MIN_PASSPHRASE,
    )


@bp.route("/export", methods=["POST"])
@allow(SIGNED_IN)
def export():
    """Download a bundle: new since the last sync, one trial, or a mission's set-up."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_db()
    form = request.form
    mission = next((m for m in _missions() if m["uuid"] == form.get("mission")), None)
    what = form.get("what", "")
    passphrase = form.get("passphrase", "")
    if mission is None or what not in exporter.WHATS:
        flash(_("Choose a mission and what to export."), "error")
        return redirect(url_for("sync.status"))
    if passphrase and passphrase != form.get("passphrase_again", ""):
        flash(_("The two passphrases differ."), "error")
        return redirect(url_for("sync.status"))
    trial = None
    if what == "trial":
        trial = service.trial_of(db, mission, form.get("trial", ""))
        if trial is None or trial["uuid"] not in {t["uuid"] for t in _trials([mission])}:
            flash(_("Choose the trial to export."), "error")
            return redirect(url_for("sync.status"))
    try:
        data, manifest = service.export(
            db, me(), request_actor(), mission, what, trial=trial, passphrase=passphrase or None
        )
    except (exporter.ExportError, BundleError) as error:
        flash(str(error), "error")
        return redirect(url_for("sync.status"))
    stamp = manifest["created_at"][:10]
    name = f"{what}-{stamp}-{manifest['bundle_uuid'][:8]}.tmbundle"
    response = current_app.response_class(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _inbox() -> str:
    folder = os.path.join(current_app.instance_path, INBOX)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for name in os.listdir(folder):  # forget uploads nobody confirmed
        path = os.path.join(folder, name)
        if time.time() - os.path.getmtime(path) > INBOX_HOURS * 3600:
            os.unlink(path)
    return folder


def _inbox_path(key: str) -> str | None:
    if not key or not key.replace("-", "").replace("_", "").isalnum() or len(key) > 80:
        return None
    path = os.path.join(_inbox(), f"{me()['uuid']}-{key}.tmbundle")
    return path if os.path.exists(path) else None


@bp.route("/import", methods=["POST"])
@allow(SIGNED_IN)
def import_():
    """Import an uploaded bundle (or one kept from a dry run); a dry run shows what would change."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    upload, key = request.files.get("bundle"), request.form.get("kept", "")
    if upload and upload.filename:
        limit = current_app.config["MAX_BUNDLE_BYTES"]  # instance_config.DEFAULTS, as for the push
        data = upload.read(limit + 1)
        if len(data) > limit:
            flash(_("This file is too large to import here; use the import-bundle command."), "error")
            return redirect(url_for("sync.status"))
    elif _inbox_path(key):
        with open(_inbox_path(key), "rb") as handle:
            data = handle.read()
    else:
        flash(_("Choose a bundle file to import."), "error")
        return redirect(url_for("sync.status"))
    dry_run = bool(request.form.get("dry_run"))
    # A sealed bundle kept from a dry run was sealed again with a one-time key held in this session, so
    # the passphrase is typed once; the passphrase itself is never kept, in the session or on disk.
    passphrase = request.form.get("passphrase") or session.get(KEPT_KEYS, {}).get(key) or None
    try:
        report = service.import_(
            get_db(),
            data,
            me(),
            request_actor(),
            extra_dirs=current_app.config["CHECKLIST_DIRS"],
            passphrase=passphrase,
            dry_run=dry_run,
        )
    except BundleError as error:
        flash(_("Nothing was imported: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("sync.status"))
    held = False
    if dry_run and not key:
        key = secrets.token_urlsafe(16)
        if is_sealed(data) and passphrase:
            one_time = secrets.token_urlsafe(24)
            data = seal(unseal(data, passphrase), one_time)
            session[KEPT_KEYS] = {key: one_time}  # one dry run at a time
            held = True
        path = os.path.join(_inbox(), f"{me()['uuid']}-{key}.tmbundle")
        private_files.create_new(path, data)
    elif dry_run:
        held = key in session.get(KEPT_KEYS, {})
    elif _inbox_path(key):
        os.unlink(_inbox_path(key))
        session.pop(KEPT_KEYS, None)
    if report.linked:  # the account took its server uuid: keep this person signed in
        login_user(User(users.get_by_username(get_db(), me()["username"])))
    return render_template(
        "sync/report.html",
        report=report,
        kept=key if dry_run else "",
        sealed=is_sealed(data) and not held,
        form=EmptyForm(),
    )


# Push and pull (in the background, with progress) -------------------------------------------------


def _push(db, progress, user_uuid, instance_path, batch_size):
    user = users.get_by_uuid(db, user_uuid)
    totals = client.push(db, instance_path, user, _job_actor(user), progress, batch_size)
    with force_locale(user["language"]):
        progress(1, 1, service.outcome("push", totals))


def _pull(db, progress, user_uuid, instance_path, extra_dirs):
    user = users.get_by_uuid(db, user_uuid)
    totals = client.pull(db, instance_path, user, _job_actor(user), extra_dirs, progress)
    with force_locale(user["language"]):
        progress(1, 1, service.outcome("pull", totals))


def _job_actor(user):
    return Actor(uuid=user["uuid"], name=user["username"], address="sync")


@bp.route("/remote", methods=["POST"])
@allow(SIGNED_IN)
def remote():
    """Set the mission server's address and this person's API token."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        account = client.configure(
            get_db(),
            current_app.instance_path,
            request.form.get("url", ""),
            request.form.get("token", "").strip(),
            me(),
            request_actor(),
        )
    except client.SyncError as error:
        flash(str(error), "error")
    else:
        if account["linked"]:  # the account took its server uuid: keep this person signed in
            login_user(User(users.get_by_username(get_db(), me()["username"])))
        flash(_("Connected to the server as %(name)s.", name=account.get("display_name", "")), "success")
    return redirect(url_for("sync.status"))


@bp.route("/<direction>", methods=["POST"])
@allow(SIGNED_IN)
def run(direction):
    """Start a push or a pull in the background and show its progress."""
    if direction not in ("push", "pull") or not EmptyForm().validate_on_submit():
        abort(404 if direction not in ("push", "pull") else 400)
    if client.load_settings(current_app.instance_path) is None:
        flash(_("Set up the server first."), "error")
        return redirect(url_for("sync.status"))
    app = current_app._get_current_object()
    args = [me()["uuid"], app.instance_path]
    if direction == "pull":
        args.append(app.config["CHECKLIST_DIRS"])
    else:
        args.append(int(app.config.get("SYNC_HEARINGS_PER_PUSH", exporter.HEARINGS_PER_PUSH)))
    job_uuid = jobs.start(
        app, f"sync-{direction}", _push if direction == "push" else _pull, *args, user_uuid=me()["uuid"]
    )
    return redirect(url_for("sync.job_view", job_uuid=job_uuid))


def _own_job(job_uuid: str) -> dict:
    job = jobs.get(get_db(), job_uuid)
    if job is None or not job["kind"].startswith("sync-"):
        abort(404)
    require(job["user_uuid"] == me()["uuid"], "not this user's job")
    return job


@bp.route("/jobs/<job_uuid>")
@allow(SIGNED_IN)
def job_view(job_uuid):
    """A push's or a pull's progress."""
    return render_template("sync/job.html", job=jobs.summary(_own_job(job_uuid)))


@bp.route("/jobs/<job_uuid>/status")
@allow(SIGNED_IN)
def job_status(job_uuid):
    return jsonify(jobs.summary(_own_job(job_uuid)))


# Conflicts ------------------------------------------------------------------------------------------


@bp.route("/conflicts")
@allow("lead", "admin")
def conflict_list():
    """Records changed on two machines, waiting for a lead's choice."""
    return render_template(
        "sync/conflicts.html", conflicts=conflicts.open_conflicts(get_db(), _managed_mission_ids())
    )


@bp.route("/conflicts/<conflict_uuid>", methods=["GET", "POST"])
@allow("lead", "admin")
def conflict_view(conflict_uuid):
    """Both versions side by side; the lead picks, field by field, and the choice is audited."""
    conflict = get_conflict_or_404(conflict_uuid)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit() and conflict["status"] == "open":
        everything = request.form.get("all")
        fields = conflicts.differing(conflict)
        choices = {
            f["field"]: everything
            if everything in conflicts.SIDES
            else request.form.get(f"choice-{index}", "")
            for index, f in enumerate(fields)
        }
        try:
            checklist_for = service.checklist_for(current_app.config["CHECKLIST_DIRS"])
            conflicts.resolve(get_db(), request_actor(), me(), conflict, choices, checklist_for)
        except conflicts.ConflictError as error:
            flash(str(error), "error")
            return redirect(url_for("sync.conflict_view", conflict_uuid=conflict_uuid))
        flash(_("Conflict resolved; your choice is in the audit log."), "success")
        return redirect(url_for("sync.conflict_list"))
    hidden = _withheld(conflict)
    return render_template(
        "sync/conflict.html",
        conflict=conflict,
        fields=[
            {**f, "local_shown": None, "incoming_shown": None, "hidden": True}
            if f["field"] in hidden
            else {**f, "local_shown": _listed(f["local"]), "incoming_shown": _listed(f["incoming"])}
            for f in conflicts.differing(conflict)
        ],
        names=conflicts.names(get_db(), conflict),
        title=conflicts.title(conflict),
        labels=field_labels(conflict["record_type"]),
        value_labels=choice_labels(conflict["record_type"]),
        form=form,
    )


def _withheld(conflict: dict) -> set[str]:
    """The fields of a conflict this user may not read (the identity gate in monitor.permissions): an
    anonymous witness's identity, named perpetrators, a kept snapshot holding either — on either side."""
    table = conflict["record_type"]
    hidden = set()
    for side in conflicts.sides(conflict):
        if table == "witness":
            recorder = side.get("recorded_by_uuid")
        else:  # an allegation or a kept revision: recorded by the hearing's observer
            hearing = records.get(get_db(), "hearing", str(side.get("hearing_uuid")))
            recorder = hearing["observer_id"] if hearing else None
        if receives_identities(get_db(), conflict["mission_id"], me(), recorder):
            continue
        hidden.update(sensitive.withheld_from(table, side))
        if (table, "snapshot") in sensitive.SNAPSHOTS and side.get("snapshot"):
            hidden.add("snapshot")
    return hidden


def field_labels(record_type: str) -> dict:
    """The pages' own (translated) labels of a record type's fields, for the conflict page."""
    if record_type in fields.TARGETS:
        return {name: spec.label for name, spec in fields.TARGETS[record_type].items()}
    record = declarations.RECORDS.get(record_type)
    return {column.name: column.label for column in record.columns} if record else {}


def choice_labels(record_type: str) -> dict[str, dict]:
    """field → {stored code → its label}, so a conflict shows "Legal aid", not "legal_aid"."""
    if record_type in fields.TARGETS:
        return {name: spec.choices for name, spec in fields.TARGETS[record_type].items() if spec.choices}
    record = declarations.RECORDS.get(record_type)
    return {c.name: c.choice_labels for c in record.columns if c.choices} if record else {}


def _listed(value):
    """A list stored as JSON text (conviction basis, methods…) as a list, to show its items one by one."""
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, list) else value
    return value
