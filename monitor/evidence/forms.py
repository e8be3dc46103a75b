"""The forms of evidence files: attach one, withdraw one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..cases.forms import SOURCE_LABELS
from .records import MAX_DESCRIPTION, MAX_REASON


class EvidenceForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to attach."))])
    source = SelectField(
        _l("Source"),
        choices=[SelectChoice("", "—")] + [SelectChoice(c, label) for c, label in SOURCE_LABELS.items()],
        default="",
    )
    description = TextAreaField(
        _l("What it is"),
        validators=[Length(max=MAX_DESCRIPTION, message=_l("At most 1000 characters."))],
        description=_l("For example: detention order of 3 May, received from counsel."),
    )


class WithdrawForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=MAX_REASON, message=_l("At most 500 characters."))],
    )
