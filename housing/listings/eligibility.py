"""Whether a household qualifies for a unit or a listing.

Pure domain rules (DESIGN.md section 2): no Flask, no database. Every check returns named
reasons rather than a boolean, so residents are told *why* a unit does not fit them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cached_property

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

    ``income_limits`` is the unit's AMI chart. A fixed rent sets a minimum income (the rent
    times ``rent_multiple``), which a housing voucher waives; rent set as a share of income sets
    none. A home for sale has the floor its seller sets instead: a yearly ``minimum_income``,
    or ``minimum_ami_percent``, the chart's limit at that percentage for the household's size;
    a voucher pays rent, not a mortgage, so it waives neither. ``available`` is False for a
    unit with no vacancy (leased or taken off the market).
    """

    unit_type: UnitType
    ami_percent: int
    income_limits: IncomeLimits = field(default_factory=dict, compare=False, hash=False)
    monthly_rent: Decimal | None = None
    rent_multiple: Decimal | None = None
    occupancy: Occupancy | None = None
    available: bool = True
    minimum_income: Decimal | None = None
    minimum_ami_percent: int | None = None

    @cached_property
    def effective_occupancy(self) -> Occupancy:
        return self.occupancy or standard_occupancy(self.unit_type)

    @cached_property
    def minimum_annual_income(self) -> Decimal | None:
        """The minimum a fixed rent sets (None for any other unit)."""
        if self.monthly_rent is None or self.rent_multiple is None:
            return None
        return minimum_annual_income(self.monthly_rent, self.rent_multiple)

    @property
    def voucher_waives_floor(self) -> bool:
        return self.minimum_annual_income is not None

    def income_floor(self, household_size: int) -> Decimal | None:
        """The least a household of this size must earn in a year, or None if any income will do."""
        rent_minimum = self.minimum_annual_income
        if rent_minimum is not None:
            return rent_minimum
        if self.minimum_income is not None:
            return self.minimum_income
        if self.minimum_ami_percent is not None:
            return annual_income_limit(self.income_limits, self.minimum_ami_percent, household_size)
        return None


@dataclass(frozen=True)
class SeniorRequirement:
    minimum_age: int
    rule: SeniorRule


@dataclass(frozen=True)
class UnitResult:
    """How one unit fits a household. ``income_minimum`` is the floor the household had to
    reach (None when the unit has none, or a voucher waives it)."""

    unit: UnitTerms
    reasons: frozenset[Reason]
    income_limit: Decimal
    age_unchecked: bool = False
    income_minimum: Decimal | None = None

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
    minimum = unit.income_floor(household.size)
    if minimum is not None and household.has_voucher and unit.voucher_waives_floor:
        minimum = None
    if minimum is not None and household.annual_income < minimum:
        reasons.add(Reason.INCOME_TOO_LOW)
    limit = annual_income_limit(unit.income_limits, unit.ami_percent, household.size)
    if household.annual_income > limit:
        reasons.add(Reason.INCOME_TOO_HIGH)
    fails_age, unchecked = age_reason(household, senior)
    if fails_age:
        reasons.add(Reason.AGE)
    return UnitResult(
        unit, frozenset(reasons), limit, age_unchecked=unchecked, income_minimum=minimum
    )


@dataclass(frozen=True)
class ListingResult:
    """The verdict for a whole listing: eligible when one unit matches on every rule at once."""

    units: tuple[UnitResult, ...]
    reasons: frozenset[Reason] = field(default_factory=frozenset)
    household_size: int = 0

    @property
    def is_eligible(self) -> bool:
        return any(result.is_match for result in self.units)

    @property
    def deciding_units(self) -> tuple[UnitResult, ...]:
        """The units that decide: the available ones, or all of them when none is (a waitlist)."""
        return tuple(result for result in self.units if result.unit.available) or self.units

    @property
    def shared_reasons(self) -> frozenset[Reason]:
        """The reasons every deciding unit gives: what may truly be said of "every unit"."""
        if self.is_eligible or not self.units:
            return frozenset()
        return frozenset.intersection(*(result.reasons for result in self.deciding_units))

    @property
    def headline_reasons(self) -> list[Reason]:
        """The shared reasons in the order every explanation reads them."""
        return [reason for reason in Reason if reason in self.shared_reasons]

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
        return ListingResult(results, household_size=household.size)
    deciding = [result.reasons for result in results if result.unit.available] or [
        result.reasons for result in results
    ]
    shared = frozenset.intersection(*deciding)
    every = frozenset[Reason]().union(*deciding)
    return ListingResult(results, shared or every, household.size)


def fits_any_unit(
    household: Household, units: Sequence[UnitTerms], senior: SeniorRequirement | None = None
) -> bool:
    """``check_listing(...).is_eligible``, without the reasons: whether one deciding unit fits
    the household on every rule at once. The estimator ranks every open listing with it and
    asks ``check_listing`` only for the listings it shows (``tests/listings/test_snapshots.py``
    holds the two to the same answer)."""
    fails_age, _unchecked = age_reason(household, senior)
    if fails_age:
        return False
    size, income = household.size, household.annual_income
    for unit in [unit for unit in units if unit.available] or units:
        occupancy = unit.effective_occupancy
        if size < occupancy.minimum or household.size_counted_for_maximum > occupancy.maximum:
            continue
        floor = unit.income_floor(size)
        waived = household.has_voucher and unit.voucher_waives_floor
        if floor is not None and not waived and income < floor:
            continue
        if income > annual_income_limit(unit.income_limits, unit.ami_percent, size):
            continue
        return True
    return False


# Reasons a unit line explains; the age rule and vacancy are the same for every deciding unit.
_UNIT_REASONS = frozenset(
    {Reason.TOO_SMALL, Reason.TOO_BIG, Reason.INCOME_TOO_LOW, Reason.INCOME_TOO_HIGH}
)


@dataclass(frozen=True)
class UnitFit:
    """How one unit fits a household that no unit matches: the facts a sentence states.

    ``named_with_ami`` is True when the listing has another group of the same unit type, so
    that the AMI level tells them apart. Made of plain values so that it travels as the detail
    of an application's problem (``as_detail``/``from_detail``)."""

    unit_type: UnitType
    ami_percent: int
    named_with_ami: bool
    household_size: int
    occupancy: Occupancy
    reasons: frozenset[Reason]
    income_minimum: Decimal | None
    income_limit: Decimal
    voucher_waives_floor: bool

    def as_detail(self) -> dict[str, object]:
        return {
            "unit_type": self.unit_type.value,
            "ami_percent": self.ami_percent,
            "named_with_ami": self.named_with_ami,
            "household_size": self.household_size,
            "occupancy": [self.occupancy.minimum, self.occupancy.maximum],
            "reasons": sorted(reason.value for reason in self.reasons),
            "income_minimum": None if self.income_minimum is None else str(self.income_minimum),
            "income_limit": str(self.income_limit),
            "voucher_waives_floor": self.voucher_waives_floor,
        }

    @classmethod
    def from_detail(cls, detail: Mapping[str, object]) -> UnitFit:
        occupancy = detail["occupancy"]
        minimum = detail["income_minimum"]
        reasons = detail["reasons"]
        assert isinstance(occupancy, list) and isinstance(reasons, list)  # noqa: S101 - as_detail made it
        return cls(
            unit_type=UnitType(str(detail["unit_type"])),
            ami_percent=int(str(detail["ami_percent"])),
            named_with_ami=bool(detail["named_with_ami"]),
            household_size=int(str(detail["household_size"])),
            occupancy=Occupancy(int(occupancy[0]), int(occupancy[1])),
            reasons=frozenset(Reason(str(reason)) for reason in reasons),
            income_minimum=None if minimum is None else Decimal(str(minimum)),
            income_limit=Decimal(str(detail["income_limit"])),
            voucher_waives_floor=bool(detail["voucher_waives_floor"]),
        )


def unit_fits(result: ListingResult) -> tuple[UnitFit, ...]:
    """Unit by unit, why no deciding unit matches; nothing when one does.

    Units that fail only on a rule shared by all (the age rule) are left out: the headline says
    it once."""
    if result.is_eligible:
        return ()
    deciding = result.deciding_units
    type_counts: dict[UnitType, int] = {}
    for item in deciding:
        type_counts[item.unit.unit_type] = type_counts.get(item.unit.unit_type, 0) + 1
    return tuple(
        UnitFit(
            unit_type=item.unit.unit_type,
            ami_percent=item.unit.ami_percent,
            named_with_ami=type_counts[item.unit.unit_type] > 1,
            household_size=result.household_size,
            occupancy=item.unit.effective_occupancy,
            reasons=item.reasons & _UNIT_REASONS,
            income_minimum=item.income_minimum,
            income_limit=item.income_limit,
            voucher_waives_floor=item.unit.voucher_waives_floor,
        )
        for item in deciding
        if item.reasons & _UNIT_REASONS
    )
