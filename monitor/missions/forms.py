"""Forms for setting up missions, trials and defendants."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from .. import checklists
from .declarations import DEFENDANT, MISSION, TRIAL

MAX_DEFENDANTS_AT_ONCE = 200


class MissionForm(MISSION.form_base()):  # type: ignore[misc]  # fields made from the declaration
    """Its fields, their labels and limits: declarations.py (MISSION)."""

    submit = SubmitField(_l("Save mission"))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date is before the start date."))


class MemberForm(FlaskForm):
    user = SelectField(_l("Person"), validators=[InputRequired(_l("Choose a person."))])
    role = SelectField(
        _l("Part in the mission"),
        choices=[SelectChoice("observer", _l("Observer")), SelectChoice("lead", _l("Mission lead"))],
    )
    submit = SubmitField(_l("Add to mission"))


class TrialForm(TRIAL.form_base()):  # type: ignore[misc]  # fields made from the declaration
    """Its fields, their labels and limits: declarations.py (TRIAL)."""

    submit = SubmitField(_l("Save trial"))


class AssignForm(FlaskForm):
    user = SelectField(_l("Observer"), validators=[InputRequired(_l("Choose a person."))])
    submit = SubmitField(_l("Assign to this trial"))


class BulkDefendantsForm(FlaskForm):
    names = TextAreaField(
        _l("Names, one per line"),
        validators=[InputRequired(_l("Paste at least one name.")), Length(max=20000)],
        render_kw={"rows": 12},
        description=_l(
            "Paste the list of co-defendants; empty lines are ignored. You can add details later."
        ),
    )
    submit = SubmitField(_l("Add defendants"))

    def clean_names(self) -> list[str]:
        return [line.strip() for line in (self.names.data or "").splitlines() if line.strip()]

    def validate_names(self, field):
        names = self.clean_names()
        if not names:
            raise ValidationError(_l("Paste at least one name."))
        if len(names) > MAX_DEFENDANTS_AT_ONCE:
            raise ValidationError(_l("At most %(n)d names at once.", n=MAX_DEFENDANTS_AT_ONCE))
        too_long = [n for n in names if len(n) > DEFENDANT["name"].max_length]
        if too_long:
            raise ValidationError(_l("A name is longer than 200 characters: %(name)s", name=too_long[0][:40]))


class DefendantForm(DEFENDANT.form_base()):  # type: ignore[misc]  # fields made from the declaration
    """Its fields, their labels, limits and choices: declarations.py (DEFENDANT)."""

    submit = SubmitField(_l("Save defendant"))

    def validate_arrest_registered_at(self, field):
        if field.data and self.apprehended_at.data and field.data < self.apprehended_at.data:
            raise ValidationError(_l("The arrest cannot be registered before the actual apprehension."))

    def validate_first_judge_at(self, field):
        if field.data and self.apprehended_at.data and field.data < self.apprehended_at.data:
            raise ValidationError(_l("The first appearance cannot be before the apprehension."))

    def validate_conviction_basis(self, field):
        if field.data and self.verdict.data != "convicted":
            raise ValidationError(
                _l("Only a conviction rests on evidence; set the verdict to convicted first.")
            )


def checklist_choices() -> list[SelectChoice]:
    """The checklists a new mission may use, the newest version of each first (the one preselected)."""
    offered = checklists.offered(current_app.config["CHECKLIST_DIRS"])
    return [
        SelectChoice(f"{c.id}:{c.version}", f"{c.title.get('en')} (v{c.version})")
        for c in sorted(offered, key=lambda c: (c.id, -c.version))
    ]


def mission_fields(form: MissionForm) -> dict:
    checklist_id, _sep, version = form.checklist.data.partition(":")
    return {**MISSION.values(form), "checklist_id": checklist_id, "checklist_version": int(version)}


def trial_fields(form: TrialForm) -> dict:
    return TRIAL.values(form)


def defendant_fields(form: DefendantForm) -> dict:
    return DEFENDANT.values(form)
