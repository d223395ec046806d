"""Staff's form to close a listing's lease-up."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from housing.i18n import lazy_gettext as _l


class CloseLeaseUpForm(FlaskForm):
    confirm = BooleanField(
        _l("Lease-up is over: no household on this listing will be offered a unit any more"),
        validators=[DataRequired(message=_l("Confirm that lease-up is over."))],
    )
