"""The directory's filters and the eligibility estimator."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired, Optional, ValidationError

from housing.forms import (
    ChoiceField,
    MoneyField,
    NumberField,
    RadioChoiceField,
    amount_read_back,
    options,
)
from housing.i18n import lazy_gettext as _l
from housing.listings.eligibility import Household, UnitType
from housing.listings.models import Phase, Tenure
from housing.listings.services import DirectoryFilters, SortOrder
from housing.widgets import CheckBox

MAX_HOUSEHOLD_SIZE = 12
# No program on this site reaches this; above it the number is surely a typing mistake.
MAX_ANNUAL_INCOME = Decimal(5_000_000)


# Lazy: each is translated when shown, in the reader's language.
_UNIT_TYPE_LABELS: Mapping[UnitType, Any] = MappingProxyType(
    {
        UnitType.SRO: _l("Single room (SRO)"),
        UnitType.STUDIO: _l("Studio"),
        UnitType.ONE_BEDROOM: _l("1 bedroom"),
        UnitType.TWO_BEDROOM: _l("2 bedrooms"),
        UnitType.THREE_BEDROOM: _l("3 bedrooms"),
        UnitType.FOUR_BEDROOM: _l("4 bedrooms"),
        UnitType.FIVE_BEDROOM: _l("5 bedrooms"),
    }
)


def unit_type_labels() -> Mapping[UnitType, Any]:
    return _UNIT_TYPE_LABELS


class QueryForm(FlaskForm):
    """Forms read from the query string: no CSRF, since they change nothing."""

    class Meta:
        csrf = False


class EstimatorForm(QueryForm):
    household_size = NumberField(
        _l("How many people live in your household, including you?"),
        minimum=1,
        maximum=MAX_HOUSEHOLD_SIZE,
        validators=[InputRequired(_l("Enter how many people are in your household."))],
    )
    children_under_six = NumberField(
        _l("How many of them are children under 6?"),
        minimum=0,
        maximum=MAX_HOUSEHOLD_SIZE - 1,
        validators=[Optional()],
    )
    income = MoneyField(
        _l("Total household income before taxes"),
        maximum=MAX_ANNUAL_INCOME,
        validators=[InputRequired(_l("Enter your household's income. Enter 0 if there is none."))],
    )
    income_period = RadioChoiceField(
        _l("Is that amount per month or per year?"),
        choices=options([("month", _l("Per month")), ("year", _l("Per year"))]),
        default="month",
        validators=[InputRequired(_l("Choose per month or per year."))],
    )
    voucher = BooleanField(
        _l("Someone in the household has a housing voucher or rental subsidy"), widget=CheckBox()
    )
    oldest_age = NumberField(
        _l("Age of the oldest household member (for senior housing)"),
        minimum=0,
        maximum=120,
        validators=[Optional()],
    )
    youngest_age = NumberField(
        _l("Age of the youngest household member (for senior housing)"),
        minimum=0,
        maximum=120,
        validators=[Optional()],
    )

    def validate_children_under_six(self, field: NumberField) -> None:
        size = self.household_size.data
        if field.data is not None and size is not None and field.data >= size:
            raise ValidationError(
                _l("At least one household member must be an adult or older child.")
            )

    def validate_income(self, field: MoneyField) -> None:
        if field.data is None or self.income_period.data != "month":
            return
        if field.data * 12 > MAX_ANNUAL_INCOME:
            raise ValidationError(_l("That amount is too large. Please check it."))

    def validate_youngest_age(self, field: NumberField) -> None:
        oldest = self.oldest_age.data
        if field.data is not None and oldest is not None and field.data > oldest:
            raise ValidationError(_l("The youngest member cannot be older than the oldest."))

    @property
    def was_submitted(self) -> bool:
        """True when the resident typed a household size or an income; filters alone are not."""
        return any(
            value.strip()
            for field in (self.household_size, self.income)
            for value in (field.raw_data or [])
        )

    def income_read_back(self) -> str | None:
        """What the income was read as ("We read this as $20,000 a year."), once answered."""
        if self.income.errors or self.income_period.errors:
            return None
        return amount_read_back(self.income.data, self.income_period.data)

    def household(self) -> Household:
        if self.household_size.data is None:
            raise ValueError("household() needs a validated form")
        income = self.income.data or Decimal(0)
        annual = income * 12 if self.income_period.data == "month" else income
        return Household(
            size=self.household_size.data,
            annual_income=annual,
            children_under_six=self.children_under_six.data or 0,
            has_voucher=bool(self.voucher.data),
            youngest_member_age=self.youngest_age.data,
            oldest_member_age=self.oldest_age.data,
        )


class FoldedEstimatorForm(EstimatorForm):
    """The estimator folded away inside the directory's filters. A browser refuses to send a
    form with an empty required field, silently when that field is out of sight, so here no
    question is marked required: the filters work alone, and the server still asks for a
    household size and an income once either of them is answered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            field.render_kw = {**(field.render_kw or {}), "required": False}


class DirectoryForm(QueryForm):
    tenure = ChoiceField(
        _l("Rent or buy"),
        choices=options(
            [
                ("", _l("Either")),
                (Tenure.RENTAL.value, _l("For rent")),
                (Tenure.SALE.value, _l("For sale")),
            ]
        ),
        default="",
    )
    unit_type = ChoiceField(_l("Unit size"), default="")
    neighborhood = ChoiceField(_l("Neighborhood"), default="")
    accessible = BooleanField(_l("Only listings with accessible units"), widget=CheckBox())
    phase = ChoiceField(
        _l("Applications"),
        choices=options(
            [
                ("", _l("Any status")),
                (Phase.OPEN.value, _l("Open now")),
                (Phase.UPCOMING.value, _l("Opening soon")),
                (Phase.CLOSED.value, _l("Closed")),
            ]
        ),
        default="",
    )
    sort = ChoiceField(
        _l("Sort by"),
        choices=options([(SortOrder.DEADLINE, _l("Deadline")), (SortOrder.NAME, _l("Name"))]),
        default=SortOrder.DEADLINE,
    )

    def __init__(self, *args: Any, neighborhoods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_type.choices = options(
            [("", _l("Any size"))]
            + [(unit_type.value, label) for unit_type, label in unit_type_labels().items()]
        )
        self.neighborhood.choices = options(
            [("", _l("Any neighborhood"))] + [(n, n) for n in neighborhoods]
        )

    def filters(self) -> DirectoryFilters:
        return DirectoryFilters(
            tenure=Tenure(self.tenure.data) if self.tenure.data else None,
            unit_type=UnitType(self.unit_type.data) if self.unit_type.data else None,
            neighborhood=self.neighborhood.data or None,
            accessible_only=bool(self.accessible.data),
            phase=Phase(self.phase.data) if self.phase.data else None,
            sort=self.sort.data or SortOrder.DEADLINE,
        )
