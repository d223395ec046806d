"""The one check every submission runs, tested with plain values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.applications.rules import (
    ListingRules,
    PreferenceRule,
    check_application,
    check_section,
    household_of,
    is_po_box,
    normalized_phone,
)
from housing.demo import AMI_LIMITS
from housing.listings.eligibility import SeniorRequirement, SeniorRule, UnitTerms, UnitType
from tests.applications.helpers import name_for, valid_answers, with_applicant

TODAY = date(2026, 11, 25)
LIMITS = {
    (percent, size): Decimal(income)
    for percent, incomes in AMI_LIMITS.items()
    for size, income in enumerate(incomes, start=1)
}
ONE_BEDROOM = UnitTerms(
    UnitType.ONE_BEDROOM,
    80,
    LIMITS,
    monthly_rent=Decimal("2102"),
    rent_multiple=Decimal("2.5"),
)
RULES = ListingRules(units=(ONE_BEDROOM,))


def codes(answers: dict[str, Any], rules: ListingRules = RULES) -> set[tuple[str, str]]:
    return {(problem.field, problem.code) for problem in check_application(answers, rules, TODAY)}


def test_complete_eligible_answers_have_no_problem():
    assert check_application(valid_answers(), RULES, TODAY) == []


@pytest.mark.parametrize(
    "field",
    ["first_name", "last_name", "date_of_birth", "email", "phone"],
)
def test_a_missing_required_field_is_named(field):
    assert (f"applicant.{field}", "required") in codes(with_applicant(**{field: ""}))


def test_the_channel_for_news_needs_what_it_sends_to():
    assert codes(with_applicant(updates_by="both")) == set()
    assert ("applicant.updates_by", "invalid_choice") in codes(with_applicant(updates_by="fax"))
    assert ("applicant.updates_by", "needs_cell_phone") in codes(
        with_applicant(updates_by="text", phone_type="home")
    )
    assert ("applicant.updates_by", "needs_cell_phone") in codes(
        with_applicant(updates_by="both", no_phone=True, phone=None)
    )
    assert ("applicant.updates_by", "needs_email") in codes(
        with_applicant(updates_by="email", no_email=True, email=None)
    )


def test_a_missing_address_names_each_part():
    found = codes(with_applicant(address=None))
    for part in ("street", "city", "state", "postal_code"):
        assert (f"applicant.address.{part}", "required") in found


@pytest.mark.parametrize("raw", ["23/04/1985", "1985-02-30", "yesterday", "85-4-23", "1985-4-23"])
def test_malformed_dates_are_refused(raw):
    assert ("applicant.date_of_birth", "invalid_date") in codes(with_applicant(date_of_birth=raw))


def test_a_birth_date_in_the_future_or_before_1900_is_refused():
    assert ("applicant.date_of_birth", "future_date") in codes(
        with_applicant(date_of_birth="2027-01-01")
    )
    assert ("applicant.date_of_birth", "date_too_early") in codes(
        with_applicant(date_of_birth="1899-12-31")
    )


def test_the_applicant_must_be_18_on_the_day():
    assert ("applicant.date_of_birth", "under_18") in codes(
        with_applicant(date_of_birth="2008-11-26")
    )
    assert ("applicant.date_of_birth", "under_18") not in codes(
        with_applicant(date_of_birth="2008-11-25")
    )


@pytest.mark.parametrize(
    "street",
    ["PO Box 12", "P.O. Box 7", "p o box 3", "Post Office Box 99", "POB 4", "Box 12"],
)
def test_a_po_box_is_not_a_home_address(street):
    answers = valid_answers()
    answers["applicant"]["address"]["street"] = street
    assert ("applicant.address.street", "po_box") in codes(answers)


def test_a_po_box_is_a_fine_mailing_address_and_street_names_with_box_are_not_po_boxes():
    answers = valid_answers()
    answers["applicant"]["mailing_address"] = {
        "street": "PO Box 12",
        "city": "Port Alder",
        "state": "CA",
        "postal_code": "94999",
    }
    assert check_application(answers, RULES, TODAY) == []
    assert not is_po_box("12 Boxwood Lane")
    assert not is_po_box("12 Poblano Street")
    assert not is_po_box("40 Boxer Road")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("state", "XX", "invalid_state"),
        ("postal_code", "9499", "invalid_zip"),
        ("postal_code", "94999-12", "invalid_zip"),
    ],
)
def test_us_address_parts_are_checked(field, value, code):
    answers = valid_answers()
    answers["applicant"]["address"][field] = value
    assert (f"applicant.address.{field}", code) in codes(answers)


def test_zip_plus_four_is_accepted():
    answers = valid_answers()
    answers["applicant"]["address"]["postal_code"] = "94999-1234"
    assert check_application(answers, RULES, TODAY) == []


@pytest.mark.parametrize(
    "raw", ["555-234-5678", "(555) 234 5678", "+1 555 234 5678", "15552345678"]
)
def test_us_phone_numbers_in_common_shapes(raw):
    assert normalized_phone(raw) == "5552345678"


@pytest.mark.parametrize("raw", ["234-5678", "555-234-56789", "call me", "055-234-5678"])
def test_bad_phone_numbers(raw):
    assert ("applicant.phone", "invalid_phone") in codes(with_applicant(phone=raw))


def test_bad_email_and_the_no_email_and_no_phone_boxes():
    assert ("applicant.email", "invalid_email") in codes(with_applicant(email="maria@"))
    assert (
        check_application(
            with_applicant(email=None, no_email=True, phone=None, no_phone=True), RULES, TODAY
        )
        == []
    )


def test_overlong_text_and_line_breaks_are_refused():
    address = {**valid_answers()["applicant"]["address"], "street": "1 Main\r\nBcc: x@example.org"}
    found = codes(with_applicant(first_name="M" * 2000, address=address))
    assert ("applicant.first_name", "too_long") in found
    assert ("applicant.address.street", "invalid_characters") in found


def test_wrong_types_are_problems_not_crashes():
    found = codes(valid_answers(applicant="Maria", household={"a": 1}, income=[1, 2]))
    assert ("applicant", "invalid") in found
    assert ("household", "invalid") in found
    assert ("income", "invalid") in found


def test_unknown_top_level_fields_are_named():
    assert ("ssn", "unknown_field") in codes(valid_answers(ssn="123-45-6789"))


def test_household_members_need_name_birth_date_and_relationship():
    answers = valid_answers(household=[{"first_name": "Ana"}])
    found = codes(answers)
    assert ("household.0.last_name", "required") in found
    assert ("household.0.date_of_birth", "required") in found
    assert ("household.0.relationship", "required") in found


def test_alternate_contact_must_be_chosen_and_reachable():
    assert ("alternate_contact.kind", "required") in codes(valid_answers(alternate_contact={}))
    found = codes(valid_answers(alternate_contact={"kind": "friend", "name": "Jo"}))
    assert ("alternate_contact.phone", "email_or_phone") in found


def test_income_must_be_an_amount_with_a_period():
    found = codes(valid_answers(income={"has_voucher": False, "amount": "lots"}))
    assert ("income.amount", "invalid_amount") in found
    assert ("income.period", "required") in found


def household_of_size(size: int) -> list[dict[str, str]]:
    return [
        {
            "first_name": name_for(i),
            "last_name": "Lopez",
            "date_of_birth": "1990-01-01",
            "relationship": "other_relative",
        }
        for i in range(size - 1)
    ]


def test_a_household_too_large_for_every_unit_is_refused():
    answers = valid_answers(household=household_of_size(4))
    assert ("eligibility", "too_big") in codes(answers)


def test_a_household_too_small_for_every_unit_is_refused():
    two_bedroom = UnitTerms(UnitType.TWO_BEDROOM, 80, LIMITS, Decimal("1000"), Decimal("2"))
    answers = valid_answers(household=[])
    assert ("eligibility", "too_small") in codes(answers, ListingRules(units=(two_bedroom,)))


def test_income_below_the_minimum_or_above_the_limit_is_refused():
    low = codes(valid_answers(income={"has_voucher": False, "amount": "4000", "period": "month"}))
    assert ("eligibility", "income_too_low") in low
    high = codes(valid_answers(income={"has_voucher": False, "amount": "90000", "period": "year"}))
    assert ("eligibility", "income_too_high") in high


def test_a_voucher_skips_the_minimum_income():
    answers = valid_answers(income={"has_voucher": True, "amount": "1000", "period": "month"})
    assert check_application(answers, RULES, TODAY) == []


def test_children_under_six_do_not_count_toward_the_maximum():
    toddlers = [
        {
            "first_name": name_for(i),
            "last_name": "L",
            "date_of_birth": "2024-01-01",
            "relationship": "child",
        }
        for i in range(2)
    ]
    answers = valid_answers(household=[*valid_answers()["household"], *toddlers])
    household = household_of(answers, TODAY)
    assert household is not None and household.size == 4 and household.children_under_six == 2
    assert ("eligibility", "too_big") not in codes(answers)


def test_the_senior_rule_applies_to_the_whole_household_or_one_member():
    whole = ListingRules(
        units=(ONE_BEDROOM,), senior=SeniorRequirement(62, SeniorRule.ENTIRE_HOUSEHOLD)
    )
    one = ListingRules(units=(ONE_BEDROOM,), senior=SeniorRequirement(62, SeniorRule.ONE_MEMBER))
    answers = valid_answers(
        household=[
            {
                "first_name": "Rosa",
                "last_name": "Lopez",
                "date_of_birth": "1950-01-01",
                "relationship": "parent",
            }
        ]
    )
    assert ("eligibility", "age") in codes(answers, whole)
    assert ("eligibility", "age") not in codes(answers, one)


COP = PreferenceRule("COP", ("Certificate of Preference",))


def test_each_preference_must_be_claimed_with_member_proof_and_upload_or_declined():
    rules = ListingRules(units=(ONE_BEDROOM,), preferences=(COP,))
    assert ("preferences.COP", "claim_or_decline") in codes(valid_answers(), rules)
    declined = valid_answers(preferences={"COP": {"claimed": False}})
    assert check_application(declined, rules, TODAY) == []
    claimed = codes(valid_answers(preferences={"COP": {"claimed": True}}), rules)
    assert {
        ("preferences.COP.member", "required"),
        ("preferences.COP.proof_type", "required"),
        ("preferences.COP.document", "required"),
    } <= claimed
    wrong_member = valid_answers(
        preferences={
            "COP": {
                "claimed": True,
                "member": 5,
                "proof_type": "Certificate of Preference",
                "document": "abc",
            }
        }
    )
    assert ("preferences.COP.member", "required") in codes(wrong_member, rules)
    unknown = valid_answers(preferences={"NRHP": {"claimed": False}, "COP": {"claimed": False}})
    assert ("preferences.NRHP", "unknown_preference") in codes(unknown, rules)


def cop_claim(**veteran: Any) -> dict[str, Any]:
    return {
        "claimed": True,
        "member": 0,
        "proof_type": "Certificate of Preference",
        "document": "abc",
        **veteran,
    }


def test_a_claim_of_a_preference_with_a_veteran_list_says_whether_it_is_made_as_a_veteran():
    both = ListingRules(
        units=(ONE_BEDROOM,),
        preferences=(
            PreferenceRule("COP", ("Certificate of Preference",), veteran_list=True),
            PreferenceRule("DTHP", ("Certificate of Preference",)),
        ),
    )

    def problems(cop: dict[str, Any], dthp: dict[str, Any]) -> set[tuple[str, str]]:
        return codes(valid_answers(preferences={"COP": cop, "DTHP": dthp}), both)

    # Unanswered or no: not made as a veteran, nothing more asked.
    assert problems(cop_claim(), cop_claim()) == set()
    assert problems(cop_claim(veteran=False), cop_claim(veteran=None)) == set()
    # Yes needs a proof of the service, of a kind the rules know.
    assert problems(cop_claim(veteran=True), cop_claim()) == {
        ("preferences.COP.veteran_proof_type", "required"),
        ("preferences.COP.veteran_document", "required"),
    }
    proven = cop_claim(veteran=True, veteran_proof_type="dd214", veteran_document="def")
    assert problems(proven, cop_claim()) == set()
    assert ("preferences.COP.veteran_proof_type", "invalid_choice") in problems(
        {**proven, "veteran_proof_type": "a photo"}, cop_claim()
    )
    assert ("preferences.COP.veteran", "invalid") in problems(
        {**proven, "veteran": "yes"}, cop_claim()
    )
    # The same household may claim one preference as a veteran and not another, and a
    # preference without a veteran list cannot be claimed as one.
    assert problems(proven, cop_claim(veteran=False)) == set()
    assert problems(proven, {**proven}) == {("preferences.DTHP.veteran", "no_veteran_list")}
    # A declined preference asks nothing.
    assert problems({"claimed": False, "veteran": True}, cop_claim()) == set()


def test_terms_must_be_accepted():
    assert ("terms_accepted", "required") in codes(valid_answers(terms_accepted=False))
    assert ("terms_accepted", "required") in codes(valid_answers(terms_accepted="yes"))


def test_a_section_check_shows_only_that_section():
    answers = with_applicant(first_name="")
    assert [p.field for p in check_section("you", answers, RULES, TODAY)] == [
        "applicant.first_name"
    ]
    assert check_section("household", answers, RULES, TODAY) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
known_keys = st.sampled_from(
    [
        "applicant",
        "household",
        "income",
        "preferences",
        "alternate_contact",
        "accessibility",
        "demographics",
        "terms_accepted",
        "language",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(known_keys, json_values, max_size=9), json_values)
def test_any_json_is_answered_with_problems_never_an_exception(answers, anything):
    rules = ListingRules(units=(ONE_BEDROOM,), preferences=(COP,))
    for candidate in (answers, anything):
        problems = check_application(candidate, rules, TODAY)  # type: ignore[arg-type]
        assert all(problem.field and problem.code for problem in problems)
