"""Views: the hearing form and its autosave, notes, submission, correction and review."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import checklists, records
from ..auth import request_actor
from ..db import get_db, utcnow
from ..forms import EmptyForm
from ..missions import records as missions
from ..permissions import (
    allow,
    get_hearing_or_404,
    get_hearing_to_review_or_404,
    get_mission_or_404,
    get_sitting_or_404,
    get_trial_or_404,
    is_assigned,
    leads,
    manages,
    me,
    require,
    sees_identity,
    sees_perpetrators,
)
from . import corrections, fields, review, sitting_form, sittings
from . import records as observe
from .forms import CorrectionForm, ReconcileForm, ReviewForm, StartHearingForm
from .records import MAX_BATCH, MAX_NOTE, typed_at

bp = Blueprint("observe", __name__)


@bp.app_template_filter("fromjson")
def fromjson(value: str) -> list:
    """A JSON list column as a list, in templates."""
    return records.as_list(value)


def checklist_of(hearing: dict):
    return checklists.of(hearing)


def back(hearing: dict, anchor: str = ""):
    return redirect(url_for("observe.hearing_view", hearing_uuid=hearing["uuid"]) + anchor)


@bp.route("/trials/<trial_uuid>/hearings", methods=["POST"])
@allow("observer")
def hearing_start(trial_uuid):
    """Start observing a hearing of a trial this observer is assigned to."""
    trial, mission = get_trial_or_404(trial_uuid)
    require(is_assigned(trial["id"]), "not assigned to this trial")
    form = StartHearingForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("missions.trial_view", trial_uuid=trial_uuid))
    db = get_db()
    hearing = observe.start_hearing(
        db, request_actor(), trial, mission, me(), form.hearing_date.data.isoformat(), form.session_number
    )
    others = sittings.others_on(db, hearing)
    if others:
        flash(
            _(
                "This sitting is already observed by %(names)s: yours is a second observation of it.",
                names=", ".join(sorted({o["observer_name"] for o in others})),
            ),
            "success",
        )
    return back(hearing)


@bp.route("/hearings/<hearing_uuid>")
@allow("observer", "lead", "admin")
def hearing_view(hearing_uuid):
    """The hearing: the form while its observer is writing it, else the record with its reviews."""
    hearing, trial, mission = get_hearing_or_404(hearing_uuid)
    db = get_db()
    checklist = checklist_of(hearing)
    present = observe.presence(db, hearing["id"])
    answers = observe.answers(db, hearing["id"])
    defendant_items = sitting_form.defendant_items(checklist)
    context = {
        "hearing": hearing,
        "trial": trial,
        "mission": mission,
        "checklist": checklist,
        "defendants": present,
        "answers": {f"{s}|{k}": row for (s, k), row in answers.items()},
        "witnesses": observe.witnesses(db, hearing["id"]),
        "allegations": observe.allegations(db, hearing["id"]),
        "notes": observe.notes(db, hearing["id"]),
        "reviews": observe.reviews(db, hearing["id"]),
        "revisions": observe.revisions(db, hearing["id"]),
        "unanswered": observe.unanswered(answers, [d for d in present if d["present"]], defendant_items),
        "fields": fields,
        "mine": hearing["observer_id"] == me()["id"],
        "observer_name": records.get_by_id(db, "user", hearing["observer_id"])["display_name"],
        "lead": manages(mission["id"]),
        "button": EmptyForm(),
    }
    context["defendant_options"] = {d["uuid"]: d["name"] for d in present}
    # The form shows one defendant's checklist at a time (trials with 40 co-defendants are common).
    here = [d for d in present if d["present"]]
    chosen = request.args.get("d")
    context["current"] = next((d for d in here if d["uuid"] == chosen), here[0] if here else None)
    context["witness_options"] = {w["uuid"]: w["label"] for w in context["witnesses"]}
    context["heard_before"] = observe.persons_to_hear_again(db, hearing)  # "heard again": pick the person
    context["units"] = sitting_form.asks_units(checklist)
    if context["units"]:
        language = str(get_locale())
        context["roster"] = sitting_form.form_context(checklist, answers, present, language)
    if context["mine"] and hearing["status"] in observe.EDITABLE:
        return render_template("observe/form.html", **context)
    read = review.subjects(checklist, context["answers"], present, context["witnesses"], str(get_locale()))
    sitting = records.get_by_id(db, "sitting", hearing["sitting_id"]) if hearing["sitting_id"] else None
    return render_template(
        "observe/view.html",
        **context,
        review=read,
        provenance_labels={code: str(label) for code, label in fields.PROVENANCE.items()},
        comment_on=review.find(read, request.args.get("comment")) if context["lead"] else None,
        co_observers=sorted({o["observer_name"] for o in sittings.others_on(db, hearing)}),
        sitting_uuid=sitting["uuid"] if sitting else None,
        leads_mission=leads(mission["id"]),
        review_form=ReviewForm(),
        correction_form=CorrectionForm(),
        identity_visible={w["uuid"]: sees_identity(w, mission["id"]) for w in context["witnesses"]},
        perpetrators_visible=sees_perpetrators(hearing, mission["id"]),
    )


@bp.route("/hearings/<hearing_uuid>/save", methods=["POST"])
@allow("observer")
def hearing_save(hearing_uuid):
    """Autosave: apply a batch of changed fields; answer with the time saved and any refused field."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    payload = request.get_json(silent=True)
    changes = payload.get("changes") if isinstance(payload, dict) else None
    if not isinstance(changes, list) or len(changes) > MAX_BATCH:
        return jsonify(message=_("The changes could not be read."), field=None), 400
    try:
        errors = observe.save_changes(get_db(), request_actor(), hearing, checklist_of(hearing), changes)
    except observe.HearingError:
        message = _("This hearing was submitted and is locked; reload the page.")
        return jsonify(message=message, field=None), 409
    return jsonify(saved_at=utcnow(), errors=[{"id": e["id"], "message": str(e["message"])} for e in errors])


@bp.route("/hearings/<hearing_uuid>/notes", methods=["POST"])
@allow("observer")
def note_add(hearing_uuid):
    """Add a running note, stamped with the time the observer began typing it."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}
    text = payload.get("text") if isinstance(payload.get("text"), str) else ""
    if not text.strip():
        return jsonify(message=_("The note is empty."), field="text"), 422
    if len(text) > MAX_NOTE:
        return jsonify(message=_("A note can be at most %(n)d characters.", n=MAX_NOTE), field="text"), 422
    try:
        note = observe.add_note(
            get_db(), request_actor(), hearing, me()["id"], text.strip(), typed_at(payload.get("typed_at"))
        )
    except observe.HearingError:
        return jsonify(
            message=_("This hearing was submitted and is locked; reload the page."), field=None
        ), 409
    return jsonify(uuid=note["uuid"], typed_at=note["typed_at"], text=note["text"]), 201


@bp.route("/hearings/<hearing_uuid>/witnesses", methods=["POST"])
@allow("observer")
def witness_add(hearing_uuid):
    """Add a witness heard at this hearing."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    if EmptyForm().validate_on_submit():
        try:  # a person of the trial heard again, or (none chosen) a new one
            witness = observe.add_witness(
                get_db(), request_actor(), hearing, me()["id"], request.form.get("person") or None
            )
        except observe.HearingError:
            flash(_("Choose from the list."), "error")
            return back(hearing, "#witnesses")
        return back(hearing, f"#w-{witness['uuid']}")
    return back(hearing)


@bp.route("/hearings/<hearing_uuid>/allegations", methods=["POST"])
@allow("observer")
def allegation_add(hearing_uuid):
    """Add a torture or ill-treatment allegation raised at this hearing."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    if EmptyForm().validate_on_submit():
        allegation = observe.add_allegation(get_db(), request_actor(), hearing)
        return back(hearing, f"#al-{allegation['uuid']}")
    return back(hearing)


@bp.route("/hearings/<hearing_uuid>/<any(witness, allegation):kind>/<record_uuid>/remove", methods=["POST"])
@allow("observer")
def record_remove(hearing_uuid, kind, record_uuid):
    """Remove a witness or allegation added by mistake (while the hearing is a draft)."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    if EmptyForm().validate_on_submit():
        try:
            observe.remove(get_db(), request_actor(), hearing, kind, record_uuid)
        except observe.HearingError:
            abort(404)
        flash(_("Removed."), "success")
    return back(hearing, "#witnesses" if kind == "witness" else "#allegations")


@bp.route("/hearings/<hearing_uuid>/submit", methods=["POST"])
@allow("observer")
def hearing_submit(hearing_uuid):
    """Submit the hearing to the mission's leads; it is locked from now on."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    if EmptyForm().validate_on_submit():
        try:
            observe.submit(get_db(), request_actor(), hearing)
        except observe.HearingError:
            flash(_("This hearing was already submitted."), "error")
        else:
            flash(_("Hearing submitted for review. Thank you."), "success")
    return back(hearing)


@bp.route("/hearings/<hearing_uuid>/correct", methods=["POST"])
@allow("observer")
def hearing_correct(hearing_uuid):
    """Open a submitted, returned or approved hearing again, giving the reason; the old version is kept."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the correction."), "error")
        return back(hearing, "#correct")
    try:
        observe.start_correction(get_db(), request_actor(), hearing, me()["id"], form.reason.data.strip())
    except observe.HearingError:
        flash(_("This hearing is already open for editing."), "error")
    else:
        flash(_("The hearing is open for your correction. Submit it again when you are done."), "success")
    return back(hearing)


@bp.route("/hearings/<hearing_uuid>/review", methods=["POST"])
@allow("lead", "admin")
def hearing_review(hearing_uuid):
    """A lead approves or returns a hearing, or comments on it or on one answer."""
    hearing, _trial, _mission = get_hearing_to_review_or_404(hearing_uuid)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return back(hearing, "#review")
    try:
        observe.review(
            get_db(),
            request_actor(),
            hearing,
            me()["id"],
            form.decision.data,
            (form.comment.data or "").strip(),
            form.answer.data or "",
        )
    except observe.HearingError:
        flash(_("Only a submitted hearing can be approved or returned."), "error")
        return back(hearing, "#review")
    messages = {
        "approved": _("Hearing approved."),
        "returned": _("Hearing returned to the observer with your comment."),
        "comment": _("Comment saved."),
    }
    flash(messages[form.decision.data], "success")
    if form.decision.data == "comment":
        return back(hearing, f"#a-{form.answer.data}" if form.answer.data else "#review")
    return redirect(url_for("observe.review_queue"))


@bp.route("/hearings/<hearing_uuid>/changes")
@allow("observer", "lead", "admin")
def hearing_changes(hearing_uuid):
    """What changed at each correction: every revision compared with the next (or with now).

    An anonymous witness's identity and named perpetrators are shown only to those who may receive them
    (the mission's leads, the observer who recorded them): for anyone else the row says it is hidden."""
    hearing, trial, mission = get_hearing_or_404(hearing_uuid)
    steps = corrections.history(get_db(), hearing, trial, mission, me(), str(get_locale()))
    return render_template(
        "observe/changes.html",
        hearing=hearing,
        trial=trial,
        mission=mission,
        steps=steps,
    )


@bp.route("/review")
@allow("lead", "admin")
def review_queue():
    """Hearings waiting for this lead's review, oldest submission first."""
    return render_template("observe/queue.html", hearings=observe.review_queue(get_db(), me()))


# Sittings and reconciliation ------------------------------------------------------------------------


def _sitting_checklist(db, sitting: dict, mission: dict, observations: list[dict]):
    """The checklist the sitting's observations were answered with (the first one's), else the mission's."""
    source = observations[0] if observations else mission
    return checklists.of(source)


def mission_checklist(mission: dict):
    return checklists.of(mission)


@bp.route("/sittings/<sitting_uuid>")
@allow("lead", "admin")
def sitting_view(sitting_uuid):
    """A lead's page of one sitting: its observations, and where they disagree, side by side, with a form
    to record the reconciled answer (``?item=<key>`` shows that question's only)."""
    sitting, trial, mission = get_sitting_or_404(sitting_uuid, reconcile=True)
    db = get_db()
    seen = sittings.observations(db, sitting["id"])
    checklist = _sitting_checklist(db, sitting, mission, seen)
    rows = sittings.disagreements(db, sitting, checklist)
    only = request.args.get("item", "")
    if only:
        rows = [r for r in rows if r["item_key"] == only]
    items = {}
    for row in rows:
        try:
            items[row["item_key"]] = checklist.item(row["item_key"])
        except KeyError:
            items[row["item_key"]] = None
    names = {d["uuid"]: d["name"] for d in missions.defendants(db, trial["id"])}
    for observation in seen:
        names.update({w["uuid"]: w["label"] for w in observe.witnesses(db, observation["id"])})
    return render_template(
        "observe/sitting.html",
        sitting=sitting,
        trial=trial,
        mission=mission,
        observations=seen,
        rows=rows,
        items=items,
        names=names,
        only=only,
        form=ReconcileForm(),
    )


@bp.route("/sittings/<sitting_uuid>/reconcile", methods=["POST"])
@allow("lead", "admin")
def sitting_reconcile(sitting_uuid):
    """Record (or change) the reconciled answer for one disagreement, with its reason; audited."""
    sitting, _trial, mission = get_sitting_or_404(sitting_uuid, reconcile=True)
    db = get_db()
    form = ReconcileForm()
    target = url_for("observe.sitting_view", sitting_uuid=sitting_uuid)
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(target)
    checklist = _sitting_checklist(db, sitting, mission, sittings.observations(db, sitting["id"]))
    try:
        sittings.reconcile(
            db,
            request_actor(),
            sitting,
            checklist,
            me()["id"],
            form.subject.data or "",
            form.item.data,
            form.value.data or "",
            form.reason.data,
        )
    except sittings.SittingError as error:
        flash(str(error), "error")
        return redirect(target)
    flash(_("Reconciled answer saved."), "success")
    return redirect(target + f"#r-{form.item.data}-{form.subject.data or 'sitting'}")


@bp.route("/missions/<mission_uuid>/disagreements")
@allow("lead", "admin")
def mission_disagreements(mission_uuid):
    """The mission's sittings where observations disagree and no lead has reconciled them yet."""
    mission = get_mission_or_404(mission_uuid)
    require(leads(mission["id"]), "not a lead of this mission")
    return render_template(
        "observe/disagreements.html",
        mission=mission,
        sittings=sittings.open_sittings(get_db(), mission["id"], mission_checklist(mission)),
    )
