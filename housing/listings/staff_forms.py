"""Forms for the staff pages that keep AMI charts and the preference catalogue."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from housing.forms import NumberField
from housing.i18n import DEFAULT_LOCALE, LOCALES
from housing.i18n import lazy_gettext as _l

REQUIRED = _l("This field is required.")
TEXT_LIMIT = _l("Use at most %(max)s characters.")


class ChartForm(FlaskForm):
    name = StringField(
        _l("Chart name"), validators=[InputRequired(REQUIRED), Length(max=200, message=TEXT_LIMIT)]
    )
    chart_type = StringField(
        _l("Chart type"),
        default="HUD Unadjusted",
        validators=[InputRequired(REQUIRED), Length(max=50, message=TEXT_LIMIT)],
    )
    year = NumberField(_l("Year"), minimum=2000, maximum=2100, validators=[InputRequired(REQUIRED)])
    table = TextAreaField(_l("Income limits table"), validators=[Optional()])
    file = FileField(_l("Or upload a CSV file"))


class PreferenceForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(REQUIRED),
            Regexp(
                r"^[A-Z0-9_]{2,40}$",
                message=_l("Use 2 to 40 capital letters, digits or underscores."),
            ),
        ],
    )
    name = StringField(
        _l("Name"), validators=[InputRequired(REQUIRED), Length(max=200, message=TEXT_LIMIT)]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000, message=TEXT_LIMIT)]
    )
    proof_types = TextAreaField(
        _l("Accepted proof, one per line"),
        validators=[Optional(), Length(max=2000, message=TEXT_LIMIT)],
    )


TRANSLATED_LOCALES = tuple(locale for locale in LOCALES if locale.code != DEFAULT_LOCALE)


def translation_fields(form: Any) -> list[tuple[Any, Any, Any]]:
    """(locale, name field, description field) for every shipped locale but English."""
    return [
        (locale, getattr(form, f"name_{locale.code}"), getattr(form, f"description_{locale.code}"))
        for locale in TRANSLATED_LOCALES
    ]


for _locale in TRANSLATED_LOCALES:
    setattr(
        PreferenceForm,
        f"name_{_locale.code}",
        StringField(
            _l("Name in %(language)s", language=_locale.native_name),
            validators=[Optional(), Length(max=200, message=TEXT_LIMIT)],
        ),
    )
    setattr(
        PreferenceForm,
        f"description_{_locale.code}",
        TextAreaField(
            _l("Description in %(language)s", language=_locale.native_name),
            validators=[Optional(), Length(max=5000, message=TEXT_LIMIT)],
        ),
    )
