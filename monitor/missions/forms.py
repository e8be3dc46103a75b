"""Forms for setting up missions, trials and defendants."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    SEX_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)

MAX_DEFENDANTS_AT_ONCE = 200


def choices(labels: dict, blank: bool = False) -> list[SelectChoice]:
    options = [SelectChoice(value, label) for value, label in labels.items()]
    return ([SelectChoice("", _l("— not known —"))] if blank else []) + options


def text(label, max_length=200, required=False, **kwargs):
    validators = [InputRequired(_l("This field is required."))] if required else [Optional()]
    validators.append(Length(max=max_length, message=_l("At most %(max)d characters.")))
    return StringField(label, validators=validators, **kwargs)


def long_text(label, max_length=5000, **kwargs):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=max_length, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3},
        **kwargs,
    )


class MissionForm(FlaskForm):
    name = text(_l("Name"), required=True, description=_l("E.g. “Trial observation, oil workers, 2026”."))
    country = text(_l("Country"), max_length=100)
    description = long_text(_l("Description"))
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    checklist = SelectField(_l("Checklist"), description=_l("The fair-trial checklist observers answer."))
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


class TrialForm(FlaskForm):
    title = text(_l("Title"), required=True, description=_l("How the mission refers to the case."))
    court = text(_l("Court"))
    case_number = text(_l("Case number"), max_length=100)
    judges = text(_l("Judge(s)"), max_length=500)
    prosecutor = text(_l("Prosecutor(s)"), max_length=500)
    charges = long_text(_l("Charges"), max_length=2000)
    status = SelectField(_l("Stage of the case"), choices=choices(TRIAL_STATUS_LABELS), default="ongoing")
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
        too_long = [n for n in names if len(n) > 200]
        if too_long:
            raise ValidationError(_l("A name is longer than 200 characters: %(name)s", name=too_long[0][:40]))


class DefendantForm(FlaskForm):
    name = text(_l("Name"), required=True)
    pseudonym = text(
        _l("Pseudonym"), max_length=100, description=_l("Used instead of the name in public reports.")
    )
    sex = SelectField(_l("Sex"), choices=choices(SEX_LABELS, blank=True), validators=[Optional()])
    age = IntegerField(
        _l("Age"), validators=[Optional(), NumberRange(min=10, max=120, message=_l("An age from 10 to 120."))]
    )
    charges = long_text(_l("Charges"), max_length=2000)
    apprehended_at = DateTimeLocalField(
        _l("Actually apprehended"),
        validators=[Optional()],
        description=_l("When the person was in fact deprived of liberty, whatever the record says."),
    )
    arrest_registered_at = DateTimeLocalField(_l("Arrest registered"), validators=[Optional()])
    first_judge_at = DateTimeLocalField(_l("First brought before a judge"), validators=[Optional()])
    pretrial_detention = SelectField(
        _l("Pre-trial detention"), choices=choices(DETENTION_LABELS, blank=True), validators=[Optional()]
    )
    counsel = SelectField(_l("Counsel"), choices=choices(COUNSEL_LABELS, blank=True), validators=[Optional()])
    counsel_from = DateTimeLocalField(_l("Counsel first available"), validators=[Optional()])
    verdict = SelectField(_l("Verdict"), choices=choices(VERDICT_LABELS), default="pending")
    sentence = text(_l("Sentence"), max_length=500)
    sentence_months = IntegerField(
        _l("Sentence in months"),
        validators=[
            Optional(),
            NumberRange(min=0, max=1200, message=_l("A number of months from 0 to 1200.")),
        ],
        description=_l("For counting: 0 for a fine or suspended sentence."),
    )
    conviction_basis = SelectMultipleField(
        _l("The conviction rests mainly on"),
        choices=choices(CONVICTION_BASIS_LABELS),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
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
