"""Whether a household qualifies for a unit or a listing.

Pure domain rules (DESIGN.md section 2): no Flask, no database. Every check returns named
reasons rather than a boolean, so residents are told *why* a unit does not fit them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

MONTHS_PER_YEAR = 12
LARGEST_CHARTED_HOUSEHOLD = 8
# HUD's rule for households larger than the chart: each extra person adds 8% of the
# four-person limit.
EXTRA_PERSON_SHARE = Decimal("0.08")
BASE_HOUSEHOLD_FOR_EXTRA_PERSONS = 4
# HUD and the city print every limit rounded up to a multiple of $50; an extended limit is
# printed the same way.
CHART_ROUNDING = Decimal(50)


class UnitType(enum.StrEnum):
    SRO = "sro"
    STUDIO = "studio"
    ONE_BEDROOM = "1br"
    TWO_BEDROOM = "2br"
    THREE_BEDROOM = "3br"
    FOUR_BEDROOM = "4br"
    FIVE_BEDROOM = "5br"

    @property
    def bedrooms(self) -> int:
        return _BEDROOMS[self]


_BEDROOMS = {
    UnitType.SRO: 0,
    UnitType.STUDIO: 0,
    UnitType.ONE_BEDROOM: 1,
    UnitType.TWO_BEDROOM: 2,
    UnitType.THREE_BEDROOM: 3,
    UnitType.FOUR_BEDROOM: 4,
    UnitType.FIVE_BEDROOM: 5,
}


class Reason(enum.StrEnum):
    """Why a household does not match a unit. An empty set of reasons is a match."""

    TOO_SMALL = "too_small"
    TOO_BIG = "too_big"
    INCOME_TOO_LOW = "income_too_low"
    INCOME_TOO_HIGH = "income_too_high"
    AGE = "age"
    NO_VACANCY = "no_vacancy"


class SeniorRule(enum.StrEnum):
    ENTIRE_HOUSEHOLD = "entire_household"
    ONE_MEMBER = "one_member"


class MissingIncomeLimit(LookupError):
    """The AMI chart has no limit for the unit's AMI percentage."""


@dataclass(frozen=True)
class Occupancy:
    minimum: int
    maximum: int

    def __post_init__(self) -> None:
        if self.minimum < 1 or self.maximum < self.minimum:
            raise ValueError(f"Impossible occupancy {self.minimum}-{self.maximum}")


def standard_occupancy(unit_type: UnitType) -> Occupancy:
    """Minimum is the bedroom count (at least 1); maximum is 2 per bedroom plus 1.

    SROs house one person and studios two.
    """
    if unit_type is UnitType.SRO:
        return Occupancy(1, 1)
    if unit_type is UnitType.STUDIO:
        return Occupancy(1, 2)
    bedrooms = unit_type.bedrooms
    return Occupancy(bedrooms, 2 * bedrooms + 1)


def minimum_monthly_income(monthly_rent: Decimal, rent_multiple: Decimal) -> Decimal:
    """The least a household must earn each month to rent a unit: multiple times the rent."""
    return monthly_rent * rent_multiple


def minimum_annual_income(monthly_rent: Decimal, rent_multiple: Decimal) -> Decimal:
    return MONTHS_PER_YEAR * minimum_monthly_income(monthly_rent, rent_multiple)


IncomeLimits = Mapping[tuple[int, int], Decimal]
"""Annual income limits keyed by (AMI percentage, household size)."""


def annual_income_limit(limits: IncomeLimits, ami_percent: int, household_size: int) -> Decimal:
    """The chart's annual limit for a household size, extended past 8 persons by HUD's rule."""
    if household_size < 1:
        raise ValueError("A household has at least one person")
    if household_size <= LARGEST_CHARTED_HOUSEHOLD:
        try:
            return limits[(ami_percent, household_size)]
        except KeyError:
            raise MissingIncomeLimit((ami_percent, household_size)) from None
    try:
        largest = limits[(ami_percent, LARGEST_CHARTED_HOUSEHOLD)]
        base = limits[(ami_percent, BASE_HOUSEHOLD_FOR_EXTRA_PERSONS)]
    except KeyError:
        raise MissingIncomeLimit((ami_percent, household_size)) from None
    extra_persons = household_size - LARGEST_CHARTED_HOUSEHOLD
    extended = largest + extra_persons * EXTRA_PERSON_SHARE * base
    return (extended / CHART_ROUNDING).to_integral_value(rounding=ROUND_CEILING) * CHART_ROUNDING


def monthly_from_annual(annual: Decimal) -> Decimal:
    """Whole dollars a month, rounded down so a displayed maximum is never over the limit."""
    return (annual / MONTHS_PER_YEAR).to_integral_value(rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class Household:
    """What the eligibility rules need to know about a household.

    ``annual_income`` is the household's gross yearly income. Member ages are optional: when
    unknown, the age rule of a senior listing is reported as unchecked instead of failed.
    """

    size: int
    annual_income: Decimal
    children_under_six: int = 0
    has_voucher: bool = False
    youngest_member_age: int | None = None
    oldest_member_age: int | None = None

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("A household has at least one person")
        if not 0 <= self.children_under_six < self.size:
            raise ValueError("Children under six must leave at least one adult in the household")
        if self.annual_income < 0:
            raise ValueError("Income cannot be negative")

    @property
    def size_counted_for_maximum(self) -> int:
        """Children under six do not count toward a unit's maximum occupancy."""
        return self.size - self.children_under_six


@dataclass(frozen=True)
class UnitTerms:
    """One unit (or group of identical units) as the eligibility rules see it.

    ``income_limits`` is the unit's AMI chart. ``monthly_rent`` is None for sale units and for
    rent set as a share of income: neither has a minimum income. ``available`` is False for a
    unit with no vacancy (leased or taken off the market).
    """

    unit_type: UnitType
    ami_percent: int
    income_limits: IncomeLimits = field(default_factory=dict, compare=False, hash=False)
    monthly_rent: Decimal | None = None
    rent_multiple: Decimal | None = None
    occupancy: Occupancy | None = None
    available: bool = True

    @property
    def effective_occupancy(self) -> Occupancy:
        return self.occupancy or standard_occupancy(self.unit_type)

    @property
    def minimum_annual_income(self) -> Decimal | None:
        if self.monthly_rent is None or self.rent_multiple is None:
            return None
        return minimum_annual_income(self.monthly_rent, self.rent_multiple)


@dataclass(frozen=True)
class SeniorRequirement:
    minimum_age: int
    rule: SeniorRule


@dataclass(frozen=True)
class UnitResult:
    unit: UnitTerms
    reasons: frozenset[Reason]
    income_limit: Decimal
    age_unchecked: bool = False

    @property
    def is_match(self) -> bool:
        return not self.reasons


def age_reason(household: Household, senior: SeniorRequirement | None) -> tuple[bool, bool]:
    """(fails, unchecked) for a senior listing's age rule."""
    if senior is None:
        return False, False
    age = (
        household.youngest_member_age
        if senior.rule is SeniorRule.ENTIRE_HOUSEHOLD
        else household.oldest_member_age
    )
    if age is None:
        return False, True
    return age < senior.minimum_age, False


def check_unit(
    household: Household, unit: UnitTerms, senior: SeniorRequirement | None = None
) -> UnitResult:
    """Every reason this household does not fit this unit (none means a match)."""
    reasons: set[Reason] = set()
    occupancy = unit.effective_occupancy
    if household.size < occupancy.minimum:
        reasons.add(Reason.TOO_SMALL)
    if household.size_counted_for_maximum > occupancy.maximum:
        reasons.add(Reason.TOO_BIG)
    minimum = unit.minimum_annual_income
    if minimum is not None and not household.has_voucher and household.annual_income < minimum:
        reasons.add(Reason.INCOME_TOO_LOW)
    limit = annual_income_limit(unit.income_limits, unit.ami_percent, household.size)
    if household.annual_income > limit:
        reasons.add(Reason.INCOME_TOO_HIGH)
    fails_age, unchecked = age_reason(household, senior)
    if fails_age:
        reasons.add(Reason.AGE)
    return UnitResult(unit, frozenset(reasons), limit, age_unchecked=unchecked)


@dataclass(frozen=True)
class ListingResult:
    """The verdict for a whole listing: eligible when one unit matches on every rule at once."""

    units: tuple[UnitResult, ...]
    reasons: frozenset[Reason] = field(default_factory=frozenset)

    @property
    def is_eligible(self) -> bool:
        return any(result.is_match for result in self.units)

    @property
    def matching_units(self) -> tuple[UnitResult, ...]:
        return tuple(result for result in self.units if result.is_match)

    @property
    def age_unchecked(self) -> bool:
        return any(result.age_unchecked for result in self.units)


def check_listing(
    household: Household, units: Sequence[UnitTerms], senior: SeniorRequirement | None = None
) -> ListingResult:
    """Check every unit; a non-eligible result names the reasons each unit gave.

    When some units have a vacancy, only they decide: a unit with none cannot house the
    household now, whatever it would fit, and says so with ``NO_VACANCY``. A listing with no
    vacancy at all (a waitlist) is judged on all its units.

    ``reasons`` collects the reasons that *every* deciding unit shares first (the household's
    real obstacle), and falls back to all reasons seen when the units fail in different ways.
    """
    results = tuple(check_unit(household, unit, senior) for unit in units)
    if any(unit.available for unit in units):
        results = tuple(
            result
            if result.unit.available
            else replace(result, reasons=result.reasons | {Reason.NO_VACANCY})
            for result in results
        )
    if not results or any(result.is_match for result in results):
        return ListingResult(results)
    deciding = [result.reasons for result in results if result.unit.available] or [
        result.reasons for result in results
    ]
    shared = frozenset.intersection(*deciding)
    every = frozenset[Reason]().union(*deciding)
    return ListingResult(results, shared or every)
