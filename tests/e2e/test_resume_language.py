"""A Spanish draft's emailed link opens in Spanish, on a device that never chose a language."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import plain_text, wait_for_mail
from tests.e2e.test_application_journey import HARBOR_FLATS, fill_you, follow

pytestmark = pytest.mark.postgresql_only


def test_the_emailed_link_of_a_spanish_draft_opens_in_spanish(page, live_site, mailbox, request):
    site = live_site
    email = "resume.es@example.org"
    page.context.add_cookies([{"name": "language", "value": "es", "url": site.url}])
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    assert page.get_attribute("html", "lang") == "es"
    fill_you(page, "Maria", email)
    follow(page, 'button[name="action"][value="save_exit"]')
    message = wait_for_mail(
        mailbox,
        site,
        lambda message: message["To"] == email and "/apply/resume/" in plain_text(message),
    )
    link = re.search(r"https?://\S+/apply/resume/\S+", plain_text(message)).group(0)

    # Another device: no cookies, a browser set to English.
    fresh = page.context.browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    request.addfinalizer(fresh.close)
    elsewhere = fresh.new_page()
    elsewhere.goto(link)
    assert elsewhere.url.endswith("/review")
    assert elsewhere.get_attribute("html", "lang") == "es"
    assert "Maria" in elsewhere.locator("main").inner_text()
