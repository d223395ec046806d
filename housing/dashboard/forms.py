"""The staff report's filters, read from the query string."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from wtforms import Field, Form, ValidationError

from housing.applications.forms import PlainDateField
from housing.dashboard.report import DateBasis, ReportFilters
from housing.forms import ChoiceField, options
from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.listings.forms import QueryForm
from housing.listings.models import ListingStatus, Tenure
from housing.listings.presenters import status_label, tenure_label

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Listings and applications all fall well inside these years; a date outside them is a typo.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _day(text: Any) -> date | None:
    if not text:
        return None
    if not isinstance(text, str) or not ISO_DATE.fullmatch(text.strip()):
        raise ValueError(text)
    return date.fromisoformat(text.strip())


def _a_day(_form: Form, field: Field) -> None:
    try:
        day = _day(field.data)
    except ValueError:
        raise ValidationError(
            _("Enter a real date as year-month-day, for example 2030-03-01.")
        ) from None
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
        )


class ReportFilterForm(QueryForm):
    basis = ChoiceField(_l("The dates are those of"), default=DateBasis.DEADLINE.value)
    first_day = PlainDateField(_l("First day"), validators=[_a_day])
    last_day = PlainDateField(_l("Last day"), validators=[_a_day])
    status = ChoiceField(_l("Listing status"), default="")
    tenure = ChoiceField(_l("Rent or sale"), default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.basis.choices = options(
            [
                (DateBasis.DEADLINE.value, _("The listing's application deadline")),
                (DateBasis.SUBMITTED.value, _("The application's submission")),
            ]
        )
        self.status.choices = options(
            [("", _("Any published status"))]
            + [(status.value, status_label(status)) for status in ListingStatus]
        )
        self.tenure.choices = options(
            [("", _("Rent and sale"))] + [(tenure.value, tenure_label(tenure)) for tenure in Tenure]
        )

    def validate_last_day(self, field: Field) -> None:
        try:
            first, last = _day(self.first_day.data), _day(field.data)
        except ValueError:
            return  # each date says what is wrong with it
        if first is not None and last is not None and last < first:
            raise ValidationError(_("The last day must be the same as the first day or after it."))

    def filters(self, timezone: str) -> ReportFilters:
        """What the form asks for; call once it has validated."""
        return ReportFilters(
            timezone=timezone,
            basis=DateBasis(self.basis.data or DateBasis.DEADLINE.value),
            first_day=_day(self.first_day.data),
            last_day=_day(self.last_day.data),
            status=ListingStatus(self.status.data) if self.status.data else None,
            tenure=Tenure(self.tenure.data) if self.tenure.data else None,
        )

    def chosen(self) -> dict[str, Any]:
        """The filters given, for the download links; call once it has validated. What the
        dates are about goes with them only when there are dates."""
        dated = bool(self.first_day.data or self.last_day.data)
        return {
            field.name: str(field.data).strip()
            for field in self
            if field.data and (dated or field is not self.basis)
        }
