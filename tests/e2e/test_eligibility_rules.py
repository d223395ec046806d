"""A listing's vacancies decide who matches, in the browser: a one-person household that would
fit the leased studio does not match a building whose only vacancy is a two-bedroom, and a
two-person household is told the two-bedroom is its match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from housing import create_app
from housing.extensions import db
from housing.listings.eligibility import UnitType
from housing.listings.models import UnitStatus
from tests.conftest import make_config
from tests.e2e.conftest import screenshot
from tests.factories import ListingFactory, UnitFactory, use_session

pytestmark = pytest.mark.postgresql_only


def listing_with_only_a_two_bedroom_vacant(site, folder) -> int:  # type: ignore[no-untyped-def]
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        use_session(db.session)
        try:
            listing = ListingFactory(name="Vacancy Court")
            rent = {"monthly_rent": Decimal("1212"), "rent_multiple": Decimal("2")}
            UnitFactory(
                listing=listing,
                unit_type=UnitType.STUDIO,
                status=UnitStatus.LEASED,
                position=0,
                **rent,
            )
            UnitFactory(listing=listing, unit_type=UnitType.TWO_BEDROOM, position=1, **rent)
            db.session.commit()
            listing_id = int(listing.id)
        finally:
            use_session(None)
            db.session.remove()
            db.engine.dispose()
    return listing_id


def check(page, people: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("How many people live in your household, including you?").fill(people)
    page.get_by_label("Total household income before taxes").fill("4000")
    page.get_by_label("Per month").check()
    page.get_by_role("button", name="Check", exact=True).click()
    page.locator(".verdict").wait_for()


def test_only_the_vacant_unit_decides_who_matches(page, live_site, tmp_path):
    site = live_site
    listing_id = listing_with_only_a_two_bedroom_vacant(site, tmp_path)
    page.goto(f"{site.url}/listings/{listing_id}")
    studio = page.locator("tbody tr", has=page.get_by_role("rowheader", name="Studio"))
    two_bedroom = page.locator("tbody tr", has=page.get_by_role("rowheader", name="2 bedrooms"))

    check(page, "1")
    assert page.locator(".verdict-title").inner_text() == "Your household does not match any unit"
    assert studio.locator(".match").count() == 0
    assert studio.locator(".nomatch").inner_text() == "No unit of this type is available now."
    assert "too small" in two_bedroom.inner_text()
    screenshot(page, "eligibility-vacancy-01-one-person")

    check(page, "2")
    assert page.locator(".verdict-title").inner_text() == "You may qualify"
    assert two_bedroom.locator(".match").inner_text() == "Match"
    assert studio.locator(".match").count() == 0
