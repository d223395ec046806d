"""The eligibility rules, on plain values: worked examples and properties over many households."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from housing.demo import AMI_LIMITS
from housing.listings.eligibility import (
    Household,
    MissingIncomeLimit,
    Occupancy,
    Reason,
    SeniorRequirement,
    SeniorRule,
    UnitTerms,
    UnitType,
    annual_income_limit,
    check_listing,
    check_unit,
    minimum_annual_income,
    minimum_monthly_income,
    monthly_from_annual,
    standard_occupancy,
)

LIMITS = {
    (percent, size): Decimal(value)
    for percent, row in AMI_LIMITS.items()
    for size, value in enumerate(row, start=1)
}


def unit(
    unit_type=UnitType.ONE_BEDROOM, ami=80, rent="2102", multiple="2.5", **kwargs
) -> UnitTerms:
    return UnitTerms(
        unit_type=unit_type,
        ami_percent=ami,
        income_limits=LIMITS,
        monthly_rent=None if rent is None else Decimal(rent),
        rent_multiple=None if multiple is None else Decimal(multiple),
        **kwargs,
    )


def household(size=2, income="66000", **kwargs) -> Household:
    return Household(size=size, annual_income=Decimal(income), **kwargs)


# Worked examples.


def test_one_bedroom_at_2102_with_a_2_5_multiple_needs_5255_a_month():
    assert minimum_monthly_income(Decimal("2102"), Decimal("2.5")) == Decimal("5255.0")
    assert minimum_annual_income(Decimal("2102"), Decimal("2.5")) == Decimal("63060.0")


def test_a_96950_three_person_limit_shows_as_8079_a_month():
    assert annual_income_limit(LIMITS, 100, 3) == Decimal(96950)
    assert monthly_from_annual(Decimal(96950)) == Decimal(8079)


@pytest.mark.parametrize(
    ("unit_type", "minimum", "maximum"),
    [
        (UnitType.SRO, 1, 1),
        (UnitType.STUDIO, 1, 2),
        (UnitType.ONE_BEDROOM, 1, 3),
        (UnitType.TWO_BEDROOM, 2, 5),
        (UnitType.THREE_BEDROOM, 3, 7),
        (UnitType.FOUR_BEDROOM, 4, 9),
        (UnitType.FIVE_BEDROOM, 5, 11),
    ],
)
def test_occupancy_follows_bedrooms(unit_type, minimum, maximum):
    assert standard_occupancy(unit_type) == Occupancy(minimum, maximum)


def test_children_under_six_do_not_count_toward_the_maximum_but_do_toward_the_minimum():
    four_with_a_toddler = household(size=4, income="70000", children_under_six=1)
    assert Reason.TOO_BIG not in check_unit(four_with_a_toddler, unit()).reasons
    assert Reason.TOO_BIG in check_unit(household(size=4, income="70000"), unit()).reasons
    assert Reason.TOO_SMALL in check_unit(household(size=1), unit(UnitType.TWO_BEDROOM)).reasons


def test_income_edges():
    minimum = Decimal("63060")
    at_minimum = check_unit(household(income=minimum), unit())
    assert Reason.INCOME_TOO_LOW not in at_minimum.reasons
    assert (
        Reason.INCOME_TOO_LOW
        in check_unit(household(income=minimum - Decimal("0.01")), unit()).reasons
    )
    limit = LIMITS[(80, 2)]
    assert check_unit(household(income=limit), unit()).is_match
    assert check_unit(household(income=limit + Decimal("0.01")), unit()).reasons == {
        Reason.INCOME_TOO_HIGH
    }


def test_voucher_holders_skip_the_minimum_and_share_of_income_rents_have_none():
    poor = household(income="12000")
    assert Reason.INCOME_TOO_LOW in check_unit(poor, unit()).reasons
    assert check_unit(household(income="12000", has_voucher=True), unit()).is_match
    assert check_unit(poor, unit(rent=None, multiple=None)).is_match


def test_households_past_eight_people_add_eight_percent_of_the_four_person_limit_each():
    # $113,700 + 2 x 8% of $86,150 = $127,484, printed as $127,500.
    assert LIMITS[(80, 8)] + 2 * Decimal("0.08") * LIMITS[(80, 4)] == Decimal(127484)
    assert annual_income_limit(LIMITS, 80, 10) == Decimal(127500)
    with pytest.raises(ValueError):
        annual_income_limit(LIMITS, 80, 0)
    with pytest.raises(MissingIncomeLimit):
        annual_income_limit(LIMITS, 65, 2)


def test_limits_past_eight_people_are_rounded_up_to_the_next_50_dollars():
    """HUD and the city's charts print every limit as a multiple of $50, rounded up.

    At 120% AMI, a chart whose four-person limit is $153,700 and eight-person limit is $202,900
    gives nine persons $202,900 + 8% of $153,700 = $215,196, printed as $215,200. On the Port
    Alder chart the project ships (housing.demo.AMI_LIMITS), nine persons at 100% AMI come to
    $142,150 + 8% of $107,700 = $150,766, printed as $150,800.
    """
    chart = {(120, 4): Decimal(153700), (120, 8): Decimal(202900)}
    assert annual_income_limit(chart, 120, 9) == Decimal(215200)
    assert annual_income_limit(LIMITS, 100, 9) == Decimal(150800)
    assert annual_income_limit(LIMITS, 100, 8) == LIMITS[(100, 8)]


def test_only_vacant_units_decide_when_a_listing_has_any():
    """A one-person household fits the studio, but only the two-bedroom has a vacancy."""
    studio = unit(UnitType.STUDIO, rent="1212", multiple="2", available=False)
    two_bedroom = unit(UnitType.TWO_BEDROOM, rent="1212", multiple="2")
    single = household(size=1, income="50000")
    result = check_listing(single, [studio, two_bedroom])
    assert not result.is_eligible
    assert result.units[0].reasons == {Reason.NO_VACANCY}
    assert result.units[1].reasons == {Reason.TOO_SMALL}
    assert result.reasons == {Reason.TOO_SMALL}
    # With no vacancy anywhere (a waitlist), every unit decides as before.
    waitlist = check_listing(single, [studio, unit(UnitType.TWO_BEDROOM, available=False)])
    assert waitlist.is_eligible
    assert waitlist.matching_units[0].unit == studio


def test_senior_rules():
    everyone = SeniorRequirement(62, SeniorRule.ENTIRE_HOUSEHOLD)
    one = SeniorRequirement(62, SeniorRule.ONE_MEMBER)
    mixed = household(oldest_member_age=70, youngest_member_age=40)
    assert Reason.AGE in check_unit(mixed, unit(), everyone).reasons
    assert Reason.AGE not in check_unit(mixed, unit(), one).reasons
    unknown = check_unit(household(), unit(), everyone)
    assert Reason.AGE not in unknown.reasons and unknown.age_unchecked


def test_one_unit_must_match_on_every_rule_at_once():
    # Right size for the studio only, and inside the income range of the 3 BR only.
    studio = unit(UnitType.STUDIO, ami=30, rent="500", multiple="2")  # limit for 1: $22,600
    family = unit(UnitType.THREE_BEDROOM, ami=120, rent="1000", multiple="2")  # needs 3+ people
    single = household(size=1, income="50000")
    result = check_listing(single, [studio, family])
    assert not result.is_eligible
    assert result.units[0].reasons == {Reason.INCOME_TOO_HIGH}
    assert result.units[1].reasons == {Reason.TOO_SMALL}
    assert result.reasons == {Reason.INCOME_TOO_HIGH, Reason.TOO_SMALL}


def test_reasons_shared_by_every_unit_come_first():
    result = check_listing(household(size=9, income="500000"), [unit(), unit(UnitType.TWO_BEDROOM)])
    assert result.reasons == {Reason.TOO_BIG, Reason.INCOME_TOO_HIGH}
    assert not check_listing(household(), []).is_eligible


def test_households_are_validated():
    for bad in ({"size": 0}, {"income": "-1"}, {"size": 2, "children_under_six": 2}):
        with pytest.raises(ValueError):
            household(**bad)


# Properties, with the rules restated independently from DESIGN.md.

money = st.decimals(min_value=0, max_value=400_000, places=2, allow_nan=False, allow_infinity=False)
rents = st.decimals(min_value=100, max_value=6_000, places=2, allow_nan=False, allow_infinity=False)
multiples = st.sampled_from([Decimal("2"), Decimal("2.5"), Decimal("3")])
unit_types = st.sampled_from(list(UnitType))
percents = st.sampled_from(sorted(AMI_LIMITS))


@st.composite
def households(draw):
    size = draw(st.integers(min_value=1, max_value=12))
    children = draw(st.integers(min_value=0, max_value=size - 1))
    return Household(
        size=size,
        annual_income=draw(money),
        children_under_six=children,
        has_voucher=draw(st.booleans()),
    )


def expected_reasons(home: Household, terms: UnitTerms) -> set[Reason]:
    bedrooms = {"sro": 0, "studio": 0, "1br": 1, "2br": 2, "3br": 3, "4br": 4, "5br": 5}[
        terms.unit_type.value
    ]
    smallest = max(1, bedrooms)
    largest = {"sro": 1, "studio": 2}.get(terms.unit_type.value, 2 * bedrooms + 1)
    reasons = set()
    if home.size < smallest:
        reasons.add(Reason.TOO_SMALL)
    if home.size - home.children_under_six > largest:
        reasons.add(Reason.TOO_BIG)
    if not home.has_voucher and home.annual_income < 12 * terms.rent_multiple * terms.monthly_rent:
        reasons.add(Reason.INCOME_TOO_LOW)
    base = LIMITS[(terms.ami_percent, min(home.size, 8))]
    if home.size > 8:
        base += (home.size - 8) * Decimal("0.08") * LIMITS[(terms.ami_percent, 4)]
    if home.annual_income > base:
        reasons.add(Reason.INCOME_TOO_HIGH)
    return reasons


@given(households(), unit_types, rents, multiples, percents)
def test_a_unit_matches_exactly_when_every_rule_holds(home, unit_type, rent, multiple, percent):
    terms = UnitTerms(unit_type, percent, LIMITS, monthly_rent=rent, rent_multiple=multiple)
    assert set(check_unit(home, terms).reasons) == expected_reasons(home, terms)


@given(households(), unit_types, rents, percents, money)
def test_more_income_never_makes_it_too_low_and_less_never_too_high(
    home, unit_type, rent, percent, extra
):
    terms = UnitTerms(unit_type, percent, LIMITS, monthly_rent=rent, rent_multiple=Decimal("2.5"))
    before = check_unit(home, terms).reasons
    richer = Household(
        home.size, home.annual_income + extra, home.children_under_six, home.has_voucher
    )
    poorer = Household(
        home.size,
        max(Decimal(0), home.annual_income - extra),
        home.children_under_six,
        home.has_voucher,
    )
    assert not (
        Reason.INCOME_TOO_LOW in check_unit(richer, terms).reasons
        and Reason.INCOME_TOO_LOW not in before
    )
    assert not (
        Reason.INCOME_TOO_HIGH in check_unit(poorer, terms).reasons
        and Reason.INCOME_TOO_HIGH not in before
    )


@given(households(), unit_types)
def test_a_child_under_six_never_makes_a_household_too_big_where_an_adult_would_not(
    home, unit_type
):
    terms = UnitTerms(unit_type, 80, LIMITS, monthly_rent=None, rent_multiple=None)
    with_child = Household(
        home.size + 1, home.annual_income, home.children_under_six + 1, home.has_voucher
    )
    with_adult = Household(
        home.size + 1, home.annual_income, home.children_under_six, home.has_voucher
    )
    if Reason.TOO_BIG in check_unit(with_child, terms).reasons:
        assert Reason.TOO_BIG in check_unit(with_adult, terms).reasons


@given(households(), st.lists(st.tuples(unit_types, rents, percents), min_size=1, max_size=5))
def test_a_listing_is_eligible_exactly_when_one_unit_matches(home, specs):
    terms = [
        UnitTerms(t, p, LIMITS, monthly_rent=r, rent_multiple=Decimal("2")) for t, r, p in specs
    ]
    result = check_listing(home, terms)
    assert result.is_eligible == any(check_unit(home, t).is_match for t in terms)
    if not result.is_eligible:
        assert result.reasons
