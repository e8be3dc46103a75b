"""A lead's page of a trial's witness persons: who was heard when, merge two persons, split one off."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth import request_actor
from ..db import get_db
from ..forms import EmptyForm
from ..observe import fields
from ..permissions import allow, get_witness_record_or_404, get_witness_register_or_404, leads, sees_identity
from . import records as witnesses

bp = Blueprint("witnesses", __name__)


def _person_of_trial(person_uuid: str | None, trial: dict) -> dict:
    person = witnesses.person(get_db(), person_uuid or "")
    if person is None or person["trial_id"] != trial["id"]:
        abort(404)
    return person


@bp.route("/trials/<trial_uuid>/witnesses")
@allow("lead", "admin")
def person_list(trial_uuid):
    """The trial's witnesses as persons, with the sittings each was heard at."""
    trial, mission = get_witness_register_or_404(trial_uuid)
    persons = witnesses.persons_of_trial(get_db(), trial["id"])
    for person in persons:
        person["sees_identity"] = sees_identity(person, mission["id"])
    return render_template(
        "witnesses/persons.html",
        trial=trial,
        mission=mission,
        persons=persons,
        lead=leads(mission["id"]),
        fields=fields,
        button=EmptyForm(),
    )


@bp.route("/trials/<trial_uuid>/witnesses/merge", methods=["POST"])
@allow("lead", "admin")
def person_merge(trial_uuid):
    """Make two persons one: the second's appearances move to the first. Where both have a value for the
    same field and they differ, the lead chooses (a page asks first)."""
    trial, mission = get_witness_register_or_404(trial_uuid, change=True)
    back = redirect(url_for("witnesses.person_list", trial_uuid=trial["uuid"]))
    if not EmptyForm().validate_on_submit():
        return back
    keep_uuid, other_uuid = request.form.get("keep"), request.form.get("other")
    if not keep_uuid or not other_uuid or keep_uuid == other_uuid:
        flash(_("Choose two different witnesses to merge."), "error")
        return back
    keep, other = _person_of_trial(keep_uuid, trial), _person_of_trial(other_uuid, trial)
    conflicting = witnesses.conflicts(keep, other)
    choices = {name: request.form.get(f"choose_{name}", "") for name in conflicting}
    if any(choice not in ("keep", "other") for choice in choices.values()):
        return render_template(
            "witnesses/merge.html",
            trial=trial,
            mission=mission,
            keep=keep,
            other=other,
            conflicting=conflicting,
            fields=fields,
            button=EmptyForm(),
        )
    try:
        witnesses.merge(get_db(), request_actor(), keep, other, choices)
    except witnesses.WitnessError:
        flash(_("Choose two different witnesses to merge."), "error")
        return back
    flash(_("Merged: %(label)s is one witness now.", label=keep["label"]), "success")
    return back


@bp.route("/appearances/<appearance_uuid>/split", methods=["POST"])
@allow("lead", "admin")
def appearance_split(appearance_uuid):
    """Take one appearance off its person: it becomes a new person with the same details."""
    _row, trial, _mission = get_witness_record_or_404("witness_appearance", appearance_uuid)
    if EmptyForm().validate_on_submit():
        try:
            witnesses.split(get_db(), request_actor(), appearance_uuid)
            flash(_("Split off as a witness of its own."), "success")
        except witnesses.WitnessError:
            flash(_("This witness was heard only once: nothing to split."), "error")
    return redirect(url_for("witnesses.person_list", trial_uuid=trial["uuid"]))


@bp.route("/witnesses/<person_uuid>/reviewed", methods=["POST"])
@allow("lead", "admin")
def person_reviewed(person_uuid):
    """A lead has looked at a flagged person and finds it right as it is."""
    person, trial, _mission = get_witness_record_or_404("witness", person_uuid)
    if EmptyForm().validate_on_submit():
        witnesses.mark_reviewed(get_db(), request_actor(), person)
    return redirect(url_for("witnesses.person_list", trial_uuid=trial["uuid"]))
