"""Hearings and what is recorded in them: start, read, change (the autosave's format), add, submit.

The rules are the hearing pages': observers start hearings of the trials they are assigned to and
write only their own drafts; the mission's leads read them; an anonymous witness's identity and named
perpetrators are shown only to the mission's leads and the observer who recorded them (the one gate in
monitor.permissions: an administrator who is not a lead gets null).
"""

from flask import jsonify, request
from flask_babel import gettext as _

from .. import checklists, records
from ..auth import request_actor
from ..db import atomic, get_db, utcnow
from ..observe import fields, sittings
from ..observe import records as observe
from ..observe.forms import StartHearingForm
from ..observe.records import MAX_BATCH, MAX_NOTE, typed_at
from ..permissions import (
    allow,
    get_hearing_or_404,
    get_sitting_or_404,
    get_trial_or_404,
    is_assigned,
    manages,
    me,
    require,
    sees_identity,
    sees_perpetrators,
)
from ..witnesses import records as witness_records
from . import serialize
from .blueprint import bp
from .errors import ApiError, expected_version, json_body, unchanged_since
from .resources import created, form_data, validated


def _locked() -> ApiError:
    return ApiError(409, _("This hearing was submitted and is locked; start a correction on its page first."))


def hearing_document(hearing: dict, trial: dict, mission: dict) -> dict:
    """A hearing with everything recorded in it, as its reader may see it."""
    db, people = get_db(), serialize.People(get_db())
    witnesses = observe.witnesses(db, hearing["id"])
    perpetrators = sees_perpetrators(hearing, mission["id"])
    return {
        **serialize.hearing(hearing, trial["uuid"], people),
        "mission": mission["uuid"],
        "presence": [serialize.presence(d) for d in observe.presence(db, hearing["id"])],
        "answers": [serialize.answer(a) for a in observe.answers(db, hearing["id"]).values()],
        "witnesses": [serialize.witness(w, sees_identity(w, mission["id"]), people) for w in witnesses],
        "allegations": [
            serialize.allegation(a, perpetrators) for a in observe.allegations(db, hearing["id"])
        ],
        "notes": [serialize.note(n, people) for n in observe.notes(db, hearing["id"])],
        "reviews": [serialize.review(r, people) for r in observe.reviews(db, hearing["id"])],
    }


@bp.route("/hearings")
@allow("observer", "lead", "admin")
def my_hearings():
    """The hearings this user observed: returned first, then drafts, submitted, approved."""
    people = serialize.People(get_db())
    rows = observe.hearings_for_observer(get_db(), me()["id"])
    return jsonify([serialize.hearing(h, h["trial_uuid"], people) for h in rows])


@bp.route("/trials/<trial_uuid>/hearings")
@allow("observer", "lead", "admin")
def hearing_list(trial_uuid):
    """A trial's hearings: all of them for its leads, an observer's own for an observer."""
    trial, mission = get_trial_or_404(trial_uuid)
    observer = None if manages(mission["id"]) else me()["id"]
    people = serialize.People(get_db())
    rows = observe.hearings_of_trial(get_db(), trial["id"], observer)
    return jsonify([serialize.hearing(h, trial["uuid"], people) for h in rows])


@bp.route("/trials/<trial_uuid>/hearings", methods=["POST"])
@allow("observer")
def hearing_start(trial_uuid):
    """Start observing a hearing of a trial this observer is assigned to (every defendant present)."""
    trial, mission = get_trial_or_404(trial_uuid)
    require(is_assigned(trial["id"]), "not assigned to this trial")
    data = form_data(json_body(), {"hearing_date": "text", "session": "number"})
    form = validated(StartHearingForm, data)
    db = get_db()
    started = observe.start_hearing(
        db, request_actor(), trial, mission, me(), form.hearing_date.data.isoformat(), form.session_number
    )
    hearing = records.get(db, "hearing", started["uuid"])  # with every column's default
    others = sittings.others_on(db, hearing)
    return created(
        {
            **hearing_document(hearing, trial, mission),
            # a sitting already observed by others: this is a second observation of it
            "joined_sitting": bool(others),
            "other_observers": sorted({o["observer_name"] for o in others}),
        }
    )


@bp.route("/hearings/<hearing_uuid>", methods=["GET", "PATCH"])
@allow("observer", "lead", "admin")
def hearing(hearing_uuid):
    """A hearing with its presence, answers, witnesses, allegations, notes and reviews.

    PATCH (its observer, while a draft) applies ``{"changes": [...]}`` in the autosave's format: valid
    changes are saved even when others are refused (200, refused ones in ``errors``); 422 when none is.
    """
    editing = request.method == "PATCH"
    hearing, trial, mission = get_hearing_or_404(hearing_uuid, edit=editing)
    if not editing:
        return jsonify(hearing_document(hearing, trial, mission))
    body = json_body()
    expected = expected_version(body)
    unknown = [key for key in body if key != "changes"]
    if unknown:
        raise ApiError(422, _("Unknown field."), unknown[0])
    changes = body.get("changes")
    if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        raise ApiError(422, _("Send the changes as a list of objects."), "changes")
    if len(changes) > MAX_BATCH:
        raise ApiError(422, _("At most %(n)d changes at once.", n=MAX_BATCH), "changes")
    numbered = [{**change, "id": str(n)} for n, change in enumerate(changes)]  # to tell refusals apart
    try:
        with unchanged_since("hearing", hearing, expected) as current:
            refused = observe.save_changes(
                get_db(), request_actor(), current, checklists.of(current), numbered
            )
    except observe.HearingError:
        raise _locked() from None
    errors = [_refusal(changes, problem) for problem in refused]
    if changes and len(errors) == len(changes):
        raise ApiError(422, errors[0]["message"], errors[0]["field"] or "changes", errors=errors)
    saved = records.get_by_id(get_db(), "hearing", hearing["id"])
    return jsonify(saved_at=utcnow(), version=saved["version"], errors=errors)


def _refusal(changes: list[dict], problem: dict) -> dict:
    index = int(problem["id"])
    change = changes[index]
    client_id = change.get("id") if isinstance(change.get("id"), str) and len(change["id"]) <= 200 else None
    field = (
        change.get("field") if isinstance(change.get("field"), str) and len(change["field"]) <= 100 else None
    )
    return {"index": index, "id": client_id, "field": field, "message": str(problem["message"])}


def _add(kind: str, hearing: dict, body: dict) -> dict:
    """Add a witness or allegation and set the fields sent, all or nothing (422 names the field at fault)."""
    specs = fields.TARGETS[kind]
    body = dict(body)
    person = body.pop("person", None) if kind == "witness" else None  # heard again: a person of the trial
    unknown = [key for key in body if key not in specs]
    if unknown:
        raise ApiError(422, _("Unknown field."), unknown[0])
    if person is not None and not isinstance(person, str):
        raise ApiError(422, _("Choose from the list."), "person")
    db = get_db()
    try:
        with atomic(db):
            if kind == "witness":
                try:
                    row = observe.add_witness(db, request_actor(), hearing, me()["id"], person or None)
                except observe.HearingError as error:
                    if str(error) == observe.LOCKED_MESSAGE:
                        raise
                    raise ApiError(422, _("Choose from the list."), "person") from None
            else:
                row = observe.add_allegation(db, request_actor(), hearing)
            changes = [{**c, "id": c["field"]} for c in observe.changes(kind, body, row["uuid"])]
            refused = observe.save_changes(db, request_actor(), hearing, checklists.of(hearing), changes)
            if refused:  # undo the whole addition: nothing half-made stays behind
                raise ApiError(422, str(refused[0]["message"]), refused[0]["id"])
    except observe.HearingError:
        raise _locked() from None
    if kind == "witness":
        added = witness_records.appearance(db, row["uuid"])
    else:
        added = records.get(db, kind, row["uuid"])
    if added is None:
        raise LookupError(f"{kind} {row['uuid']} was just added, yet is not there")
    return added


@bp.route("/hearings/<hearing_uuid>/witnesses", methods=["POST"])
@allow("observer")
def witness_add(hearing_uuid):
    """Add a witness heard at this hearing, optionally with its fields."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    witness = _add("witness", hearing, json_body(optional=True))
    return created(serialize.witness(witness, True, serialize.People(get_db())))


@bp.route("/trials/<trial_uuid>/witnesses")
@allow("observer", "lead", "admin")
def witness_persons(trial_uuid):
    """A trial's witnesses as persons, each with the sittings they were heard at (leads of the mission,
    observers assigned to the trial); an anonymous witness's identity only through the gate."""
    trial, mission = get_trial_or_404(trial_uuid)
    db, people = get_db(), serialize.People(get_db())
    return jsonify(
        [
            serialize.witness_person(p, sees_identity(p, mission["id"]), people)
            for p in witness_records.persons_of_trial(db, trial["id"])
        ]
    )


@bp.route("/hearings/<hearing_uuid>/allegations", methods=["POST"])
@allow("observer")
def allegation_add(hearing_uuid):
    """Add a torture or ill-treatment allegation raised at this hearing, optionally with its fields."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    return created(serialize.allegation(_add("allegation", hearing, json_body(optional=True))))


@bp.route("/hearings/<hearing_uuid>/notes", methods=["POST"])
@allow("observer")
def note_add(hearing_uuid):
    """Add a running note, stamped with ``typed_at`` when it is plausible (else now)."""
    hearing, _trial, _mission = get_hearing_or_404(hearing_uuid, edit=True)
    body = json_body()
    unknown = [key for key in body if key not in ("text", "typed_at")]
    if unknown:
        raise ApiError(422, _("Unknown field."), unknown[0])
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(422, _("The note is empty."), "text")
    if len(text) > MAX_NOTE:
        raise ApiError(422, _("A note can be at most %(n)d characters.", n=MAX_NOTE), "text")
    if body.get("typed_at") is not None and not isinstance(body["typed_at"], str):
        raise ApiError(422, _("Enter a date and time as YYYY-MM-DDTHH:MM:SSZ."), "typed_at")
    try:
        note = observe.add_note(
            get_db(), request_actor(), hearing, me()["id"], text.strip(), typed_at(body.get("typed_at"))
        )
    except observe.HearingError:
        raise _locked() from None
    return created(serialize.note(note, serialize.People(get_db())))


@bp.route("/hearings/<hearing_uuid>/submit", methods=["POST"])
@allow("observer")
def hearing_submit(hearing_uuid):
    """Submit the hearing to the mission's leads; it is locked from then on."""
    hearing, trial, mission = get_hearing_or_404(hearing_uuid, edit=True)
    body = json_body(optional=True)
    expected = expected_version(body)
    if body:
        raise ApiError(422, _("Unknown field."), next(iter(body)))
    try:
        with unchanged_since("hearing", hearing, expected) as current:
            hearing = observe.submit(get_db(), request_actor(), current)
    except observe.HearingError:
        raise ApiError(409, _("This hearing was already submitted."), None) from None
    return jsonify(hearing_document(hearing, trial, mission))


@bp.route("/trials/<trial_uuid>/sittings")
@allow("observer", "lead", "admin")
def sitting_list(trial_uuid):
    """A trial's court sittings, newest first, with how many observations each has (and how many count)."""
    trial, _mission = get_trial_or_404(trial_uuid)
    return jsonify(
        [serialize.sitting(s, trial["uuid"]) for s in sittings.sittings_of_trial(get_db(), trial["id"])]
    )


@bp.route("/sittings/<sitting_uuid>")
@allow("observer", "lead", "admin")
def sitting(sitting_uuid):
    """A court sitting with its observations (all of them for the mission's leads, an observer's own for an
    observer) and, for the leads, the reconciled answers where observations disagreed."""
    row, trial, mission = get_sitting_or_404(sitting_uuid)
    db, people = get_db(), serialize.People(get_db())
    lead = manages(mission["id"])
    seen = [o for o in sittings.observations(db, row["id"]) if lead or o["observer_id"] == me()["id"]]
    document = {
        **serialize.sitting(row, trial["uuid"]),
        "mission": mission["uuid"],
        "observations": [serialize.hearing(o, trial["uuid"], people) for o in seen],
    }
    if lead:
        document["reconciliations"] = [
            serialize.reconciliation(r, people) for r in sittings.reconciliations(db, row["id"]).values()
        ]
    return jsonify(document)
