"""Account forms; every message is in the project's catalog."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from housing.accounts.addresses import InvalidEmail, account_email
from housing.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from housing.i18n import lazy_gettext as _l

EMAIL_REQUIRED = _l("Enter your email address.")
EMAIL_INVALID = _l("Enter an email address like name@example.com.")


def _account_email(form: FlaskForm, field: Field) -> None:
    try:
        account_email(field.data or "")
    except InvalidEmail:
        raise ValidationError(EMAIL_INVALID) from None


def email_field() -> EmailField:
    return EmailField(
        _l("Email address"), validators=[InputRequired(EMAIL_REQUIRED), _account_email]
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("Use %(min)s to %(max)s characters.", min=MIN_LENGTH, max=MAX_LENGTH),
            ),
        ],
    )


def confirm_password_field() -> PasswordField:
    return PasswordField(
        _l("Type the password again"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )


class SignUpForm(FlaskForm):
    full_name = StringField(
        _l("Your name"),
        validators=[
            InputRequired(_l("Enter your name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    email = email_field()
    password = new_password_field()
    password_again = confirm_password_field()


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(_l("Enter the code.")),
            Length(max=20, message=_l("That code is too long.")),
        ],
    )
    recovery = BooleanField(_l("This is a recovery code"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field()
    password_again = confirm_password_field()


class ConfirmForm(FlaskForm):
    """A button only: CSRF-protected actions such as signing out."""
