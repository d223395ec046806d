"""The public directory: what it shows, its filters, and the estimator marks."""

from __future__ import annotations

import re
from datetime import timedelta

from housing.db_types import utcnow
from housing.listings.eligibility import UnitType
from housing.listings.models import AccessibilityPriority, ListingStatus, Tenure
from tests.factories import ListingFactory, UnitFactory
from tests.listings.test_estimator import card


def listing_names(html: str) -> list[str]:
    return re.findall(r'id="listing-\d+-name">\s*<a [^>]*>(?:<bdi>)?([^<]+)<', html)


def test_directory_lists_public_listings_and_hides_drafts_and_scheduled(client):
    UnitFactory(listing=ListingFactory(name="Visible Place"))
    UnitFactory(listing=ListingFactory(name="Draft Place", draft=True))
    UnitFactory(listing=ListingFactory(name="Pending Place", status=ListingStatus.PENDING_REVIEW))
    UnitFactory(
        listing=ListingFactory(name="Scheduled Place", publish_at=utcnow() + timedelta(days=1))
    )

    names = listing_names(client.get("/listings").text)

    assert names == ["Visible Place"]


def test_filters_by_tenure_unit_type_neighborhood_and_accessibility(client):
    rental = UnitFactory(
        listing=ListingFactory(name="Rental Two", neighborhood="Eastgate"),
        unit_type=UnitType.TWO_BEDROOM,
    )
    UnitFactory(
        listing=ListingFactory(name="Sale Studio", tenure=Tenure.SALE, neighborhood="Old Town"),
        unit_type=UnitType.STUDIO,
        monthly_rent=None,
        rent_multiple=None,
        sale_price=250000,
    )
    UnitFactory(
        listing=rental.listing,
        unit_type=UnitType.ONE_BEDROOM,
        accessibility=AccessibilityPriority.MOBILITY,
    )

    assert listing_names(client.get("/listings?tenure=sale").text) == ["Sale Studio"]
    assert listing_names(client.get("/listings?unit_type=2br").text) == ["Rental Two"]
    assert listing_names(client.get("/listings?unit_type=studio").text) == ["Sale Studio"]
    assert listing_names(client.get("/listings?neighborhood=Old+Town").text) == ["Sale Studio"]
    assert listing_names(client.get("/listings?accessible=y").text) == ["Rental Two"]


def test_phase_filter_and_deadline_sort_put_open_listings_first(client):
    UnitFactory(
        listing=ListingFactory(
            name="Closes Later", application_due_at=utcnow() + timedelta(days=20)
        )
    )
    UnitFactory(
        listing=ListingFactory(name="Closes Soon", application_due_at=utcnow() + timedelta(days=2))
    )
    UnitFactory(listing=ListingFactory(name="Upcoming One", upcoming=True))
    UnitFactory(listing=ListingFactory(name="Closed One", closed=True))

    assert listing_names(client.get("/listings").text) == [
        "Closes Soon",
        "Closes Later",
        "Upcoming One",
        "Closed One",
    ]
    assert listing_names(client.get("/listings?phase=open").text) == ["Closes Soon", "Closes Later"]
    assert listing_names(client.get("/listings?phase=upcoming").text) == ["Upcoming One"]
    assert listing_names(client.get("/listings?phase=closed").text) == ["Closed One"]
    assert listing_names(client.get("/listings?sort=name").text) == [
        "Closed One",
        "Closes Later",
        "Closes Soon",
        "Upcoming One",
    ]


def test_a_listing_closed_by_staff_is_closed_whatever_its_dates(client):
    UnitFactory(listing=ListingFactory(name="Closed Early", status=ListingStatus.CLOSED))

    assert listing_names(client.get("/listings?phase=open").text) == []
    assert listing_names(client.get("/listings?phase=closed").text) == ["Closed Early"]


def test_unknown_filter_value_is_explained_and_shows_all_listings(client):
    UnitFactory(listing=ListingFactory(name="Somewhere"))

    response = client.get("/listings?tenure=castle&unit_type=9br")

    assert response.status_code == 200
    assert response.text.count("Choose one of the options shown.") >= 2
    assert 'href="#tenure"' in response.text
    assert listing_names(response.text) == ["Somewhere"]


def test_estimator_marks_which_listings_the_household_may_qualify_for(client):
    # 1 BR at $2,102 and 2.5x: needs $5,255 a month; 80% AMI limit for 2 people is $68,900.
    UnitFactory(listing=ListingFactory(name="Fits"), ami_percent=80)
    UnitFactory(listing=ListingFactory(name="Too Expensive"), monthly_rent=3000, ami_percent=80)

    html = client.get("/listings?household_size=2&income=5500&income_period=month").text

    fits = card(html, "Fits")
    too_expensive = card(html, "Too Expensive")
    assert "You may qualify" in fits
    assert "Your household does not match any unit" in too_expensive
    assert "1 bedroom: fits your household, but needs at least $90,000 a year." in too_expensive


def test_pagination_keeps_filters(client):
    for number in range(23):
        UnitFactory(listing=ListingFactory(name=f"Listing {number:02d}"))

    first = client.get("/listings?sort=name").text
    second = client.get("/listings?sort=name&page=2").text

    assert len(listing_names(first)) == 20
    assert listing_names(second) == ["Listing 20", "Listing 21", "Listing 22"]
    assert "page=2" in first and "sort=name" in first
    assert "23 listings" in first


def test_filters_alone_do_not_trigger_the_estimator(client):
    UnitFactory(listing=ListingFactory(name="Somewhere"))

    for url in ("/listings", "/listings?tenure=&household_size=&income=&income_period=month"):
        html = client.get(url).text
        assert "Please correct the following" not in html
        assert "You may qualify" not in html


def test_the_folded_household_questions_do_not_hold_back_the_filters(client):
    """A browser does not submit a form with an empty required field, and says nothing when
    that field is folded away: the directory's form has none."""
    html = client.get("/listings").text
    form = html[html.index('<form class="panel filters"') : html.index("</form>")]

    assert 'name="household_size"' in form and 'name="income"' in form
    assert re.search(r"<(input|select)[^>]*\srequired", form) is None


def test_every_filter_works_alone_and_combined_as_the_browser_sends_them(client):
    UnitFactory(listing=ListingFactory(name="Rent East", neighborhood="Eastgate"))
    UnitFactory(listing=ListingFactory(name="Rent Old Town", neighborhood="Old Town"))
    UnitFactory(
        listing=ListingFactory(name="Sale East", tenure=Tenure.SALE, neighborhood="Eastgate"),
        monthly_rent=None,
        rent_multiple=None,
        sale_price=250000,
    )
    # Every field of the form, the household questions left empty.
    sent = {
        "tenure": "",
        "unit_type": "",
        "neighborhood": "",
        "phase": "",
        "sort": "name",
        "household_size": "",
        "children_under_six": "",
        "income": "",
        "income_period": "month",
        "oldest_age": "",
        "youngest_age": "",
    }

    def names(**chosen: str) -> list[str]:
        return listing_names(client.get("/listings", query_string={**sent, **chosen}).text)

    assert names(tenure="rental") == ["Rent East", "Rent Old Town"]
    assert names(tenure="sale") == ["Sale East"]
    assert names(neighborhood="Eastgate") == ["Rent East", "Sale East"]
    assert names(tenure="rental", neighborhood="Eastgate") == ["Rent East"]
    assert names(tenure="sale", neighborhood="Old Town") == []
