"""Form pieces shared by several areas."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp, ValidationError

from .auth.users import password_problem
from .i18n import LANGUAGE_NAMES, ROLE_LABELS


def language_field(label=None) -> SelectField:
    return SelectField(
        label or _l("Language"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()],
        default="en",
    )


def role_field() -> SelectField:
    return SelectField(
        _l("Role"),
        choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        default="observer",
    )


def username_field() -> StringField:
    return StringField(
        _l("User name"),
        validators=[
            InputRequired(_l("Enter a user name.")),
            Length(max=64, message=_l("At most 64 characters.")),
            Regexp(
                r"^[\w.@-]+$",
                message=_l("Use letters, digits and . _ - @ only, without spaces."),
            ),
        ],
        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"},
        description=_l("Used to sign in. Letters, digits and . _ - @."),
    )


def display_name_field() -> StringField:
    return StringField(
        _l("Display name"),
        validators=[Length(max=120, message=_l("At most 120 characters."))],
        description=_l("How colleagues see this person, e.g. in reports. Optional."),
    )


class NewPasswordMixin:
    """A new password typed twice, checked against the password rules."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Enter a password."))],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 12 characters. A few unrelated words make a strong one."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def password_owner(self) -> str:
        """The user name the password must not equal."""
        username = getattr(self, "username", None)
        return username.data or "" if username is not None else ""

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data or "", self.password_owner(), current_app.config["PASSWORD_MIN_LENGTH"]
        )
        if problem:
            raise ValidationError(problem)


class EmptyForm(FlaskForm):
    """A button that changes something: only its CSRF token is needed."""

    submit = SubmitField(_l("Confirm"))


class LanguageForm(FlaskForm):
    language = HiddenField()
    next = HiddenField()
