"""A resident finds a listing in the directory and the eligibility estimator, applies in a real
browser, is refused with clear messages, leaves and resumes from the emailed link, claims a
preference with an uploaded proof, submits, and looks up a published lottery result. English,
Spanish and Arabic (right to left, checked on the page's geometry); axe-core on every page."""

from __future__ import annotations

import re
from functools import cache

import psycopg
import pytest
from babel.support import Translations

from housing.config import PROJECT_ROOT
from housing.demo import DEMO_LOTTERY
from housing.demo_files import pdf_document
from tests.e2e.conftest import axe_violations, plain_text, screenshot, wait_for_mail

pytestmark = pytest.mark.postgresql_only

HARBOR_FLATS = "/listings/1"
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class Steps:
    """Each page of the journey: axe-core on it, and a screenshot kept as a test artifact."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.count = 0
        self.failures: dict[str, list[tuple[str, list[object]]]] = {}

    def __call__(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        found = axe_violations(page)
        if found:
            self.failures[name] = found
        screenshot(page, f"apply-{self.language}-{self.count:02d}-{name}")


@cache
def translations(language: str) -> Translations:
    return Translations.load(str(PROJECT_ROOT / "translations"), [language])


def translated(language: str, message: str, **values: object) -> str:
    return translations(language).gettext(message) % values


def follow(page, target) -> None:  # type: ignore[no-untyped-def]
    """Click a link or button that leads to another page, and wait for all of that page: the
    click returns once the page begins to arrive, when its document may still be empty."""
    (page.locator(target).first if isinstance(target, str) else target).click()
    page.wait_for_load_state("load")


def continue_(page) -> None:  # type: ignore[no-untyped-def]
    follow(page, 'button[name="action"][value="continue"]')


def fill_date(page, field_id: str, iso_date: str) -> None:  # type: ignore[no-untyped-def]
    """Type a date such as "1985-04-23" into a date's day, month and year boxes."""
    year, month, day = iso_date.split("-")
    for part, value in (("day", day), ("month", month), ("year", year)):
        page.fill(f"#{field_id}-{part}", value)


def household_to_demographics(page, tmp_path, step) -> None:  # type: ignore[no-untyped-def]
    """The steps from the household to the demographics of Maria's application: a child, a
    voucher, $5,500 a month, the Live/Work preference with a pay stub, the others declined;
    ``step(page, name)`` is called on each page."""
    step(page, "household")
    page.fill("#members-0-first_name", "Ana")
    page.fill("#members-0-last_name", "Lopez")
    fill_date(page, "members-0-date_of_birth", "2012-06-01")
    page.select_option("#members-0-relationship", "child")
    continue_(page)
    step(page, "accessibility")
    continue_(page)
    step(page, "income")
    page.check("#has_voucher-1")
    page.fill("#amount", "5500")
    page.check("#period-0")
    continue_(page)
    step(page, "preferences")
    for index in range(3):
        page.check(f"#claims-{index}-claimed-1")
    page.check("#claims-3-claimed-0")
    page.select_option("#claims-3-member", "0")
    page.select_option("#claims-3-proof_type", "Pay stub")
    proof = tmp_path / "pay-stub.pdf"
    proof.write_bytes(pdf_document("Pay stub", ["Port Alder Library"]))
    page.set_input_files("#claims-3-document", str(proof))
    continue_(page)
    step(page, "demographics")
    continue_(page)


def fill_you(page, first_name: str, email: str, *, works_in_city: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.fill("#first_name", first_name)
    page.fill("#last_name", "Lopez")
    fill_date(page, "date_of_birth", "1985-04-23")
    page.fill("#email", email)
    page.fill("#phone", "555-234-5678")
    page.check("#phone_type-0")
    page.fill("#street", "120 Harbor Way")
    page.fill("#city", "Port Alder")
    page.fill("#state", "CA")
    page.fill("#postal_code", "94999")
    if works_in_city:
        page.check("#works_in_city-0")


# Where an element's text starts and ends on the screen, beside the element's own box.
TEXT_EXTENT = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const text = range.getBoundingClientRect();
    const box = element.getBoundingClientRect();
    return {textLeft: text.left, textRight: text.right, boxLeft: box.left, boxRight: box.right,
            viewport: document.documentElement.clientWidth};
}"""


def assert_reads_from(locator, direction: str) -> None:  # type: ignore[no-untyped-def]
    """The element's text hugs the start edge of its box (the right one in right to left) and
    leaves room at the other: it is aligned, not merely filling the line."""
    extent = locator.evaluate(TEXT_EXTENT)
    if direction == "rtl":
        assert abs(extent["textRight"] - extent["boxRight"]) <= 1, extent
        assert extent["textLeft"] - extent["boxLeft"] > 20, extent
    else:
        assert abs(extent["textLeft"] - extent["boxLeft"]) <= 1, extent
        assert extent["boxRight"] - extent["textRight"] > 20, extent


def assert_layout(page, direction: str) -> None:  # type: ignore[no-untyped-def]
    """The page is laid out in the language's direction: the heading starts at the matching
    edge of the screen, a label and the error summary read from that edge, and an invalid
    field's red bar is on its start side."""
    assert page.get_attribute("html", "dir") == direction
    heading = page.locator("h1")
    extent = heading.evaluate(TEXT_EXTENT)
    if direction == "rtl":
        assert extent["viewport"] - extent["textRight"] <= 24, extent
    else:
        assert extent["textLeft"] <= 24, extent
    assert_reads_from(heading, direction)
    assert_reads_from(page.locator('label[for="last_name"]'), direction)
    assert_reads_from(page.locator("#error-summary-title"), direction)
    assert_reads_from(page.locator("#error-summary li").first, direction)
    bar = page.locator(".field.has-error").first.evaluate(
        "e => [getComputedStyle(e).borderLeftWidth, getComputedStyle(e).borderRightWidth]"
    )
    assert bar == (["0px", "4px"] if direction == "rtl" else ["4px", "0px"])


def published_entry(database_url: str, offset: int) -> tuple[int, str, int, int]:
    """A real entrant of the demo's published lottery: (listing id, lottery number, rank, count
    of entrants), read from the database the site uses."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            """
            SELECT lottery.listing_id, application.lottery_number, rank.master_rank,
                   lottery.entrant_count
            FROM lotteries AS lottery
            JOIN listings AS listing ON listing.id = lottery.listing_id
            JOIN lottery_runs AS run ON run.lottery_id = lottery.id
            JOIN lottery_ranks AS rank ON rank.run_id = run.id
            JOIN applications AS application ON application.id = rank.application_id
            WHERE listing.name = %s AND lottery.status = 'published'
              AND run.number = (SELECT max(number) FROM lottery_runs WHERE lottery_id = lottery.id)
            ORDER BY rank.master_rank
            OFFSET %s LIMIT 1
            """,
            (DEMO_LOTTERY, offset),
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1]), int(row[2]), int(row[3])


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_a_resident_finds_a_listing_applies_and_looks_up_a_lottery_result(
    page, live_site, mailbox, request, tmp_path, language
):
    site = live_site
    step = Steps(language)
    direction = "rtl" if language == "ar" else "ltr"
    email = f"maria.{language}@example.org"
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])

    # Finds the listing: the directory, then the estimator with the household's figures.
    page.goto(f"{site.url}/listings")
    assert page.get_attribute("html", "dir") == direction
    step(page, "directory")
    follow(page, 'header a[href="/eligibility"]')
    step(page, "estimator")
    page.fill("#household_size", "2")
    page.fill("#income", "5500")
    page.check("#income_period-0")  # a month
    follow(page, 'form[action="/eligibility"] button[type=submit]')
    card = page.locator("article.card", has=page.locator(f'a[href="{HARBOR_FLATS}"]'))
    assert "verdict-match" in card.locator(".verdict").get_attribute("class")
    assert page.locator(".verdict-nomatch").count() > 0  # the estimate tells listings apart
    step(page, "estimate")
    follow(page, card.locator(f'a[href="{HARBOR_FLATS}"]'))
    step(page, "listing")
    follow(page, f'a[href="{HARBOR_FLATS}/apply"]')
    step(page, "start")
    follow(page, "form[action$='/apply'] button[type=submit]")
    assert re.search(r"/applications/[A-Z0-9]+/you$", page.url)
    step(page, "you")

    # Refused, with a translated summary whose links take focus to the fields.
    fill_you(page, "", email, works_in_city=False)
    page.fill("#street", "PO Box 12")
    continue_(page)
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert [link.get_attribute("href") for link in summary.locator("a").all()] == [
        "#first_name",
        "#street",
        "#works_in_city",
    ]
    assert summary.locator('a[href="#first_name"]').inner_text() == "{}: {}".format(
        translated(language, "First name"), translated(language, "Fill in this field.")
    )
    assert page.locator("#first_name").get_attribute("aria-invalid") == "true"
    assert page.locator("#first_name").get_attribute("aria-describedby") == "first_name-error"
    assert_layout(page, direction)
    step(page, "you-errors")
    for field in ("first_name", "street", "works_in_city"):
        summary.locator(f'a[href="#{field}"]').click()
        assert page.evaluate("document.activeElement.id") == field

    fill_you(page, "Maria", email)
    continue_(page)
    step(page, "alternate")
    page.check("#kind-0")

    # Leaves, and comes back from the emailed link in another browser.
    follow(page, 'button[name="action"][value="save_exit"]')
    assert email in page.locator("main").inner_text()
    step(page, "saved")
    message = wait_for_mail(
        mailbox,
        site,
        lambda message: message["To"] == email and "/apply/resume/" in plain_text(message),
    )
    assert message["Subject"] == translated(
        language, "Continue your application for %(listing)s", listing="Harbor Flats Commons"
    )
    link = re.search(r"https?://\S+/apply/resume/\S+", plain_text(message)).group(0)
    resumed = page.context.browser.new_context(viewport={"width": 360, "height": 780})
    request.addfinalizer(resumed.close)
    page = resumed.new_page()
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])
    page.goto(link)
    assert page.url.endswith("/review")
    assert "Maria" in page.locator("main").inner_text()
    step(page, "resumed")
    follow(page, 'nav.steps a[href$="/household"]')

    household_to_demographics(page, tmp_path, step)

    assert page.url.endswith("/review")
    assert page.locator("#error-summary").count() == 0
    step(page, "review")
    follow(page, "a.button[href$='/terms']")
    step(page, "terms")
    page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')

    assert page.url.endswith("/confirmation")
    found = re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
    assert found
    number = found.group(0)
    step(page, "confirmation")
    received = wait_for_mail(
        mailbox, site, lambda message: message["To"] == email and number in plain_text(message)
    )
    assert received["Subject"] == translated(
        language, "Your application for %(listing)s was received", listing="Harbor Flats Commons"
    )

    # Looks up a result of the demo's published lottery, from its listing page.
    offset = ["en", "es", "ar"].index(language) * 7 + 3
    listing_id, lottery_number, rank, entrants = published_entry(site.database_url, offset)
    page.goto(f"{site.url}/listings/{listing_id}")
    follow(page, page.locator(f'main a[href="/listings/{listing_id}/lottery"]').first)
    step(page, "lottery")
    # In Arabic, typed with Arabic-Indic digits, as a phone keyboard may give them.
    typed = lottery_number.translate(ARABIC_INDIC_DIGITS) if language == "ar" else lottery_number
    page.fill("#number", typed)
    follow(page, 'form[action$="/lottery/lookup"] button[type=submit]')
    result = page.locator(".verdict-match")
    assert result.locator(".verdict-title").inner_text() == translated(
        language,
        "Lottery number %(number)s: rank %(rank)s of %(total)s",
        number=lottery_number,
        rank=rank,
        total=entrants,
    )
    step(page, "lottery-result")
    assert step.failures == {}
