"""The household typed in the estimator is remembered for the visit, in real Chromium: the
directory marks listings on its first and second pages, a listing page checks the household
without asking again, and "Forget" takes every mark away."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from housing import create_app
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing, Unit
from tests import factories
from tests.conftest import make_config

pytestmark = pytest.mark.postgresql_only

LINE = "Household: 2 people, $20,000 a year"
# More than one page of the directory (20 a page) with the demo city's listings.
EXTRA_LISTINGS = 16


@pytest.fixture
def second_page(live_site) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Listings enough for a second directory page, taken away again afterwards."""
    app = create_app(make_config(live_site.database_url, live_site.storage))
    with app.app_context():
        factories.use_session(db.session)
        ids: list[int] = []
        chart = None
        try:
            chart = factories.AmiChartFactory(name="Saved household test chart")
            for number in range(EXTRA_LISTINGS):
                listing = factories.ListingFactory(
                    name=f"Saved Household Place {number:02d}",
                    application_due_at=utcnow() + timedelta(days=300 + number),
                )
                # Every other one is within reach of two people earning $20,000 a year.
                rent = Decimal(600) if number % 2 == 0 else Decimal(2102)
                factories.UnitFactory(listing=listing, ami_chart=chart, monthly_rent=rent)
                ids.append(listing.id)
            db.session.commit()
            yield
        finally:
            db.session.rollback()
            db.session.query(Unit).filter(Unit.listing_id.in_(ids)).delete()
            db.session.query(Listing).filter(Listing.id.in_(ids)).delete()
            if chart is not None:
                db.session.delete(chart)
            db.session.commit()
            factories.use_session(None)
            db.engine.dispose()


def card_marks(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("load")
    return [
        card.locator(".verdict").count() and card.locator(".verdict-title").inner_text()
        for card in page.locator("article.card").all()
    ]


def test_the_household_is_remembered_across_pages_until_forgotten(page, live_site, second_page):
    page.goto(f"{live_site.url}/eligibility")
    page.get_by_label("How many people live in your household, including you?").fill("2")
    page.get_by_label("Total household income before taxes").fill("20000")
    page.get_by_label("Per year").check()
    page.get_by_role("button", name="Check listings").click()
    page.wait_for_url("**/eligibility?*household_size=2*")
    assert LINE in page.locator("#saved-household").inner_text()

    cookie = next(c for c in page.context.cookies() if c["name"] == "household")
    assert cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    assert cookie["expires"] == -1  # gone when the browser closes

    page.goto(f"{live_site.url}/listings")
    assert LINE in page.locator("#saved-household").inner_text()
    first = card_marks(page)
    assert len(first) == 20 and all(first), first

    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/listings?*page=2*")
    second = card_marks(page)
    assert second and all(second), second

    page.get_by_role("link", name="Previous page").click()
    page.wait_for_url("**/listings?*page=1*")
    page.get_by_role("link", name="Saved Household Place 00", exact=True).click()
    page.wait_for_load_state("load")
    eligibility = page.locator("#eligibility")
    assert (
        eligibility.get_by_label(
            "How many people live in your household, including you?"
        ).input_value()
        == "2"
    )
    assert eligibility.get_by_label("Total household income before taxes").input_value() == (
        "20,000"
    )
    assert eligibility.get_by_label("Per year").is_checked()
    assert eligibility.locator(".verdict-match").is_visible()

    page.get_by_role("button", name="Forget").click()
    page.wait_for_load_state("load")
    assert page.locator("#saved-household").count() == 0
    assert page.locator("#eligibility .verdict").count() == 0
    assert (
        page.get_by_label("How many people live in your household, including you?").input_value()
        == ""
    )
    assert not [c for c in page.context.cookies() if c["name"] == "household"]

    page.goto(f"{live_site.url}/listings")
    assert not any(card_marks(page))
    assert page.locator("#saved-household").count() == 0
    page.goto(f"{live_site.url}/listings?page=2")
    assert not any(card_marks(page))
