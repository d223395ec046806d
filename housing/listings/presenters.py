"""Words and figures for showing listings and eligibility results to residents."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from markupsafe import Markup

from housing.i18n import DEFAULT_LOCALE, format_local_datetime, format_money, ngettext
from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.listings.eligibility import (
    ListingResult,
    Reason,
    SeniorRule,
    UnitResult,
    UnitTerms,
    minimum_monthly_income,
    monthly_from_annual,
)
from housing.listings.eligibility_wording import explanation, matching_unit_names
from housing.listings.forms import unit_type_labels
from housing.listings.management_forms import ListingForm
from housing.listings.models import (
    TRANSLATABLE_FIELDS,
    AccessibilityPriority,
    DocumentKind,
    EventKind,
    Listing,
    ListingDocument,
    ListingEvent,
    ListingStatus,
    Phase,
    ReservedCommunity,
    Tenure,
    Unit,
    document_text_key,
    event_text_key,
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


_PHASE_LABELS = {
    Phase.OPEN: _l("Accepting applications"),
    Phase.UPCOMING: _l("Opening soon"),
    Phase.CLOSED: _l("Applications closed"),
}


def phase_label(phase: Phase) -> str:
    return str(_PHASE_LABELS[phase])


_TENURE_LABELS = {Tenure.RENTAL: _l("For rent"), Tenure.SALE: _l("For sale")}


def tenure_label(tenure: Tenure) -> str:
    return str(_TENURE_LABELS[tenure])


_ACCESSIBILITY_LABELS = {
    AccessibilityPriority.MOBILITY: _l("Mobility"),
    AccessibilityPriority.VISION: _l("Vision"),
    AccessibilityPriority.HEARING: _l("Hearing"),
    AccessibilityPriority.MOBILITY_AND_HEARING_VISION: _l("Mobility, hearing and vision"),
}


def accessibility_label(priority: AccessibilityPriority | None) -> str:
    if priority is None:
        return ""
    return str(_ACCESSIBILITY_LABELS[priority])


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


def countdown(listing: Listing, now: datetime) -> tuple[str, int] | None:
    """What the countdown says, as (what, how many): ("minutes", "hours" or "days") until the
    deadline while open, ("opens", days) before, None after. Time left is rounded down, so
    it never promises more than there is: 26 minutes left is "26 minutes", not "1 hour"."""
    phase = listing.phase(now)
    if phase is Phase.OPEN:
        seconds = (listing.application_due_at - now).total_seconds()
        if seconds < 3600:
            return ("minutes", max(1, math.floor(seconds / 60)))
        if seconds < 86400:
            return ("hours", math.floor(seconds / 3600))
        return ("days", math.floor(seconds / 86400))
    if phase is Phase.UPCOMING:
        return ("opens", math.ceil((listing.application_open_at - now).total_seconds() / 86400))
    return None


def countdown_text(told: tuple[str, int] | None) -> str:
    if told is None:
        return ""
    what, num = told
    if what == "minutes":
        return ngettext("Closes in %(num)s minute", "Closes in %(num)s minutes", num)
    if what == "hours":
        return ngettext("Closes in %(num)s hour", "Closes in %(num)s hours", num)
    if what == "days":
        return ngettext("Closes in %(num)s day", "Closes in %(num)s days", num)
    return ngettext("Opens in %(num)s day", "Opens in %(num)s days", num)


def deadline_countdown(listing: Listing, now: datetime) -> str:
    """'Closes in N days' while open, 'Opens in N days' before, nothing after."""
    return countdown_text(countdown(listing, now))


@dataclass(frozen=True)
class UnitRow:
    """One row of a listing's units table."""

    unit: Unit
    label: str
    minimum_monthly_income: Decimal | None
    occupancy_minimum: int
    occupancy_maximum: int
    result: UnitResult | None = None
    sale_minimum: str = ""

    @property
    def reasons(self) -> list[str]:
        return ordered_reasons(self.result.reasons) if self.result else []


def unit_rows(
    listing: Listing,
    result: ListingResult | None = None,
    terms: Sequence[UnitTerms] | None = None,
) -> list[UnitRow]:
    """The listing's units table; ``terms``: the units' terms when they are at hand (a kept
    copy's), in the listing's unit order."""
    if terms is None:
        terms = [unit_terms(unit) for unit in listing.units]
    rows = []
    for index, (unit, unit_rule) in enumerate(zip(listing.units, terms, strict=True)):
        occupancy = unit_rule.effective_occupancy
        minimum = (
            minimum_monthly_income(unit_rule.monthly_rent, unit_rule.rent_multiple)
            if unit_rule.monthly_rent is not None and unit_rule.rent_multiple is not None
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
                sale_minimum=sale_minimum_text(unit, result.units[index] if result else None),
            )
        )
    return rows


def sale_minimum_text(unit: Unit, result: UnitResult | None) -> str:
    """A home for sale's income floor: in dollars for the household checked, else as set."""
    if unit.sale_price is None:
        return ""
    if result is not None and result.income_minimum is not None:
        return _("%(amount)s a year", amount=format_money(result.income_minimum))
    if unit.minimum_income is not None:
        return _("%(amount)s a year", amount=format_money(unit.minimum_income))
    if unit.minimum_ami_percent is not None:
        return _(
            "The %(percent)s%% AMI limit for your household size",
            percent=unit.minimum_ami_percent,
        )
    return _("None")


def restriction(listing: Listing, result: ListingResult) -> tuple[str, list[str]] | None:
    """(title, sentences) when the household's size and income fit but the listing is for a
    community the estimator does not ask about; None when nothing else is to be checked."""
    community = listing.reserved_community
    if community is ReservedCommunity.VETERAN:
        return _("For veterans only"), [
            _(
                "Your household's size and income fit, but this housing is only for households "
                "with a veteran of the U.S. armed forces."
            )
        ]
    if community is ReservedCommunity.ACCESSIBLE_UNITS_ONLY:
        return _("Only for households that need accessible units"), [
            _(
                "Your household's size and income fit, but these units are only for households "
                "that need their accessibility features."
            )
        ]
    if community is ReservedCommunity.SENIOR and result.age_unchecked:
        return _("Only if your household meets the age requirement"), [
            reserved_community_text(listing) or "",
            _("Enter the ages of your household members to check the age requirement."),
        ]
    return None


def verdict(result: ListingResult, listing: Listing | None = None) -> dict[str, Any]:
    """A summary a resident can read at a glance, for cards and the listing page: the units
    that fit, or why none does, unit by unit, in the words of ``eligibility_wording``.

    A household that fits a listing reserved for veterans (or for those who need accessible
    units, or seniors when no age was given) is told what else decides; it is not told it
    may qualify."""
    matches = matching_unit_names(result)
    if result.is_eligible:
        restricted = restriction(listing, result) if listing is not None else None
        if restricted is not None:
            title, reasons = restricted
            return {
                "eligible": False,
                "restricted": True,
                "title": title,
                "reasons": reasons,
                "units": [],
                "matches": matches,
                "matches_text": matches_text(matches) if matches else "",
            }
        return {
            "eligible": True,
            "restricted": False,
            "title": _("You may qualify"),
            "reasons": [],
            "units": [],
            "matches": matches,
            "matches_text": matches_text(matches) if matches else "",
        }
    senior_age = listing.senior_minimum_age if listing is not None else None
    headline, lines = explanation(result, senior_age=senior_age)
    return {
        "eligible": False,
        "restricted": False,
        "title": _("Your household does not match any unit"),
        "reasons": headline,
        "units": lines,
        "matches": [],
        "matches_text": "",
    }


def matches_text(names: list[str]) -> str:
    return _(
        "Units that fit your household: %(units)s",
        units=_listed(str(get_locale()), tuple(names)),
    )


@lru_cache(maxsize=1024)
def _listed(locale: str, names: tuple[str, ...]) -> str:
    """Names joined as the language joins a list ("Studio, 1 bedroom and 2 bedrooms")."""
    return format_list(list(names), locale=locale)


# The estimator's questions, as the listing page's own check reads them from the address.
ESTIMATOR_FIELDS = (
    "household_size",
    "children_under_six",
    "income",
    "income_period",
    "voucher",
    "oldest_age",
    "youngest_age",
)


def estimator_query(args: Mapping[str, str]) -> dict[str, str]:
    """The household's answers in a query string, to carry them to a listing's own check."""
    return {name: args[name] for name in ESTIMATOR_FIELDS if args.get(name)}


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


@dataclass(frozen=True)
class LocalText:
    """One of the listing's own texts as a reader sees it: in their language, or the English
    original when the partner gave no translation (then ``english_only``)."""

    text: str
    english_only: bool = False

    def __bool__(self) -> bool:
        return bool(self.text)

    def __str__(self) -> str:
        return self.text


def rule_fields() -> list[tuple[str, str]]:
    """The listing's rules and building details, in the order the listing page shows them."""
    return [
        ("amenities", _("Amenities")),
        ("accessibility_features", _("Accessibility features")),
        ("credit_rules", _("Credit history")),
        ("eviction_rules", _("Rental and eviction history")),
        ("criminal_history_rules", _("Criminal background")),
        ("required_documents", _("Documents you will need")),
        ("pets_policy", _("Pets")),
        ("parking", _("Parking")),
        ("deposit", _("Deposit")),
    ]


class ListingTexts:
    """The listing's own texts in the reader's locale, for the listing page."""

    def __init__(self, listing: Listing, locale: str) -> None:
        self.listing = listing
        self.locale = locale

    def __call__(self, key: str) -> LocalText:
        if self.locale != DEFAULT_LOCALE:
            translated = self.listing.translation(key, self.locale)
            if translated:
                return LocalText(translated)
        source = self.listing.source_text(key)
        return LocalText(source, english_only=bool(source) and self.locale != DEFAULT_LOCALE)

    def document(self, document: ListingDocument, attribute: str) -> LocalText:
        return self(document_text_key(document.id, attribute))

    def event(self, event: ListingEvent, attribute: str) -> LocalText:
        return self(event_text_key(event.id, attribute))


@dataclass(frozen=True)
class TranslationRow:
    """One text a partner translates: its key, its label and its English original."""

    key: str
    label: str
    english: str


def translation_groups(listing: Listing) -> list[tuple[str, list[TranslationRow]]]:
    """Every text residents read on the listing page, grouped as the partner's form shows
    them: the listing's own fields, then each document, then each event."""
    groups = [
        (
            _("About the listing"),
            [
                TranslationRow(field, field_label(field), listing.source_text(field))
                for field in TRANSLATABLE_FIELDS
            ],
        )
    ]
    for document in listing.documents:
        rows = [TranslationRow(document_text_key(document.id, "title"), _("Title"), document.title)]
        if document.kind is DocumentKind.IMAGE:
            rows.append(
                TranslationRow(
                    document_text_key(document.id, "alt_text"),
                    _("Description of the image"),
                    document.alt_text,
                )
            )
        groups.append((_("Document: %(title)s", title=document.title), rows))
    for event in listing.events:
        rows = [
            TranslationRow(event_text_key(event.id, attribute), label, getattr(event, attribute))
            for attribute, label in (("location", _("Place")), ("notes", _("Notes")))
        ]
        when = format_local_datetime(event.starts_at, listing.timezone, "medium")
        groups.append((f"{event_kind_label(event.kind)}, {when}", rows))
    return groups


def ami_abbreviation() -> Markup:
    """The abbreviation AMI, spelled out for anyone who points at it or hears it read."""
    return Markup('<abbr title="{}">{}</abbr>').format(_("area median income"), _("AMI"))
