"""The form that asks for an export."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField
from wtforms.validators import StopValidation

from housing.exports.wording import FORMATS, KINDS
from housing.forms import options
from housing.i18n import lazy_gettext as _l


def _one_of(choices: Mapping[str, Any], message: LazyString) -> Callable[[Any, Field], None]:
    """The field's value is one of ``choices``; otherwise ``message`` (not WTForms' own)."""

    def check(form: Any, field: Field) -> None:
        if field.data not in choices:
            field.errors[:] = []
            raise StopValidation(str(message))

    return check


class ExportForm(FlaskForm):
    kind = RadioField(
        _l("What to export"),
        choices=options(list(KINDS.items())),
        default="applications",
        validate_choice=False,
        validators=[_one_of(KINDS, _l("Choose what to export."))],
    )
    file_format = RadioField(
        _l("File format"),
        choices=options(list(FORMATS.items())),
        default="xlsx",
        validate_choice=False,
        validators=[_one_of(FORMATS, _l("Choose a file format."))],
    )
    # Shown to staff only; the service ignores it for anyone else.
    include_demographics = BooleanField(_l("Include the optional demographic answers"))
