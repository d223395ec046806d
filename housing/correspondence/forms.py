"""Forms of the staff pages of messages: filters read from the query string, and buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm

from housing.forms import ChoiceField
from housing.i18n import lazy_gettext as _l
from housing.listings.forms import QueryForm


class MessageFilterForm(QueryForm):
    state = ChoiceField(_l("Delivery state"), default="")
    channel = ChoiceField(_l("Sent by"), default="")
    template = ChoiceField(_l("Message"), default="")


class ButtonForm(FlaskForm):
    """A button: only the CSRF token."""
