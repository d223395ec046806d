"""A clerk types a paper application into its one page in Chromium: submitted first without the
applicant's date of birth, then with an applicant under 18, each time told in words for staff,
in the summary (which takes the focus) and at the field; corrected, it is submitted and the
page gives the lottery number. axe-core on every page."""

from __future__ import annotations

import re

import pytest

from housing.db_types import utcnow
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.postgresql_only

HARBOR_FLATS = 1  # the demo's open listing, with four preferences
PREFERENCES = 4


def fill_date(page, field_id: str, iso_date: str) -> None:  # type: ignore[no-untyped-def]
    year, month, day = iso_date.split("-")
    for part, value in (("day", day), ("month", month), ("year", year)):
        page.fill(f"#{field_id}-{part}", value)


def submit(page) -> None:  # type: ignore[no-untyped-def]
    page.locator('button[name="action"][value="submit"]').click()
    page.wait_for_load_state("load")


def told(page, field_id: str, entry: str, *, check_axe: bool) -> None:  # type: ignore[no-untyped-def]
    """The summary has the focus and links to the field with ``entry``; the field says it."""
    summary = page.locator("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    link = summary.locator(f'a[href="#{field_id}"]')
    assert link.inner_text() == entry
    assert page.locator(f"#{field_id}-error").inner_text().strip() == entry.rsplit(": ", 1)[1]
    assert re.search(r"\byour?\b", summary.inner_text(), re.IGNORECASE) is None
    if check_axe:
        assert axe_violations(page) == []
    link.click()
    assert page.evaluate("document.activeElement.id") == field_id


def test_a_clerk_enters_a_paper_application_on_one_page(page, live_site):
    site = live_site
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{HARBOR_FLATS}/paper-applications")
    page.get_by_label("Date the paper application was received").fill(utcnow().date().isoformat())
    page.get_by_role("button", name="Start entering").click()
    page.wait_for_url(re.compile(r".*/paper-applications/[A-Z0-9]+$"))
    assert axe_violations(page) == []

    # The whole form, typed from the paper, without the applicant's date of birth.
    page.get_by_label("First name").first.fill("Rosa")
    page.get_by_label("Last name").first.fill("Delgado")
    page.fill("#you-email", "rosa.paper@example.org")
    page.fill("#you-phone", "555-234-9876")
    page.check("#you-phone_type-0")
    page.fill("#you-street", "42 Pier Road")
    page.fill("#you-city", "Port Alder")
    page.fill("#you-state", "CA")
    page.fill("#you-postal_code", "94999")
    page.get_by_role("group", name="Does the applicant work in the city?").get_by_label(
        "No"
    ).check()
    page.get_by_label("The applicant wants no alternate contact").check()
    page.fill("#household-members-0-first_name", "Tomas")
    page.fill("#household-members-0-last_name", "Delgado")
    fill_date(page, "household-members-0-date_of_birth", "2014-09-12")
    page.select_option("#household-members-0-relationship", "child")
    page.check("#income-has_voucher-0")
    page.fill("#income-amount", "5500")
    page.check("#income-period-0")
    for number in range(PREFERENCES):
        page.check(f"#preferences-claims-{number}-claimed-1")  # declined
    page.get_by_label("The applicant signed the form, agreeing to the terms").check()
    submit(page)
    screenshot(page, "paper-form-01-date-of-birth-missing")
    told(
        page,
        "you-date_of_birth",
        "Date of birth: Enter the applicant's date of birth.",
        check_axe=True,
    )

    # An applicant of 16.
    fill_date(page, "you-date_of_birth", f"{utcnow().year - 16}-03-04")
    submit(page)
    # The same page with another message: axe-core has read its like above.
    told(
        page,
        "you-date_of_birth",
        "Date of birth: The applicant must be 18 or older.",
        check_axe=False,
    )

    fill_date(page, "you-date_of_birth", "1984-03-04")
    submit(page)
    assert page.locator("h1").inner_text() == "Paper application submitted"
    numbers = page.locator("main").inner_text()
    assert re.search(r"Lottery number: \d{8}", numbers)
    assert re.search(r"Application number: [A-Z0-9]{10}", numbers)
    screenshot(page, "paper-form-02-submitted")
    assert axe_violations(page) == []
