"""The sentences that explain an eligibility result: one source for the listing page, the
estimator and the application's income step, so that each says the same thing the same way.

A refusal is a headline (what is true of every unit, or that no single unit fits the household's
size and income together) and then one sentence per unit: what of it fits and what does not.
Said to the resident ("your household") or, with ``staff``, to staff typing in a paper form
("the household").
"""

from __future__ import annotations

from collections.abc import Collection

from housing.i18n import format_money, ngettext
from housing.i18n import gettext as _
from housing.listings.eligibility import (
    ListingResult,
    Occupancy,
    Reason,
    UnitFit,
    UnitType,
    unit_fits,
)
from housing.listings.forms import unit_type_labels

SIZE_REASONS = frozenset({Reason.TOO_SMALL, Reason.TOO_BIG})
INCOME_REASONS = frozenset({Reason.INCOME_TOO_LOW, Reason.INCOME_TOO_HIGH})


def unit_name(fit: UnitFit) -> str:
    return named_unit(fit.unit_type, fit.ami_percent, with_ami=fit.named_with_ami)


def named_unit(unit_type: UnitType, ami_percent: int, *, with_ami: bool) -> str:
    label = str(unit_type_labels()[unit_type])
    if not with_ami:
        return label
    return _("%(unit)s (%(percent)s%% AMI)", unit=label, percent=ami_percent)


def matching_unit_names(result: ListingResult) -> list[str]:
    """The units that fit, each named once, told apart by AMI level where a type repeats."""
    types = [item.unit.unit_type for item in result.deciding_units]
    names: list[str] = []
    for item in result.matching_units:
        name = named_unit(
            item.unit.unit_type,
            item.unit.ami_percent,
            with_ami=types.count(item.unit.unit_type) > 1,
        )
        if name not in names:
            names.append(name)
    return names


def people_text(occupancy: Occupancy) -> str:
    if occupancy.minimum == occupancy.maximum:
        return ngettext("%(num)s person", "%(num)s people", occupancy.minimum)
    return _(
        "%(minimum)s to %(maximum)s people", minimum=occupancy.minimum, maximum=occupancy.maximum
    )


def unit_fit_sentence(fit: UnitFit, *, staff: bool = False) -> str:
    """One unit: which of size and income fit, and what the unit needs where they do not."""
    name = unit_name(fit)
    size_wrong = bool(fit.reasons & SIZE_REASONS)
    people = people_text(fit.occupancy)
    minimum = format_money(fit.income_minimum)
    limit = format_money(fit.income_limit)
    size = fit.household_size
    if Reason.INCOME_TOO_LOW in fit.reasons:
        if size_wrong:
            return _(
                "%(unit)s: it is for %(people)s and needs at least %(amount)s a year.",
                unit=name,
                people=people,
                amount=minimum,
            )
        if staff:
            return _(
                "%(unit)s: fits the household, but needs at least %(amount)s a year.",
                unit=name,
                amount=minimum,
            )
        return _(
            "%(unit)s: fits your household, but needs at least %(amount)s a year.",
            unit=name,
            amount=minimum,
        )
    if Reason.INCOME_TOO_HIGH in fit.reasons:
        if size_wrong:
            return _(
                "%(unit)s: it is for %(people)s and its limit for a household of %(size)s is "
                "%(amount)s a year.",
                unit=name,
                people=people,
                size=size,
                amount=limit,
            )
        if staff:
            return _(
                "%(unit)s: fits the household, but its limit for a household of %(size)s is "
                "%(amount)s a year.",
                unit=name,
                size=size,
                amount=limit,
            )
        return _(
            "%(unit)s: fits your household, but its limit for a household of %(size)s is "
            "%(amount)s a year.",
            unit=name,
            size=size,
            amount=limit,
        )
    if staff:
        return _(
            "%(unit)s: the household's income fits, but it is for %(people)s.",
            unit=name,
            people=people,
        )
    return _("%(unit)s: your income fits, but it is for %(people)s.", unit=name, people=people)


def headline_sentence(
    reason: Reason | None,
    household_size: int,
    *,
    senior_age: int | None = None,
    staff: bool = False,
) -> str:
    """What is true of every deciding unit; ``None`` when no single reason is."""
    if reason is Reason.AGE:
        return _(
            "This listing is for seniors: household members must be at least %(age)s years old.",
            age=senior_age,
        )
    if reason is Reason.TOO_SMALL:
        return _(
            "A household of %(size)s is too small for every unit in this listing.",
            size=household_size,
        )
    if reason is Reason.TOO_BIG:
        return _(
            "A household of %(size)s is too large for every unit in this listing.",
            size=household_size,
        )
    if staff:
        if reason is Reason.INCOME_TOO_LOW:
            return _("The household's income is below the minimum for every unit.")
        if reason is Reason.INCOME_TOO_HIGH:
            return _("The household's income is above the limit for every unit.")
        return _("No single unit fits both the household's size and its income.")
    if reason is Reason.INCOME_TOO_LOW:
        return _("Your household income is below the minimum for every unit.")
    if reason is Reason.INCOME_TOO_HIGH:
        return _("Your household income is above the limit for every unit.")
    return _("No single unit fits both your household's size and its income.")


def mixed_headline(seen: Collection[Reason], *, staff: bool = False) -> str:
    """When the units refuse for different reasons (``seen``, all of them together): which of
    size and income no single unit fits."""
    seen = frozenset(seen)
    if not seen & INCOME_REASONS:
        if staff:
            return _("No unit in this listing is the right size for the household.")
        return _("No unit in this listing is the right size for your household.")
    if not seen & SIZE_REASONS:
        if staff:
            return _("No unit in this listing fits the household's income.")
        return _("No unit in this listing fits your household's income.")
    return headline_sentence(None, 0, staff=staff)


def with_voucher_note(text: str, note: bool) -> str:
    return f"{text} {voucher_note()}" if note else text


def voucher_note() -> str:
    return _(
        "Households with a housing voucher or rental subsidy do not need to meet the minimum "
        "income of a rental unit."
    )


def needs_voucher_note(fits: Collection[UnitFit]) -> bool:
    return any(Reason.INCOME_TOO_LOW in fit.reasons and fit.voucher_waives_floor for fit in fits)


def explanation(
    result: ListingResult, *, senior_age: int | None = None
) -> tuple[list[str], list[str]]:
    """(headline sentences, unit sentences) for a household no unit matches; empty when one does.

    The voucher note is added only where a rent's minimum refused the household: with a
    voucher that minimum would not have applied."""
    if result.is_eligible:
        return [], []
    fits = unit_fits(result)
    shared = result.headline_reasons
    headline = [
        headline_sentence(reason, result.household_size, senior_age=senior_age) for reason in shared
    ] or [mixed_headline({reason for fit in fits for reason in fit.reasons})]
    if needs_voucher_note(fits):
        headline.append(voucher_note())
    return headline, [unit_fit_sentence(fit) for fit in fits]
