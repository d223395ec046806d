"""One word per idea in each language, as a resident meets it in a real browser: the glossary
that `make translations-check` enforces is what the pages show; the state field's refusal in
Arabic asks for the two-letter code; the site has an icon."""

from __future__ import annotations

import pytest

from tests.e2e.test_application_journey import (
    HARBOR_FLATS,
    follow,
    published_entry,
    translated,
)

pytestmark = pytest.mark.postgresql_only


def _start(page, site, language: str) -> str:  # type: ignore[no-untyped-def]
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    assert page.url.endswith("/you")
    return page.url.rsplit("/", 1)[0]


@pytest.mark.parametrize(
    ("language", "term", "forbidden"),
    [("ar", "الحركة", "الحركية"), ("zh_Hant", "行動", "移動能力")],
)
def test_mobility_reads_as_the_glossary_term(page, live_site, language, term, forbidden):
    application = _start(page, live_site, language)
    page.goto(f"{application}/accessibility")
    text = page.locator("main").inner_text()
    mobility = translated(language, "Mobility (for example, a wheelchair-accessible unit)")
    assert mobility in text
    assert term in mobility and forbidden not in text


def test_the_spanish_lottery_page_says_sorteo(page, live_site):
    page.context.add_cookies([{"name": "language", "value": "es", "url": live_site.url}])
    listing_id, _number, _rank, _count = published_entry(live_site.database_url, 0)
    page.goto(f"{live_site.url}/listings/{listing_id}/lottery")
    text = page.locator("main").inner_text().lower()
    assert "sorteo" in text
    assert "lotería" not in text


def test_a_state_name_gets_the_state_code_message_in_arabic(page, live_site):
    application = _start(page, live_site, "ar")
    # A browser keeps at most the field's length; the name typed is cut to two letters that
    # are no state, and the message asks for the code.
    page.fill("#state", "Kalifornia")
    follow(page, 'button[name="action"][value="continue"]')
    message = translated("ar", "Enter the two-letter state code, like CA.")
    assert message in page.locator("main").inner_text()
    assert page.url.startswith(application)


def test_the_site_has_an_icon(page, live_site):
    response = page.request.get(f"{live_site.url}/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
