"""After submitting: the confirmation page gives a private link that works, a printable copy of
the application in the applicant's language, a print layout, and what happens next. Withdrawing
an application with changes not yet submitted asks before discarding them, and the emails say
what happened."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import psycopg
import pytest
from pypdf import PdfReader

from tests.e2e.conftest import axe_violations, plain_text, screenshot, wait_for_mail
from tests.e2e.test_application_journey import HARBOR_FLATS, follow, translated
from tests.e2e.test_submit_twice import fill_to_terms

pytestmark = pytest.mark.postgresql_only

LISTING = "Harbor Flats Commons"


def lottery_day(database_url: str) -> str:
    """The day of the open demo listing's lottery, in its own time zone (YYYY-MM-DD)."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            "SELECT lottery_at, timezone FROM listings WHERE id = %s",
            (int(HARBOR_FLATS.rsplit("/", 1)[-1]),),
        ).fetchone()
    assert row is not None and row[0] is not None
    moment: datetime = row[0]
    return moment.astimezone(ZoneInfo(row[1])).date().isoformat()


def submit(page, site, email: str) -> str:  # type: ignore[no-untyped-def]
    """Fill in and submit an application; its number."""
    fill_to_terms(page, site, email)
    follow(page, 'button[name="action"][value="submit"]')
    found = re.search(r"/applications/([A-Z0-9]+)/confirmation$", page.url)
    assert found, page.locator("main").inner_text()
    return found.group(1)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_confirmation_links_prints_and_says_what_happens_next(page, live_site):
    site = live_site
    page.context.add_cookies([{"name": "language", "value": "es", "url": site.url}])
    public_id = submit(page, site, "imprimir.es@example.org")
    lottery_number = re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
    assert lottery_number

    # The private link is a link, on the site's own address, and it opens the application.
    link = page.locator("a.private-link")
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"{site.url}/"), href
    assert "/apply/resume/" in href
    assert link.inner_text() == href

    # What happens next: the deadline, the lottery's day, how the result comes, the look-up.
    steps = page.locator("#next-steps")
    assert steps.locator(f'time[datetime^="{lottery_day(site.database_url)}"]').count() == 1
    assert steps.locator(f'a[href="{HARBOR_FLATS}/lottery/lookup"]').count() == 1
    assert "imprimir.es@example.org" in steps.inner_text()
    assert axe_violations(page) == []

    # With JavaScript, a button prints the page; the print layout leaves out the site's frame.
    assert page.locator("button[data-print]").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator("footer.site-footer").is_visible()
    assert not page.locator("button[data-print]").is_visible()
    assert page.locator("#next-steps").is_visible()
    screenshot(page, "confirmation-es-print")
    page.emulate_media(media="screen")
    screenshot(page, "confirmation-es")

    # The printable copy: a PDF in Spanish, with the applicant's answers.
    with page.expect_download() as download:
        page.locator("a.print-pdf").click()
    text = pdf_text(download.value.path().read_bytes())
    for label in ("Your household", "Income and vouchers", "Lottery preferences", "About you"):
        spanish = translated("es", label)
        assert spanish != label
        assert spanish in text, spanish
    for answer in (public_id, lottery_number.group(0), LISTING, "Maria", "Ana", "120 Harbor Way"):
        assert answer in text, answer

    # Another browser, which never had the application, is refused the copy.
    pdf_url = page.locator("a.print-pdf").get_attribute("href")
    stranger = page.context.browser.new_context()
    try:
        refused = stranger.request.get(f"{site.url}{pdf_url}")
        assert refused.status == 404
        assert not refused.body().startswith(b"%PDF")
    finally:
        stranger.close()

    # The application's own page has the same timeline and print link.
    follow(page, f'main a[href="/applications/{public_id}"]')
    assert page.locator("#next-steps time").count() >= 2
    assert page.locator("a.print-pdf").count() == 1


def test_withdrawing_with_unsent_changes_asks_first_and_the_email_says_withdrawn(
    page, live_site, mailbox
):
    site = live_site
    email = "withdraw.edits@example.org"
    public_id = submit(page, site, email)
    show = f"{site.url}/applications/{public_id}"

    # Changes the income, and leaves without submitting the change.
    page.goto(f"{show}/income")
    page.fill("#amount", "5200")
    follow(page, 'button[name="action"][value="continue"]')
    page.goto(show)
    assert page.locator(".notice", has_text="not submitted").count() == 1

    # The withdraw page says the changes would be lost and asks; without the tick, nothing.
    follow(page, f'a[href="/applications/{public_id}/withdraw"]')
    warning = page.locator("#unsent-changes")
    assert "not submitted" in warning.inner_text()
    follow(page, "form button[type=submit]")
    assert page.url.endswith("/withdraw")
    assert page.locator("#discard_changes").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    screenshot(page, "withdraw-unsent-changes")
    page.goto(show)
    assert "Submitted" in page.locator("dl.facts").first.inner_text()
    assert page.locator(".notice", has_text="not submitted").count() == 1

    # Ticked: withdrawn, and the page and the email say so, and that the changes went.
    follow(page, f'a[href="/applications/{public_id}/withdraw"]')
    page.check("#discard_changes")
    follow(page, "form button[type=submit]")
    flash = page.locator(".flash").inner_text()
    assert "Your application was withdrawn." in flash
    assert "discarded" in flash
    assert "Withdrawn" in page.locator("dl.facts").first.inner_text()
    withdrawn = wait_for_mail(
        mailbox, site, lambda message: message["To"] == email and "withdrawn" in message["Subject"]
    )
    body = plain_text(withdrawn)
    assert f"Your application {public_id} for {LISTING} was withdrawn." in body
    assert "changes you had not submitted were discarded" in body
    assert "received" not in body.lower()

    # Submitted again without changes: the email says so, not "we received your changes".
    follow(page, f'a.button[href="/applications/{public_id}/review"]')
    follow(page, "a.button[href$='/terms']")
    if not page.is_checked("#terms_accepted"):
        page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')
    assert page.url.endswith("/confirmation")
    again = wait_for_mail(
        mailbox,
        site,
        lambda message: message["To"] == email and "submitted again" in message["Subject"],
    )
    assert again["Subject"] == f"Your application for {LISTING} was submitted again"
    assert "changes" not in plain_text(again)
