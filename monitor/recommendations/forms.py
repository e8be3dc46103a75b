"""The forms of the recommendations register, the assessments, the evidence links and official statistics."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from .records import MAX_REASONING, MAX_TEXT

BODY_CHOICES = [
    SelectChoice("UPR", _l("Universal Periodic Review")),
    SelectChoice("CAT", _l("Committee against Torture")),
    SelectChoice("HRC", _l("Human Rights Committee")),
]
RESPONSE_CHOICES = [
    SelectChoice("", "—"),
    SelectChoice("supported", _l("Supported")),
    SelectChoice("noted", _l("Noted")),
]
STATUS_CHOICES = [
    SelectChoice("implemented", _l("implemented")),
    SelectChoice("partially", _l("partially implemented")),
    SelectChoice("not_implemented", _l("not implemented")),
    SelectChoice("no_information", _l("no information")),
]
AT_MOST_200 = _l("At most 200 characters.")


class CountryForm(FlaskForm):
    country_code = StringField(
        _l("Country code"),
        validators=[
            InputRequired(_l("Enter the country's two-letter code.")),
            Regexp(r"^\s*[A-Za-z]{2}\s*$", message=_l("Two letters (ISO 3166-1), e.g. KZ.")),
        ],
        description=_l("The two-letter code (ISO 3166-1) of the country the mission reports on, e.g. KZ."),
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class RecommendationForm(FlaskForm):
    body = SelectField(_l("Body"), choices=BODY_CHOICES, default="UPR")
    cycle = StringField(
        _l("Cycle"),
        validators=[InputRequired(_l("Enter the review cycle.")), Length(max=200, message=AT_MOST_200)],
        description=_l("For example: 3 (UPR), or 2021 (concluding observations)."),
    )
    session = StringField(_l("Session"), validators=[Length(max=200, message=AT_MOST_200)])
    identifier = StringField(
        _l("Identifier"),
        validators=[Length(max=200, message=AT_MOST_200)],
        description=_l("As in the public database or the UN document, e.g. 140.7. Optional."),
    )
    recommending_state = StringField(
        _l("Recommending State"), validators=[Length(max=200, message=AT_MOST_200)]
    )
    text = TextAreaField(
        _l("Recommendation"),
        validators=[
            InputRequired(_l("Enter the recommendation.")),
            Length(max=MAX_TEXT, message=_l("Too long.")),
        ],
    )
    response = SelectField(_l("Response of the State"), choices=RESPONSE_CHOICES, default="")
    themes = TextAreaField(
        _l("Themes"),
        validators=[Length(max=2000, message=_l("Too long."))],
        description=_l("One per line, e.g. Torture and other cruel, inhuman or degrading treatment."),
    )
    document = StringField(
        _l("Document"),
        validators=[Length(max=200, message=AT_MOST_200)],
        description=_l("The UN document symbol, e.g. A/HRC/43/15. Optional."),
    )


class AssessmentForm(FlaskForm):
    cycle = StringField(
        _l("Cycle assessed"),
        validators=[InputRequired(_l("Enter the review cycle.")), Length(max=200, message=AT_MOST_200)],
        description=_l("The review the assessment is for, e.g. 4 (the implementation since cycle 3)."),
    )
    status = SelectField(_l("Implementation"), choices=STATUS_CHOICES, default="no_information")
    reasoning = TextAreaField(
        _l("Reasoning"), validators=[Length(max=MAX_REASONING, message=_l("Too long."))]
    )


class FindingLinkForm(FlaskForm):
    path = SelectField(_l("Number from the findings"), choices=[], validate_choice=True)
    filters = StringField(
        _l("Filters"),
        validators=[Length(max=2000, message=_l("Too long."))],
        description=_l(
            "As in the findings page's address, e.g. trial=…&from=2026-01-01. Empty: all observations."
        ),
    )
    mode = SelectField(
        _l("Kept"),
        choices=[
            SelectChoice("live", _l("live: counted again whenever it is shown")),
            SelectChoice("frozen", _l("frozen: the number as it is today")),
        ],
        default="live",
    )
    note = StringField(_l("Note"), validators=[Length(max=1000, message=_l("Too long."))])


class RecordLinkForm(FlaskForm):
    target = SelectField(_l("Record"), choices=[], validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=1000, message=_l("Too long."))])


KIND_LABELS = {
    "defendant": _l("Case file of a defendant"),
    "allegation": _l("Allegation"),
    "evidence": _l("Document"),
    "statistic": _l("Official figure"),
}


class StatisticForm(FlaskForm):
    what = StringField(
        _l("What"),
        validators=[
            InputRequired(_l("Say what the figure counts.")),
            Length(max=500, message=_l("Too long.")),
        ],
        description=_l("For example: torture complaints registered."),
    )
    value = StringField(
        _l("Value"),
        validators=[InputRequired(_l("Enter the figure.")), Length(max=40)],
        description=_l("A number, e.g. 662."),
    )
    period = StringField(
        _l("Period"),
        validators=[InputRequired(_l("Enter the period.")), Length(max=200, message=AT_MOST_200)],
        description=_l("For example: 2023."),
    )
    source = StringField(
        _l("Source"),
        validators=[InputRequired(_l("Enter the source.")), Length(max=500, message=_l("Too long."))],
        description=_l("Who published it, and where (a document or an address)."),
    )
    retrieved_on = DateField(
        _l("Retrieved on"),
        validators=[InputRequired(_l("Enter a date."))],
        description=_l("The day the figure was read at its source."),
    )
    themes = TextAreaField(
        _l("Themes"),
        validators=[Optional(), Length(max=2000, message=_l("Too long."))],
        description=_l("One per line, as the recommendations name them. Optional."),
    )
