"""Forms for signing in, first-run set-up and the user's own profile."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import NewPasswordMixin, display_name_field, language_field, username_field


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[InputRequired(_l("Enter your user name.")), Length(max=64)],
        render_kw={
            "autocomplete": "username",
            "autofocus": True,
            "spellcheck": "false",
            "autocapitalize": "none",
        },
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class SetupForm(NewPasswordMixin, FlaskForm):
    username = username_field()
    display_name = display_name_field()
    language = language_field()
    submit = SubmitField(_l("Create the administrator"))


class ProfileForm(FlaskForm):
    display_name = display_name_field()
    language = language_field()
    submit = SubmitField(_l("Save profile"))


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change password"))

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def password_owner(self) -> str:
        return self._username


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(_l("Give the token a name.")),
            Length(max=100, message=_l("At most 100 characters.")),
        ],
        description=_l("Where you will use it, e.g. “laptop sync” or “analysis script”."),
        render_kw={"autocomplete": "off"},
    )
    scope = SelectField(
        _l("Access"),
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
        default="read",
    )
    expiry = SelectField(
        _l("Expires"),
        choices=[
            SelectChoice("30", _l("in 30 days")),
            SelectChoice("90", _l("in 90 days")),
            SelectChoice("365", _l("in a year")),
            SelectChoice("never", _l("never")),
        ],
        default="90",
    )
    submit = SubmitField(_l("Create token"))
