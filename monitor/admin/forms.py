"""Forms for managing accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from ..forms import NewPasswordMixin, display_name_field, language_field, role_field, username_field


class UserCreateForm(NewPasswordMixin, FlaskForm):
    username = username_field()
    display_name = display_name_field()
    role = role_field()
    language = language_field()
    submit = SubmitField(_l("Create account"))


class UserEditForm(FlaskForm):
    display_name = display_name_field()
    role = role_field()
    language = language_field()
    active = BooleanField(
        _l("Active"), description=_l("A deactivated account cannot sign in; its records stay.")
    )
    submit = SubmitField(_l("Save changes"))


class PasswordResetForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set new password"))

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def password_owner(self) -> str:
        return self._username
