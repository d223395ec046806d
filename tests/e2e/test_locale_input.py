"""Numbers, dates and phone numbers typed the reader's way, in real Chromium: "20.000" in
Spanish is twenty thousand in the estimator and in the application, and the site says back
what it read; in Arabic the date of birth asks for its parts in the locale's order with an
example laid out like the boxes, examples keep their digits in reading order, and an
application still goes through."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import axe_violations
from tests.e2e.test_application_journey import (
    ARABIC_INDIC_DIGITS,
    HARBOR_FLATS,
    continue_,
    fill_date,
    fill_you,
    follow,
    translated,
)

pytestmark = pytest.mark.postgresql_only

# Text whose Unicode isolates and no-break spaces are left out, to compare with what we expect.
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069\u200e\u200f"), None)


def flat(text: str) -> str:
    return " ".join(text.translate(ISOLATES).replace("\u00a0", " ").split())


def start_application(page, site, language: str) -> None:  # type: ignore[no-untyped-def]
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    assert re.search(r"/applications/[A-Z0-9]+/you$", page.url)


def test_spanish_twenty_thousand_is_read_as_twenty_thousand(page, live_site):
    site = live_site
    page.context.add_cookies([{"name": "language", "value": "es", "url": site.url}])

    # The estimator: "20.000" a year is accepted, and said back as the site writes money.
    page.goto(f"{site.url}/eligibility")
    page.fill("#household_size", "2")
    page.fill("#income", "20.000")
    page.check("#income_period-1")  # a year
    follow(page, 'form[action="/eligibility"] button[type=submit]')
    assert page.locator("#income-error").count() == 0
    assert flat(page.locator("#income-read").inner_text()) == flat(
        translated("es", "We read this as %(amount)s a year.", amount="20.000\u00a0US$")
    )
    assert page.locator("#income").get_attribute("aria-describedby").split()[-1] == "income-read"

    # The application: the same figure is kept as twenty thousand.
    start_application(page, site, "es")
    fill_you(page, "Maria", "veinte.mil@example.org")
    continue_(page)
    page.check("#kind-0")
    continue_(page)
    continue_(page)  # living alone
    continue_(page)  # no accessibility needs
    assert page.url.endswith("/income")
    page.check("#has_voucher-1")
    page.fill("#amount", "20.000")
    page.check("#period-1")  # a year
    continue_(page)
    assert page.locator("#amount-error").count() == 0
    follow(page, 'nav.steps a[href$="/income"]')
    assert flat(page.locator("#amount").input_value()) == "20.000"
    assert flat(page.locator("#amount-read").inner_text()) == flat(
        translated("es", "We read this as %(amount)s a year.", amount="20.000\u00a0US$")
    )
    follow(page, 'nav.steps a[href$="/review"]')
    income = flat(page.locator("#section-income ~ dl.facts dd").nth(1).inner_text())
    assert income.startswith("20.000 US$"), income


def test_english_twenty_point_zero_zero_zero_is_not_read_as_twenty(page, live_site):
    site = live_site
    page.goto(f"{site.url}/eligibility")
    page.fill("#household_size", "2")
    page.fill("#income", "20.000")
    page.check("#income_period-1")
    follow(page, 'form[action="/eligibility"] button[type=submit]')
    error = flat(page.locator("#income-error").inner_text())
    assert "$20,000" in error and re.search(r"\$20(?![\d,])", error), error
    assert page.locator("#income-read").count() == 0


# For each element of the selector, whether its first character is drawn left of its last:
# digits in reading order (an example reordered by the Arabic around it fails this).
READS_LEFT_TO_RIGHT = """elements => elements.map(element => {
    const text = element.firstChild;
    if (text.length < 2) return true;
    const first = document.createRange();
    first.setStart(text, 0); first.setEnd(text, 1);
    const last = document.createRange();
    last.setStart(text, text.length - 1); last.setEnd(text, text.length);
    return first.getBoundingClientRect().left < last.getBoundingClientRect().left;
})"""

# The parts of a date as laid out on screen, from left to right.
LEFT_TO_RIGHT = """elements => elements
    .map(element => [element.getBoundingClientRect().left, element.dataset.part])
    .sort((a, b) => a[0] - b[0]).map(pair => pair[1])"""


def test_arabic_date_of_birth_and_phone_show_hints_that_match_and_an_application_submits(
    page, live_site
):
    site = live_site
    start_application(page, site, "ar")
    assert page.get_attribute("html", "dir") == "rtl"

    # Three labelled boxes in the locale's order (day, month, year), read right to left.
    birth = page.locator("fieldset#date_of_birth")
    assert birth.locator("legend").inner_text() == translated("ar", "Date of birth")
    boxes = birth.locator("input")
    assert [box.get_attribute("data-part") for box in boxes.all()] == ["day", "month", "year"]
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert page.locator(f'label[for="date_of_birth-{part}"]').inner_text() == translated(
            "ar", label
        )
    assert boxes.evaluate_all(LEFT_TO_RIGHT) == ["year", "month", "day"]
    # The example is laid out like the boxes, each number in reading order.
    example = birth.locator(".hint bdi")
    assert [flat(number.inner_text()) for number in example.all()] == ["23", "4", "1985"]
    assert example.evaluate_all(LEFT_TO_RIGHT) == boxes.evaluate_all(LEFT_TO_RIGHT)
    assert all(number.get_attribute("dir") == "ltr" for number in example.all())
    assert all(example.evaluate_all(READS_LEFT_TO_RIGHT))
    for box in boxes.all():
        assert "date_of_birth-hint" in box.get_attribute("aria-describedby")

    # The phone: a box written left to right, and an example in reading order.
    phone = page.locator("#phone")
    assert phone.get_attribute("dir") == "ltr"
    phone_example = page.locator("#phone-hint bdi")
    assert phone_example.get_attribute("dir") == "ltr"
    assert flat(phone_example.inner_text()) == "555-123-4567"
    assert all(phone_example.evaluate_all(READS_LEFT_TO_RIGHT))
    assert "phone-hint" in phone.get_attribute("aria-describedby")

    # A wrong phone and a date with no year: the messages keep their examples in order, and
    # what was typed stays in the boxes.
    fill_you(page, "Maria", "maria.ar.dates@example.org")
    page.fill("#phone", "123")
    page.fill("#date_of_birth-year", "")
    continue_(page)
    assert page.locator("#phone-error").count() == 1
    assert all(
        page.locator("#phone-error").evaluate_all(
            """elements => elements.map(element => {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                let node;
                while ((node = walker.nextNode())) {
                    const at = node.data.indexOf("555");
                    if (at < 0) continue;
                    const first = document.createRange();
                    first.setStart(node, at); first.setEnd(node, at + 1);
                    const last = document.createRange();
                    last.setStart(node, at + 11); last.setEnd(node, at + 12);
                    return first.getBoundingClientRect().left < last.getBoundingClientRect().left;
                }
                return false;
            })"""
        )
    )
    assert page.locator("#date_of_birth-error").count() == 1
    assert page.locator("#date_of_birth-day").input_value() == "23"
    assert page.locator("#date_of_birth-month").input_value() == "4"
    assert axe_violations(page) == []

    # Arabic-Indic digits are fine in every box.
    fill_date(page, "date_of_birth", "1985-04-23".translate(ARABIC_INDIC_DIGITS))
    page.fill("#phone", "555-234-5678".translate(ARABIC_INDIC_DIGITS))
    continue_(page)
    assert page.url.endswith("/alternate"), page.locator("main").inner_text()
    page.check("#kind-0")
    continue_(page)
    page.fill("#members-0-first_name", "Ana")
    page.fill("#members-0-last_name", "Lopez")
    fill_date(page, "members-0-date_of_birth", "2012-06-01")
    page.select_option("#members-0-relationship", "child")
    continue_(page)
    assert page.url.endswith("/accessibility"), page.locator("main").inner_text()
    continue_(page)
    page.check("#has_voucher-1")
    page.fill("#amount", "5500".translate(ARABIC_INDIC_DIGITS))
    page.check("#period-0")
    continue_(page)
    assert page.url.endswith("/preferences"), page.locator("main").inner_text()
    for declined in page.locator("input[id^='claims-'][id$='-claimed-1']").all():
        declined.check()
    continue_(page)
    continue_(page)  # demographics
    assert page.url.endswith("/review")
    assert page.locator("#error-summary").count() == 0
    follow(page, "a.button[href$='/terms']")
    page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')
    assert page.url.endswith("/confirmation")
    assert re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
