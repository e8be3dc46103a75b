"""The forms: a follow-up event, withdrawing one, and a trial's legal assessment (its fields are named
per right, ``conclusion-<key>``, and read by :func:`assessment_entries`)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from .labels import KIND_LABELS, UN_BODY_LABELS


class EventForm(FlaskForm):
    # Checked by records.clean (the API's and bundles' rule too), so a wrong value is one message.
    kind = SelectField(_l("What happened"), validate_choice=False)
    event_date = StringField(
        _l("Date"), description=_l("The day it happened (YYYY-MM-DD)."), render_kw={"type": "date"}
    )
    un_body = SelectField(_l("UN body"), validate_choice=False)
    reference = StringField(
        _l("Reference"), description=_l("The body's or authority's reference number, if there is one.")
    )
    source = StringField(
        _l("Source"),
        description=_l("Where this was learned: a document, counsel, the family … Name no perpetrator here."),
    )
    note = TextAreaField(_l("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in KIND_LABELS.items()]
        self.un_body.choices = [SelectChoice("", "—")] + [
            SelectChoice(k, v) for k, v in UN_BODY_LABELS.items()
        ]


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"))


class AssessmentForm(FlaskForm):
    """Only the CSRF token: the fields are one set per right."""


def assessment_entries(data, keys) -> list[dict]:
    """The submitted conclusions, one per right key ('' is the overall grade)."""
    return [
        {
            "right_key": key,
            "conclusion": data.get(f"conclusion-{key or 'overall'}", ""),
            "reasoning": data.get(f"reasoning-{key or 'overall'}", ""),
            "refs": data.get(f"refs-{key or 'overall'}", ""),
        }
        for key in keys
    ]
