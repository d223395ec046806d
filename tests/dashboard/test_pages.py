"""The dashboard pages: who may read them, and that they read well in every locale."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from housing.accounts.models import PartnerAssignment
from housing.dashboard import presenters
from housing.i18n import LOCALE_CODES
from housing.listings.models import ListingStatus
from tests.accounts.helpers import sign_in_as
from tests.dashboard.helpers import SubmittedApplicationFactory, at
from tests.factories import ListingFactory, UnitFactory, UserFactory


@pytest.fixture
def listing(db_session):
    listing = ListingFactory(
        name="Harbor Lights",
        application_open_at=at("2030-03-01T08:00Z"),
        application_due_at=at("2030-03-15T07:00Z"),
        status=ListingStatus.CLOSED,
    )
    UnitFactory(listing=listing, unit_count=12_000)
    for index in range(6):
        SubmittedApplicationFactory(
            listing=listing,
            language=("es", "ar", "en")[index % 3],
            household_size=1 + index % 3,
            annual_income=Decimal(20_000 + 15_000 * index),
            submitted_at=at(f"2030-03-0{2 + index}T18:00Z"),
            paper=index == 0,
        )
    return listing


@pytest.fixture
def staff(client, db_session):
    user = UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, user)
    return user


def svg_count(html: str) -> int:
    return len(re.findall(r'<svg class="chart"[^>]*role="img"', html))


def test_staff_see_every_chart_of_a_listing(client, staff, listing):
    page = client.get(f"/staff/dashboard/listings/{listing.id}")

    assert page.status_code == 200
    html = page.text
    # Per day, language, channel, household size and income; lease-up has not started.
    assert svg_count(html) == 5
    assert "Applications per day" in html
    assert "English" in html and "Spanish" in html and "Arabic" in html
    assert "Up to 30% of AMI" in html
    assert "Lease-up has not started for this listing." in html
    assert "America/Los_Angeles" in html
    for key in ("per-day", "language", "channel", "household-size", "income"):
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in html
        assert f'<desc id="chart-{key}-desc">' in html
    assert html.count("<details>") == 5


def test_the_overview_compares_eligible_applications_with_units(client, staff, listing):
    page = client.get("/staff/dashboard")

    assert page.status_code == 200
    assert "Harbor Lights" in page.text
    assert "Harbor Lights: 6 eligible applications for 12,000 units" in page.text
    assert f'href="/staff/dashboard/listings/{listing.id}"' in page.text
    assert svg_count(page.text) == 1


def test_a_listing_without_applications_renders(client, staff, db_session):
    empty = ListingFactory(status=ListingStatus.OPEN)

    page = client.get(f"/staff/dashboard/listings/{empty.id}")

    assert page.status_code == 200
    assert "No applications yet." in page.text
    assert svg_count(page.text) == 1  # the empty day-by-day axis


def test_arabic_pages_run_right_to_left(client, staff, listing):
    client.set_cookie("language", "ar")

    html = client.get(f"/staff/dashboard/listings/{listing.id}").text

    assert '<html lang="ar" dir="rtl">' in html
    # Bars are laid out from the right edge of the 340-unit-wide chart.
    assert re.search(r'<text class="chart-label" x="340(\.0)?"', html)


def test_spanish_pages_write_numbers_the_spanish_way(client, staff, listing):
    client.set_cookie("language", "es")

    html = client.get("/staff/dashboard").text

    assert "12.000" in html
    assert "12,000" not in html


@pytest.mark.parametrize("code", LOCALE_CODES)
def test_every_locale_renders(client, staff, listing, code):
    client.set_cookie("language", code)

    assert client.get(f"/staff/dashboard/listings/{listing.id}").status_code == 200
    assert client.get("/staff/dashboard").status_code == 200


def test_partners_read_their_own_listings_only(client, db_session, listing):
    mine = UserFactory(partner=True, with_two_factor=True)
    other = UserFactory(partner=True, with_two_factor=True)
    other_listing = ListingFactory(name="Somebody Else's", status=ListingStatus.OPEN)
    db_session.add_all(
        [
            PartnerAssignment(user_id=mine.id, listing_id=listing.id),
            PartnerAssignment(user_id=other.id, listing_id=other_listing.id),
        ]
    )
    db_session.flush()

    sign_in_as(client, other)
    assert client.get(f"/staff/dashboard/listings/{listing.id}").status_code == 404
    overview = client.get("/staff/dashboard").text
    assert "Harbor Lights" not in overview
    assert "Somebody Else" in overview

    client.post("/account/sign-out", data={})
    client.delete_cookie("session")
    sign_in_as(client, mine)
    assert client.get(f"/staff/dashboard/listings/{listing.id}").status_code == 200


def test_applicants_are_refused(client, db_session, listing):
    sign_in_as(client, UserFactory())

    assert client.get("/staff/dashboard").status_code == 403
    assert client.get(f"/staff/dashboard/listings/{listing.id}").status_code == 403


def test_the_funnel_follows_lease_up_order(app):
    with app.test_request_context():
        view = presenters.funnel_chart([("processing", 40), ("invited", 25), ("lease_signed", 4)])

    assert view.chart is not None
    assert [row.segments[0].value for row in view.chart.rows] == [40, 25, 4]
    assert [cells[1] for cells in view.rows] == ["40", "25", "4"]
