"""Forms staff use to manage accounts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length

from housing.accounts.forms import email_field
from housing.accounts.models import Role
from housing.forms import ChoiceField, options
from housing.i18n import lazy_gettext as _l


def role_choices() -> list[SelectChoice]:
    return options(
        [
            (Role.APPLICANT.value, _l("Applicant")),
            (Role.PARTNER.value, _l("Partner (developer or leasing agent)")),
            (Role.STAFF.value, _l("Housing staff")),
            (Role.AUDITOR.value, _l("Auditor (read-only)")),
        ]
    )


class NewUserForm(FlaskForm):
    full_name = StringField(
        _l("Name"), validators=[InputRequired(_l("Enter a name.")), Length(max=200)]
    )
    email = email_field()
    role = ChoiceField(_l("Role"), choices=role_choices())


class EditUserForm(FlaskForm):
    role = ChoiceField(_l("Role"), choices=role_choices())
    disabled = BooleanField(_l("Account disabled"))
