"""A home for sale has an income floor its partner sets on the unit (an amount or an AMI
percentage), checked on entry with translated errors, and applied on the listing page."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from housing.demo import AMI_LIMITS
from housing.listings.eligibility import UnitType
from housing.listings.models import ListingStatus, Tenure, Unit
from tests.accounts.helpers import post_form
from tests.factories import AmiChartFactory, ListingFactory, UnitFactory
from tests.listings.test_partner_portal import assign, partner  # noqa: F401 - a fixture

FLOOR_MISSING = "Enter the minimum income a buyer needs, or it as an AMI percentage."
FLOOR_TWICE = "Enter either a minimum income or an AMI percentage, not both."
FLOOR_ABOVE_LEVEL = "The minimum must be below the unit's AMI percentage."
NO_SUCH_LEVEL = "The chosen AMI chart has no limits for this percentage."


@pytest.fixture
def sale_listing(partner, db_session):  # noqa: F811 - the fixture above
    listing = ListingFactory(status=ListingStatus.DRAFT, tenure=Tenure.SALE)
    assign(partner, listing, db_session)
    chart = AmiChartFactory(limits={percent: AMI_LIMITS[percent] for percent in (60, 80, 100)})
    return listing, chart


def unit_form(chart, **values: str) -> dict[str, str]:
    return {
        "unit_type": "2br",
        "unit_count": "3",
        "ami_chart_id": str(chart.id),
        "ami_percent": "100",
        "sale_price": "312500",
        "accessibility": "",
        **values,
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, FLOOR_MISSING),
        ({"minimum_income": "50000", "minimum_ami_percent": "60"}, FLOOR_TWICE),
        ({"minimum_ami_percent": "100"}, FLOOR_ABOVE_LEVEL),
        ({"minimum_ami_percent": "55"}, NO_SUCH_LEVEL),
        ({"minimum_ami_percent": "lots"}, "Enter a whole number, for example 3."),
        (
            {"minimum_income": "90000"},
            "The minimum must be below the unit's income limit for its smallest household "
            "($86,150 a year).",
        ),
    ],
)
def test_a_sale_unit_without_a_sound_floor_is_refused_and_nothing_is_saved(
    client, db_session, sale_listing, values, message
):
    listing, chart = sale_listing
    response = post_form(
        client, f"/partner/listings/{listing.id}/units", unit_form(chart, **values)
    )
    assert response.status_code == 200
    assert message in html.unescape(response.text)
    assert db_session.scalars(select(Unit).where(Unit.listing_id == listing.id)).all() == []


def test_the_floor_errors_are_translated(app, client, db_session, sale_listing):
    listing, chart = sale_listing
    client.set_cookie("language", "es")
    response = post_form(client, f"/partner/listings/{listing.id}/units", unit_form(chart))
    with app.test_request_context(), force_locale("es"):
        expected = _(FLOOR_MISSING)
    assert expected in html.unescape(response.text)


@pytest.mark.parametrize(
    ("values", "stored"),
    [
        ({"minimum_ami_percent": "60"}, (None, 60)),
        ({"minimum_income": "$51,700"}, (Decimal(51700), None)),
    ],
)
def test_a_sound_floor_is_kept(client, db_session, sale_listing, values, stored):
    listing, chart = sale_listing
    response = post_form(
        client, f"/partner/listings/{listing.id}/units", unit_form(chart, **values)
    )
    assert response.status_code == 302
    [unit] = db_session.scalars(select(Unit).where(Unit.listing_id == listing.id)).all()
    assert (unit.minimum_income, unit.minimum_ami_percent) == stored


def test_the_listing_page_applies_and_explains_the_floor(client, db_session):
    listing = ListingFactory(name="Northpoint", tenure=Tenure.SALE)
    chart = AmiChartFactory(limits={percent: AMI_LIMITS[percent] for percent in (60, 100)})
    UnitFactory(
        listing=listing,
        unit_type=UnitType.TWO_BEDROOM,
        monthly_rent=None,
        rent_multiple=None,
        sale_price=Decimal(312500),
        ami_chart=chart,
        ami_percent=100,
        minimum_ami_percent=60,
    )
    query = "household_size=2&income_period=year&income="
    low = client.get(f"/listings/{listing.id}?{query}20000").text
    enough = client.get(f"/listings/{listing.id}?{query}60000").text

    assert "2 bedrooms: fits your household, but needs at least $51,700 a year." in low
    assert 'class="match"' not in low
    assert "You may qualify" in enough
    # The chart row of the floor's level is shown beside the unit's own.
    assert "60% AMI" in enough and "100% AMI" in enough


def test_every_demo_home_for_sale_has_a_floor_below_its_limit():
    from housing.demo import LISTINGS
    from housing.listings.eligibility import standard_occupancy

    sale_units = [unit for demo in LISTINGS for unit in demo.units if unit.price]
    assert sale_units
    for unit in sale_units:
        assert (unit.minimum_income is None) != (unit.minimum_ami is None), unit
        smallest = standard_occupancy(unit.unit_type).minimum
        limit = AMI_LIMITS[unit.ami_percent][smallest - 1]
        floor = (
            Decimal(unit.minimum_income)
            if unit.minimum_income
            else AMI_LIMITS[unit.minimum_ami][smallest - 1]
        )
        assert 0 < floor < limit, unit
