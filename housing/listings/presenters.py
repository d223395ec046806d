"""Words and figures for showing listings and eligibility results to residents."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from housing.listings.eligibility import (
    ListingResult,
    Reason,
    SeniorRule,
    UnitResult,
    minimum_monthly_income,
    monthly_from_annual,
)
from housing.listings.forms import unit_type_labels
from housing.listings.management_forms import ListingForm
from housing.listings.models import (
    AccessibilityPriority,
    EventKind,
    Listing,
    ListingStatus,
    Phase,
    ReservedCommunity,
    Tenure,
    Unit,
)
from housing.listings.services import unit_terms


def reason_text(reason: Reason) -> str:
    return str(
        {
            Reason.TOO_SMALL: _l("Your household is too small for this unit."),
            Reason.TOO_BIG: _l("Your household is too large for this unit."),
            Reason.INCOME_TOO_LOW: _l("Your income is below this unit's minimum."),
            Reason.INCOME_TOO_HIGH: _l(
                "Your income is above this unit's limit for your household size."
            ),
            Reason.AGE: _l("Your household does not meet this building's age requirement."),
            Reason.NO_VACANCY: _l("No unit of this type is available now."),
        }[reason]
    )


REASON_ORDER = list(Reason)


def ordered_reasons(reasons: frozenset[Reason]) -> list[str]:
    return [reason_text(reason) for reason in REASON_ORDER if reason in reasons]


def unit_type_label(unit: Unit) -> str:
    return str(unit_type_labels()[unit.unit_type])


def phase_label(phase: Phase) -> str:
    return str(
        {
            Phase.OPEN: _l("Accepting applications"),
            Phase.UPCOMING: _l("Opening soon"),
            Phase.CLOSED: _l("Applications closed"),
        }[phase]
    )


def tenure_label(tenure: Tenure) -> str:
    return str({Tenure.RENTAL: _l("For rent"), Tenure.SALE: _l("For sale")}[tenure])


def accessibility_label(priority: AccessibilityPriority | None) -> str:
    if priority is None:
        return ""
    return str(
        {
            AccessibilityPriority.MOBILITY: _l("Mobility"),
            AccessibilityPriority.VISION: _l("Vision"),
            AccessibilityPriority.HEARING: _l("Hearing"),
            AccessibilityPriority.MOBILITY_AND_HEARING_VISION: _l("Mobility, hearing and vision"),
        }[priority]
    )


def event_kind_label(kind: EventKind) -> str:
    return str(
        {EventKind.INFO_SESSION: _l("Information session"), EventKind.OPEN_HOUSE: _l("Open house")}[
            kind
        ]
    )


def reserved_community_text(listing: Listing) -> str | None:
    community = listing.reserved_community
    if community is None:
        return None
    if community is ReservedCommunity.SENIOR:
        if listing.senior_rule is SeniorRule.ENTIRE_HOUSEHOLD:
            return _(
                "Senior housing: every member of the household must be %(age)s or older.",
                age=listing.senior_minimum_age,
            )
        return _(
            "Senior housing: at least one member of the household must be %(age)s or older.",
            age=listing.senior_minimum_age,
        )
    if community is ReservedCommunity.VETERAN:
        return _("Reserved for households with a veteran of the U.S. armed forces.")
    return _("Reserved for households that need the accessibility features of these units.")


def deadline_countdown(listing: Listing, now: datetime) -> str:
    """'Closes in N days' while open, 'Opens in N days' before, nothing after."""
    phase = listing.phase(now)
    if phase is Phase.OPEN:
        days = math.ceil((listing.application_due_at - now).total_seconds() / 86400)
        if days <= 1:
            hours = max(1, math.ceil((listing.application_due_at - now).total_seconds() / 3600))
            return ngettext("Closes in %(num)s hour", "Closes in %(num)s hours", hours)
        return ngettext("Closes in %(num)s day", "Closes in %(num)s days", days)
    if phase is Phase.UPCOMING:
        days = math.ceil((listing.application_open_at - now).total_seconds() / 86400)
        return ngettext("Opens in %(num)s day", "Opens in %(num)s days", days)
    return ""


@dataclass(frozen=True)
class UnitRow:
    """One row of a listing's units table."""

    unit: Unit
    label: str
    minimum_monthly_income: Decimal | None
    occupancy_minimum: int
    occupancy_maximum: int
    result: UnitResult | None = None

    @property
    def reasons(self) -> list[str]:
        return ordered_reasons(self.result.reasons) if self.result else []


def unit_rows(listing: Listing, result: ListingResult | None = None) -> list[UnitRow]:
    rows = []
    for index, unit in enumerate(listing.units):
        terms = unit_terms(unit)
        occupancy = terms.effective_occupancy
        minimum = (
            minimum_monthly_income(terms.monthly_rent, terms.rent_multiple)
            if terms.monthly_rent is not None and terms.rent_multiple is not None
            else None
        )
        rows.append(
            UnitRow(
                unit=unit,
                label=unit_type_label(unit),
                minimum_monthly_income=minimum,
                occupancy_minimum=occupancy.minimum,
                occupancy_maximum=occupancy.maximum,
                result=result.units[index] if result else None,
            )
        )
    return rows


def verdict(result: ListingResult) -> dict[str, Any]:
    """A summary a resident can read at a glance, for cards and the listing page."""
    if result.is_eligible:
        return {"eligible": True, "title": _("You may qualify"), "reasons": []}
    return {
        "eligible": False,
        "title": _("Your household does not match any unit"),
        "reasons": ordered_reasons(result.reasons),
    }


def monthly_limit(annual: Decimal) -> Decimal:
    return monthly_from_annual(annual)


def status_label(status: ListingStatus) -> str:
    return str(
        {
            ListingStatus.DRAFT: _l("Draft"),
            ListingStatus.PENDING_REVIEW: _l("Waiting for review"),
            ListingStatus.CHANGES_REQUESTED: _l("Changes requested"),
            ListingStatus.APPROVED: _l("Approved"),
            ListingStatus.OPEN: _l("Open"),
            ListingStatus.CLOSED: _l("Closed"),
            ListingStatus.LOTTERY_RUN: _l("Lottery run"),
            ListingStatus.RESULTS_PUBLISHED: _l("Results published"),
            ListingStatus.LEASE_UP: _l("Lease-up"),
            ListingStatus.DONE: _l("Done"),
        }[status]
    )


def field_label(field: str) -> str:
    """The label of a listing text field, as the listing form shows it."""
    return str(getattr(ListingForm, field).args[0])
