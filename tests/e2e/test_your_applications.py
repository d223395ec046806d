"""A resident who applied without an account signs up with the same address, confirms it,
adds the earlier application by the emailed link, sees it in their applications, then applies
to a second listing starting from the first one's answers, changes one, and submits: both are
listed. Real Chromium at 360 px, axe-core on every page."""

from __future__ import annotations

import re

import psycopg
import pytest

from tests.e2e.conftest import axe_violations, plain_text, screenshot, wait_for_mail
from tests.e2e.test_application_journey import continue_, fill_date, follow

pytestmark = pytest.mark.postgresql_only

EMAIL = "lena.again@example.org"
PASSWORD = "four quiet lanterns by the bay"
FIRST_LISTING = "Harbor Flats Commons"
SECOND_LISTING = "Cedar Hill Senior Residences"


class Checked:
    """axe-core on each page, and a screenshot kept as a test artifact."""

    def __init__(self) -> None:
        self.count = 0
        self.failures: dict[str, list[tuple[str, list[object]]]] = {}

    def __call__(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        found = axe_violations(page)
        if found:
            self.failures[name] = found
        screenshot(page, f"your-applications-{self.count:02d}-{name}")


def listing_id(database_url: str, name: str) -> int:
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute("SELECT id FROM listings WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return int(row[0])


def fill_you(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#first_name", "Lena")
    page.fill("#last_name", "Okafor")
    fill_date(page, "date_of_birth", "1955-03-09")
    page.fill("#email", EMAIL)
    page.fill("#phone", "555-234-1111")
    page.check("#phone_type-0")
    page.fill("#street", "14 Ferry Lane")
    page.fill("#city", "Port Alder")
    page.fill("#state", "CA")
    page.fill("#postal_code", "94999")
    page.check("#works_in_city-1")


def decline_preferences(page) -> None:  # type: ignore[no-untyped-def]
    for choice in page.locator('input[id$="-claimed-1"]').all():
        choice.check()


def finish_and_submit(page) -> str:  # type: ignore[no-untyped-def]
    """From the preferences step to the confirmation; returns the application number."""
    decline_preferences(page)
    continue_(page)
    continue_(page)  # demographics, all optional
    assert page.url.endswith("/review"), page.url
    assert page.locator("#error-summary").count() == 0
    follow(page, "a.button[href$='/terms']")
    page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')
    assert page.url.endswith("/confirmation"), page.url
    found = re.search(r"/applications/([A-Z0-9]+)/confirmation", page.url)
    assert found
    return found.group(1)


def test_an_earlier_application_is_attached_by_link_and_the_next_one_starts_from_it(
    page, live_site, mailbox
):
    site = live_site
    check = Checked()
    first = listing_id(site.database_url, FIRST_LISTING)
    second = listing_id(site.database_url, SECOND_LISTING)

    # Applies without an account: one person, $37,000 a year.
    page.goto(f"{site.url}/listings/{first}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    fill_you(page)
    continue_(page)
    page.check("#kind-0")
    continue_(page)
    continue_(page)  # household: the applicant alone
    continue_(page)  # accessibility
    page.check("#has_voucher-1")
    page.fill("#amount", "37000")
    page.check("#period-1")
    continue_(page)
    earlier = finish_and_submit(page)

    # Signs up later with the same address and confirms it from the email.
    page.goto(f"{site.url}/account/sign-up")
    page.get_by_label("Your name").fill("Lena Okafor")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Create account"))
    confirmation = wait_for_mail(
        mailbox, site, lambda m: m["To"] == EMAIL and "/account/confirm/" in plain_text(m)
    )
    page.goto(re.search(r"https?://\S+/account/confirm/\S+", plain_text(confirmation)).group(0))
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url(f"{site.url}/account")

    # The account is offered the earlier application by listing and number, nothing more.
    offers = page.locator("section[aria-labelledby=offers-title]")
    assert FIRST_LISTING in offers.inner_text() and earlier in offers.inner_text()
    assert "Lena" not in offers.inner_text() and "1111" not in offers.inner_text()
    check(page, "offered")
    follow(page, offers.get_by_role("button", name=re.compile(earlier)))
    assert EMAIL in page.locator(".flash").inner_text()
    attach = wait_for_mail(
        mailbox,
        site,
        lambda m: m["To"] == EMAIL and "/account/applications/attach/" in plain_text(m),
    )
    link = re.search(r"https?://\S+/account/applications/attach/\S+", plain_text(attach)).group(0)
    page.goto(link)
    assert earlier in page.locator("main").inner_text()
    check(page, "attach-confirm")
    follow(page, page.get_by_role("button", name="Add it to my account"))
    assert page.url.endswith("/account/applications")
    card = page.locator("article.card", has_text=earlier)
    assert FIRST_LISTING in card.inner_text() and "Submitted" in card.inner_text()
    check(page, "attached")
    # The link works once.
    page.goto(link)
    assert "already used" in page.locator("main").inner_text()

    # Applies to a second listing, starting from the first application.
    page.goto(f"{site.url}/listings/{second}/apply")
    assert earlier in page.locator("main").inner_text()
    check(page, "start-choice")
    follow(page, page.get_by_role("button", name="Start from your last application"))
    assert page.url.endswith("/you")
    assert "from your last application are filled in" in page.locator(".flash").inner_text()
    assert page.input_value("#first_name") == "Lena"
    assert page.input_value("#street") == "14 Ferry Lane"
    check(page, "prefilled-you")
    # Until it is sent, the list shows the draft as not sent yet, with its deadline.
    page.goto(f"{site.url}/account/applications")
    draft = page.locator("article.card", has_text=SECOND_LISTING)
    assert "Not sent yet" in draft.inner_text() and "Deadline" in draft.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check(page, "draft-listed")
    follow(page, draft.get_by_role("link", name=re.compile("Continue application")))
    assert page.url.endswith("/review")
    follow(page, 'nav.steps a[href$="/you"]')
    page.fill("#phone", "555-234-2222")  # the one answer that changed
    continue_(page)
    continue_(page)  # alternate contact, as copied
    continue_(page)  # household, as copied
    continue_(page)  # accessibility, as copied
    assert page.input_value("#amount") in ("37000", "37,000", "37000.00")
    continue_(page)
    # Preferences are not copied: this listing asks its own.
    assert page.locator('input[id$="-claimed-0"]:checked').count() == 0
    second_number = finish_and_submit(page)
    assert second_number != earlier

    page.goto(f"{site.url}/account/applications")
    cards = page.locator("article.card")
    assert cards.count() == 2
    assert SECOND_LISTING in page.locator("article.card", has_text=second_number).inner_text()
    assert FIRST_LISTING in page.locator("article.card", has_text=earlier).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check(page, "both-listed")
    follow(page, page.get_by_role("link", name=re.compile(f"See application {second_number}")))
    assert "555-234-2222" in page.locator("main").inner_text()

    # The list right to left, on the same phone.
    page.context.add_cookies([{"name": "language", "value": "ar", "url": site.url}])
    page.goto(f"{site.url}/account/applications")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("article.card").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check(page, "both-listed-ar")
    assert check.failures == {}
