"""A partner takes a listing from draft to published; staff approve it; residents see it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from housing.db_types import utcnow
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.postgresql_only


def test_partner_draft_to_published_with_staff_approval(page, live_site):
    site = live_site
    sign_in(page, site, site.partner)
    page.get_by_role("link", name="Listings you manage").click()
    page.get_by_role("link", name="New listing").click()
    opens = utcnow().date()
    due = (utcnow() + timedelta(days=30)).date()
    fields = {
        "Listing name": "Willow Gardens",
        "Street address": "5 Willow Way",
        "City": "Port Alder",
        "State": "CA",
        "ZIP code": "94999",
        "Neighborhood": "Cedar Hill",
        "Developer": "Willow Homes",
        "Applications open on": opens.isoformat(),
        "Applications open at": "08:00",
        "Application due date": due.isoformat(),
        "About the building": "Twelve homes around a garden courtyard.",
        "Leasing agent name": "Robin Agent",
        "Leasing agent email": "robin@example.org",
        "Leasing agent phone": "(555) 010-2222",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    screenshot(page, "partner-01-new-listing")
    page.get_by_role("button", name="Save").click()

    page.get_by_label("Unit type").select_option("2br")
    page.get_by_label("Number of units").fill("12")
    page.get_by_label("Rent a month").fill("1650")
    page.get_by_label("Rent multiple for the minimum income").fill("2.5")
    page.get_by_label("AMI percentage").fill("60")
    page.get_by_role("button", name="Save unit").click()
    page.get_by_text("Saved.").wait_for()
    screenshot(page, "partner-02-units")

    page.get_by_role("link", name="Details").click()
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Submitted. Housing staff will review the listing.").wait_for()
    screenshot(page, "partner-03-submitted")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, site.staff)
    page.get_by_role("link", name="Listings to review").click()
    page.get_by_role("link", name="Willow Gardens").click()
    screenshot(page, "staff-01-review")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("Approved.").wait_for()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site.url}/listings")
    page.get_by_role("link", name="Willow Gardens").click()
    page.get_by_role("heading", name="Willow Gardens").wait_for()
    assert "$4,125" in page.content()  # 2.5 x $1,650
    screenshot(page, "resident-01-published")
