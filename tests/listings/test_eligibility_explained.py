"""Why a household does not match, unit by unit, and the income floor of homes for sale.

The rules on plain values first (worked examples from the demo city, then properties over many
households), then the sentences residents read, from the one place every page takes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from housing.demo import AMI_LIMITS
from housing.listings.eligibility import (
    Household,
    Reason,
    UnitFit,
    UnitTerms,
    UnitType,
    annual_income_limit,
    check_listing,
    check_unit,
    unit_fits,
)

LIMITS = {
    (percent, size): Decimal(value)
    for percent, row in AMI_LIMITS.items()
    for size, value in enumerate(row, start=1)
}


def rental(unit_type: UnitType, ami: int, rent: str, multiple: str = "2.5") -> UnitTerms:
    return UnitTerms(unit_type, ami, LIMITS, Decimal(rent), Decimal(multiple))


# Harbor Flats Commons, as the demo city lists it.
HARBOR_FLATS = (
    rental(UnitType.STUDIO, 50, "1212"),
    rental(UnitType.ONE_BEDROOM, 55, "1350"),
    rental(UnitType.ONE_BEDROOM, 80, "2102"),
    rental(UnitType.TWO_BEDROOM, 60, "1580"),
    rental(UnitType.THREE_BEDROOM, 30, "760", "2"),
)
TWO_AT_20000 = Household(size=2, annual_income=Decimal(20000))


def sale(unit_type: UnitType, ami: int, **floor: object) -> UnitTerms:
    return UnitTerms(unit_type, ami, LIMITS, **floor)  # type: ignore[arg-type]


# Worked examples.


def test_two_people_at_20000_fit_the_studio_by_size_and_the_three_bedroom_by_income_only():
    result = check_listing(TWO_AT_20000, HARBOR_FLATS)
    assert not result.is_eligible
    assert result.shared_reasons == frozenset()
    fits = {(fit.unit_type, fit.ami_percent): fit for fit in unit_fits(result)}
    studio = fits[(UnitType.STUDIO, 50)]
    assert studio.reasons == {Reason.INCOME_TOO_LOW}
    assert studio.income_minimum == Decimal("36360")
    assert not studio.named_with_ami
    three = fits[(UnitType.THREE_BEDROOM, 30)]
    assert three.reasons == {Reason.TOO_SMALL}
    assert (three.occupancy.minimum, three.occupancy.maximum) == (3, 7)
    assert three.income_minimum == Decimal("18240")
    # Two groups of one-bedrooms are told apart by their AMI level.
    assert fits[(UnitType.ONE_BEDROOM, 55)].named_with_ami
    assert fits[(UnitType.ONE_BEDROOM, 80)].named_with_ami


def test_a_sale_unit_with_a_minimum_ami_percentage_has_a_floor_for_each_household_size():
    two_bedroom = sale(UnitType.TWO_BEDROOM, 100, minimum_ami_percent=60)
    result = check_unit(TWO_AT_20000, two_bedroom)
    assert result.reasons == {Reason.INCOME_TOO_LOW}
    assert result.income_minimum == LIMITS[(60, 2)] == Decimal(51700)
    four = Household(size=4, annual_income=Decimal(60000))
    assert check_unit(four, two_bedroom).income_minimum == LIMITS[(60, 4)]
    assert check_unit(Household(size=2, annual_income=Decimal(51700)), two_bedroom).is_match
    above = Household(size=2, annual_income=Decimal(86151))
    assert check_unit(above, two_bedroom).reasons == {Reason.INCOME_TOO_HIGH}


def test_a_sale_unit_with_a_minimum_income_and_no_voucher_waiver():
    condo = sale(UnitType.ONE_BEDROOM, 80, minimum_income=Decimal(45000))
    assert check_unit(TWO_AT_20000, condo).reasons == {Reason.INCOME_TOO_LOW}
    with_voucher = Household(size=2, annual_income=Decimal(20000), has_voucher=True)
    assert check_unit(with_voucher, condo).reasons == {Reason.INCOME_TOO_LOW}
    assert check_unit(Household(size=2, annual_income=Decimal(45000)), condo).is_match


def test_a_voucher_still_waives_a_rent_minimum():
    studio = HARBOR_FLATS[0]
    with_voucher = Household(size=2, annual_income=Decimal(20000), has_voucher=True)
    result = check_unit(with_voucher, studio)
    assert result.is_match
    assert result.income_minimum is None


def test_an_unavailable_unit_is_not_explained_as_if_it_could_house_anyone():
    leased = UnitTerms(UnitType.STUDIO, 50, LIMITS, Decimal(1212), Decimal("2.5"), available=False)
    result = check_listing(TWO_AT_20000, (leased, HARBOR_FLATS[4]))
    assert [fit.unit_type for fit in unit_fits(result)] == [UnitType.THREE_BEDROOM]
    assert result.shared_reasons == {Reason.TOO_SMALL}


# Properties over many households and listings.

unit_terms = st.builds(
    UnitTerms,
    unit_type=st.sampled_from(list(UnitType)),
    ami_percent=st.sampled_from(sorted(AMI_LIMITS)),
    income_limits=st.just(LIMITS),
    monthly_rent=st.one_of(st.none(), st.integers(300, 4000).map(Decimal)),
    rent_multiple=st.just(Decimal("2.5")),
    available=st.booleans(),
)
sale_terms = st.builds(
    UnitTerms,
    unit_type=st.sampled_from(list(UnitType)),
    ami_percent=st.sampled_from([100, 110, 120]),
    income_limits=st.just(LIMITS),
    minimum_income=st.one_of(st.none(), st.integers(10000, 90000).map(Decimal)),
    minimum_ami_percent=st.sampled_from([None, 30, 50, 60, 80]),
).filter(lambda unit: unit.minimum_income is None or unit.minimum_ami_percent is None)
households = st.builds(
    Household,
    size=st.integers(1, 10),
    annual_income=st.integers(0, 200_000).map(Decimal),
    has_voucher=st.booleans(),
)


@given(households, st.lists(st.one_of(unit_terms, sale_terms), min_size=1, max_size=6))
def test_every_explanation_is_true_of_each_unit_it_names(household, units):
    result = check_listing(household, units)
    fits = unit_fits(result)
    if result.is_eligible:
        assert fits == ()
        return
    assert fits, "a refusal always says which units were looked at"
    for fit in fits:
        size_ok = fit.occupancy.minimum <= household.size
        assert (Reason.TOO_SMALL in fit.reasons) == (not size_ok)
        if Reason.INCOME_TOO_LOW in fit.reasons:
            assert fit.income_minimum is not None
            assert household.annual_income < fit.income_minimum
        elif fit.income_minimum is not None:
            assert household.annual_income >= fit.income_minimum
        if Reason.INCOME_TOO_HIGH in fit.reasons:
            assert household.annual_income > fit.income_limit
        else:
            assert household.annual_income <= fit.income_limit
    # What the headline says of every unit holds for every unit named.
    for reason in result.shared_reasons:
        assert all(reason in fit.reasons for fit in fits)


@given(households, st.lists(sale_terms, min_size=1, max_size=4))
def test_a_sale_unit_never_matches_below_its_floor(household, units):
    for unit in units:
        result = check_unit(household, unit)
        floor = unit.minimum_income
        if unit.minimum_ami_percent is not None:
            floor = annual_income_limit(LIMITS, unit.minimum_ami_percent, household.size)
        if floor is not None and household.annual_income < floor:
            assert Reason.INCOME_TOO_LOW in result.reasons
            assert not result.is_match


@given(st.lists(st.one_of(unit_terms, sale_terms), min_size=1, max_size=6), households)
def test_a_fit_survives_the_trip_through_an_application_problem(units, household):
    for fit in unit_fits(check_listing(household, units)):
        assert UnitFit.from_detail(fit.as_detail()) == fit


# The sentences residents read.


@pytest.fixture
def english(app):  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        yield


def test_the_sentences_say_what_fits_and_what_does_not_unit_by_unit(english):
    from housing.listings.eligibility_wording import explanation

    headline, lines = explanation(check_listing(TWO_AT_20000, HARBOR_FLATS))
    assert headline[0] == "No single unit fits both your household's size and its income."
    assert "Studio: fits your household, but needs at least $36,360 a year." in lines
    assert "3 bedrooms: your income fits, but it is for 3 to 7 people." in lines
    assert "1 bedroom (55% AMI): fits your household, but needs at least $40,500 a year." in lines
    assert not any("every unit" in line for line in headline + lines)
    assert (
        "Households with a housing voucher or rental subsidy do not need to meet the minimum "
        "income of a rental unit." in headline
    )


def test_a_sale_floor_is_explained_the_same_way(english):
    from housing.listings.eligibility_wording import explanation

    units = (
        sale(UnitType.TWO_BEDROOM, 100, minimum_ami_percent=60),
        sale(UnitType.THREE_BEDROOM, 120, minimum_ami_percent=80),
    )
    headline, lines = explanation(check_listing(TWO_AT_20000, units))
    assert headline == ["Your household income is below the minimum for every unit."]
    assert "2 bedrooms: fits your household, but needs at least $51,700 a year." in lines
    assert "3 bedrooms: it is for 3 to 7 people and needs at least $68,900 a year." in lines
    assert not any("voucher" in line for line in lines)


def test_when_every_unit_fails_the_same_way_the_headline_says_so(english):
    from housing.listings.eligibility_wording import explanation

    rich = Household(size=2, annual_income=Decimal(500000))
    headline, lines = explanation(check_listing(rich, HARBOR_FLATS))
    assert headline == ["Your household income is above the limit for every unit."]
    assert (
        "Studio: fits your household, but its limit for a household of 2 is $43,100 a year."
        in lines
    )


def test_the_estimator_does_not_promise_housing_reserved_for_veterans(client):
    from housing.listings.models import ReservedCommunity
    from tests.factories import ListingFactory, UnitFactory

    veterans = ListingFactory(name="Veterans Court", reserved_community=ReservedCommunity.VETERAN)
    UnitFactory(listing=veterans, unit_type=UnitType.STUDIO, monthly_rent=700, ami_percent=50)
    UnitFactory(
        listing=ListingFactory(name="Open To All"),
        unit_type=UnitType.STUDIO,
        monthly_rent=700,
        ami_percent=50,
    )
    page = client.get("/eligibility?household_size=1&income=2000&income_period=month").text
    reserved = page.split(f'id="listing-{veterans.id}-name"')[1].split("</article>")[0]
    assert "You may qualify" not in reserved
    assert "For veterans only" in reserved
    assert "only for households with a veteran of the U.S. armed forces" in reserved
    assert "Units that fit your household: Studio" in reserved
    assert "verdict-restricted" in reserved
    assert page.count("You may qualify") == 1  # the listing open to all
