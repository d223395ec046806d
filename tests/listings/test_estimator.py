"""The eligibility estimator: clear messages for bad input, named reasons for non-matches."""

from __future__ import annotations

import html as html_module
import re

import pytest

from housing.listings.eligibility import SeniorRule, UnitType
from housing.listings.models import ReservedCommunity
from tests.factories import ListingFactory, UnitFactory


def card(html: str, name: str) -> str:
    """The directory or results card of one listing."""
    return next(article for article in html.split("<article")[1:] if f">{name}<" in article)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown for {field}"
    return html_module.unescape(" ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("household_size=0&income=3000", "household_size", "Enter a number from 1 to 12."),
        ("household_size=13&income=3000", "household_size", "Enter a number from 1 to 12."),
        (
            "household_size=two&income=3000",
            "household_size",
            "Enter a whole number, for example 3.",
        ),
        ("income=3000", "household_size", "Enter how many people are in your household."),
        ("household_size=2&income=-5", "income", "An amount cannot be negative."),
        ("household_size=2&income=lots", "income", "Enter an amount in dollars, for example 3500."),
        ("household_size=2&income=NaN", "income", "Enter an amount in dollars, for example 3500."),
        (
            "household_size=2&income=99999999",
            "income",
            "That amount is too large. Please check it.",
        ),
        (
            "household_size=2&income=500000&income_period=month",
            "income",
            "That amount is too large. Please check it.",
        ),
        ("household_size=2", "income", "Enter your household's income. Enter 0 if there is none."),
        (
            "household_size=2&income=3000&children_under_six=2",
            "children_under_six",
            "At least one household member must be an adult or older child.",
        ),
        (
            "household_size=2&income=3000&income_period=weekly",
            "income_period",
            "Choose one of the options shown.",
        ),
        (
            "household_size=2&income=3000&oldest_age=200",
            "oldest_age",
            "Enter a number from 0 to 120.",
        ),
    ],
)
def test_bad_input_names_the_field_and_why(client, query, field, message):
    UnitFactory()
    if "income_period" not in query:
        query += "&income_period=month"

    response = client.get(f"/eligibility?{query}")

    assert response.status_code == 200
    html = response.text
    assert message in field_error(html, field)
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert 'aria-invalid="true"' in html or 'id="income_period"' in html
    assert "Results" not in html


def test_matching_and_non_matching_listings_are_explained(client):
    UnitFactory(
        listing=ListingFactory(name="Studio Place"),
        unit_type=UnitType.STUDIO,
        monthly_rent=1000,
        ami_percent=50,
    )
    UnitFactory(
        listing=ListingFactory(name="Family Place"),
        unit_type=UnitType.THREE_BEDROOM,
        monthly_rent=1000,
        ami_percent=50,
    )

    html = client.get("/eligibility?household_size=1&income=2600&income_period=month").text

    assert "Results" in html
    studio = card(html, "Studio Place")
    assert "You may qualify" in studio
    assert "Units that fit your household: Studio" in studio
    assert re.search(
        r'href="/listings/\d+\?household_size=1&amp;income=2600&amp;income_period=month#eligibility"',
        studio,
    )
    family = card(html, "Family Place")
    assert "A household of 1 is too small for every unit in this listing." in family
    assert "3 bedrooms: your income fits, but it is for 3 to 7 people." in family
    # Eligible listings come first.
    assert html.index(">Studio Place<") < html.index(">Family Place<")


def test_closed_listings_are_left_out_of_the_estimate(client):
    UnitFactory(listing=ListingFactory(name="Long Gone", closed=True))
    UnitFactory(listing=ListingFactory(name="Coming Up", upcoming=True))

    html = client.get("/eligibility?household_size=2&income=5500&income_period=month").text

    assert "Long Gone" not in html
    assert "Coming Up" in html


def test_senior_rule_uses_the_ages_given(client):
    listing = ListingFactory(
        name="Seniors Only",
        reserved_community=ReservedCommunity.SENIOR,
        senior_minimum_age=62,
        senior_rule=SeniorRule.ENTIRE_HOUSEHOLD,
    )
    UnitFactory(listing=listing)

    young = client.get(
        f"/listings/{listing.id}?household_size=2&income=5500&income_period=month&oldest_age=70&youngest_age=40"
    ).text
    old = client.get(
        f"/listings/{listing.id}?household_size=2&income=5500&income_period=month&oldest_age=70&youngest_age=65"
    ).text
    unknown = client.get(
        f"/listings/{listing.id}?household_size=2&income=5500&income_period=month"
    ).text

    assert "does not meet this building&#39;s age requirement" in young
    assert "You may qualify" in old
    assert "Enter the ages of your household members to check the age requirement." in unknown


def test_voucher_holders_skip_the_minimum_income(client):
    listing = ListingFactory()
    UnitFactory(listing=listing)

    without = client.get(
        f"/listings/{listing.id}?household_size=2&income=1000&income_period=month"
    ).text
    with_voucher = client.get(
        f"/listings/{listing.id}?household_size=2&income=1000&income_period=month&voucher=y"
    ).text

    assert "1 bedroom: fits your household, but needs at least $63,060 a year." in without
    assert "Households with a housing voucher or rental subsidy do not need" in without
    assert "You may qualify" in with_voucher


def test_yearly_income_is_compared_as_yearly(client):
    listing = ListingFactory()
    UnitFactory(listing=listing, ami_percent=80)  # 2-person limit: $68,900 a year

    under = client.get(
        f"/listings/{listing.id}?household_size=2&income=68900&income_period=year"
    ).text
    over = client.get(
        f"/listings/{listing.id}?household_size=2&income=68901&income_period=year"
    ).text

    assert "You may qualify" in under
    assert "Your income is above this unit&#39;s limit for your household size." in over
