"""Forms for signing in, first-run set-up and the user's own profile."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..forms import NewPasswordMixin, display_name_field, language_field, username_field
from ..vault.keys import PASSPHRASE_MIN_LENGTH


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
    # Checked when the page is shown (recommended on a laptop); a post without it means plain.
    encrypt = BooleanField(_l("Encrypt this installation (recommended on a laptop)"), default=True)
    passphrase = PasswordField(
        _l("Passphrase"),
        validators=[Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 12 characters; a sentence of five or six unrelated words is best."),
    )
    passphrase_confirm = PasswordField(
        _l("Repeat the passphrase"), validators=[Length(max=1024)], render_kw={"autocomplete": "new-password"}
    )
    submit = SubmitField(_l("Create the administrator"))

    def validate_passphrase(self, field) -> None:
        """The same rule as ``init-db --encrypt`` and ``encrypt-db`` (monitor/vault/keys.py)."""
        if self.encrypt.data and len(field.data or "") < PASSPHRASE_MIN_LENGTH:
            raise ValidationError(
                _("The passphrase must have at least %(n)d characters.", n=PASSPHRASE_MIN_LENGTH)
            )

    def validate_passphrase_confirm(self, field) -> None:
        if self.encrypt.data and field.data != self.passphrase.data:
            raise ValidationError(_("The two passphrases differ."))


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
