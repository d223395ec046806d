"""The application's income step says why a household matches no unit, unit by unit, in the same
words as the listing page and the estimator; homes for sale have an income floor there too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from housing.applications.rules import ListingRules, check_section
from housing.demo import AMI_LIMITS
from housing.listings.eligibility import UnitTerms, UnitType
from tests.applications.helpers import valid_answers

TODAY = date(2026, 11, 25)
LIMITS = {
    (percent, size): Decimal(income)
    for percent, incomes in AMI_LIMITS.items()
    for size, income in enumerate(incomes, start=1)
}
HARBOR_FLATS = ListingRules(
    units=(
        UnitTerms(UnitType.STUDIO, 50, LIMITS, Decimal(1212), Decimal("2.5")),
        UnitTerms(UnitType.ONE_BEDROOM, 55, LIMITS, Decimal(1350), Decimal("2.5")),
        UnitTerms(UnitType.ONE_BEDROOM, 80, LIMITS, Decimal(2102), Decimal("2.5")),
        UnitTerms(UnitType.TWO_BEDROOM, 60, LIMITS, Decimal(1580), Decimal("2.5")),
        UnitTerms(UnitType.THREE_BEDROOM, 30, LIMITS, Decimal(760), Decimal(2)),
    )
)
NORTHPOINT = ListingRules(
    units=(
        UnitTerms(UnitType.TWO_BEDROOM, 100, LIMITS, minimum_ami_percent=60),
        UnitTerms(UnitType.THREE_BEDROOM, 120, LIMITS, minimum_ami_percent=80),
    )
)


def at_a_year(amount: int, *, voucher: bool = False) -> dict[str, object]:
    """Two people (the applicant and a child) with this yearly income."""
    return valid_answers(income={"has_voucher": voucher, "amount": str(amount), "period": "year"})


def income_step(answers: dict[str, object], rules: ListingRules) -> list[tuple[str, str]]:
    return [
        (problem.code, str(problem.detail.get("unit_type", "")))
        for problem in check_section("income", answers, rules, TODAY)
        if problem.field == "eligibility"
    ]


def test_two_people_at_20000_are_told_no_single_unit_fits_and_why_each_does_not():
    problems = income_step(at_a_year(20000), HARBOR_FLATS)
    assert problems[0] == ("no_unit_fits", "")
    assert [code for code, _unit in problems[1:]] == ["unit_does_not_fit"] * 5
    assert ("too_small", "") not in problems
    assert ("income_too_low", "") not in problems


def test_the_income_step_reads_the_same_sentences(app):
    from housing.applications.wording import problem_text

    with app.test_request_context("/"):
        texts = [
            problem_text(problem)
            for problem in check_section("income", at_a_year(20000), HARBOR_FLATS, TODAY)
        ]
    assert texts[0].startswith("No single unit fits both your household's size and its income.")
    assert "Studio: fits your household, but needs at least $36,360 a year." in texts
    assert "3 bedrooms: your income fits, but it is for 3 to 7 people." in texts
    assert not any("lowest minimum" in text or "every unit" in text for text in texts)


def test_a_home_for_sale_needs_its_floor_and_a_voucher_does_not_waive_it():
    for answers in (at_a_year(20000), at_a_year(20000, voucher=True)):
        assert income_step(answers, NORTHPOINT) == [
            ("income_too_low", ""),
            ("unit_does_not_fit", "2br"),
            ("unit_does_not_fit", "3br"),
        ]
    assert income_step(at_a_year(51700), NORTHPOINT) == []
    assert income_step(at_a_year(86151), NORTHPOINT)[0] == ("no_unit_fits", "")


def test_when_every_unit_refuses_for_the_same_reason_the_headline_keeps_its_code():
    # Two people are too few for the three bedrooms, but both homes need more income.
    assert income_step(at_a_year(10000), NORTHPOINT)[0] == ("income_too_low", "")
    alone = valid_answers(
        household=[], income={"has_voucher": True, "amount": "1", "period": "year"}
    )
    two_bedroom = ListingRules(units=(HARBOR_FLATS.units[3],))
    assert income_step(alone, two_bedroom) == [
        ("too_small", ""),
        ("unit_does_not_fit", "2br"),
    ]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 150_000), st.booleans())
def test_the_income_step_refuses_exactly_when_no_unit_matches(amount, voucher):
    from housing.listings.eligibility import Household, check_listing

    household = Household(size=2, annual_income=Decimal(amount), has_voucher=voucher)
    for rules in (HARBOR_FLATS, NORTHPOINT):
        eligible = check_listing(household, rules.units).is_eligible
        assert (income_step(at_a_year(amount, voucher=voucher), rules) == []) == eligible
