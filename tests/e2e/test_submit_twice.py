"""A resident double-clicks "Submit": the browser sends the form twice, and the resident lands
on the confirmation of the one application, never on an error page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.test_application_journey import (
    HARBOR_FLATS,
    continue_,
    fill_date,
    fill_you,
    follow,
)

pytestmark = pytest.mark.postgresql_only


def fill_to_terms(page, site, email: str) -> None:  # type: ignore[no-untyped-def]
    """Start an application for the demo's open listing and answer every step."""
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    fill_you(page, "Maria", email)
    continue_(page)
    page.check("#kind-0")
    continue_(page)
    page.fill("#members-0-first_name", "Ana")
    page.fill("#members-0-last_name", "Lopez")
    fill_date(page, "members-0-date_of_birth", "2012-06-01")
    page.select_option("#members-0-relationship", "child")
    continue_(page)
    continue_(page)  # accessibility
    page.check("#has_voucher-1")
    page.fill("#amount", "5500")
    page.check("#period-0")
    continue_(page)
    for declined in page.locator("input[id^='claims-'][id$='-claimed-1']").all():
        declined.check()
    continue_(page)
    continue_(page)  # demographics
    assert page.url.endswith("/review")
    follow(page, "a.button[href$='/terms']")
    page.check("#terms_accepted")


def test_a_double_clicked_submit_ends_on_the_confirmation(page, live_site):
    fill_to_terms(page, live_site, "double.click@example.org")
    page.dblclick('button[name="action"][value="submit"]')
    # The page stays on the terms while the answers arrive; an error would be shown there.
    try:
        page.wait_for_url(re.compile(r"/applications/[A-Z0-9]+/confirmation$"))
    except PlaywrightTimeout:
        pytest.fail(f"no confirmation: {page.locator('main').inner_text()}")
    assert page.locator("h1").inner_text() == "Your application was submitted"
    assert re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
