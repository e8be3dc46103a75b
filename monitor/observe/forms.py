"""Forms for starting, correcting and reviewing hearings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..dates import observed_on


class StartHearingForm(FlaskForm):
    hearing_date = DateField(_l("Date of the hearing"), validators=[InputRequired(_l("Enter the date."))])
    session = IntegerField(
        _l("Session of the day"),
        default=1,
        validators=[
            Optional(),
            NumberRange(1, 9, _l("The session is a number from %(min)s to %(max)s.")),
        ],
        description=_l("1 unless the court sat twice that day."),
    )
    submit = SubmitField(_l("Start observing"))

    @property
    def session_number(self) -> int:
        return self.session.data or 1

    def validate_hearing_date(self, field):
        if field.data:
            try:
                observed_on(field.data)  # one rule for observed dates (monitor/dates.py)
            except ValueError as error:
                raise ValidationError(str(error)) from error


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("Why does this hearing need a correction?"),
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired(_l("Give the reason for the correction.")), Length(max=2000)],
        render_kw={"rows": 3},
        description=_l("The version as it stands now is kept; the lead sees what you change."),
    )
    submit = SubmitField(_l("Correct this hearing"))


class ReviewForm(FlaskForm):
    # No decision is chosen for the lead: a pre-selected "Approve" invited approving unread.
    decision = RadioField(
        _l("Decision"),
        validators=[InputRequired(message=_l("Choose a decision."))],
        choices=[
            SelectChoice("approved", _l("Approve")),
            SelectChoice("returned", _l("Return to the observer")),
            SelectChoice("comment", _l("Comment only")),
        ],
    )
    comment = TextAreaField(
        _l("Comment"),
        # no Optional(): it would stop the chain before validate_comment asks for a reason
        validators=[Length(max=5000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3},
    )
    answer = HiddenField()
    submit = SubmitField(_l("Send"))

    def validate_comment(self, field):
        if self.decision.data in ("returned", "comment") and not (field.data or "").strip():
            raise ValidationError(_l("Say what needs attention."))


class ReconcileForm(FlaskForm):
    """A lead's reconciled answer for one item of a sitting (rendered once per disagreement)."""

    subject = HiddenField()
    item = HiddenField(validators=[InputRequired()])
    value = StringField(_l("Reconciled answer"), validators=[Length(max=2000)])
    reason = TextAreaField(
        _l("Reason"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(_l("Give the reason for this answer.")),
            Length(max=2000, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Record the reconciled answer"))
