"""The listing page on a phone, as a resident meets it: what to do and by when in the first
screen, a units table read without sideways scrolling, AMI explained, and the listing's own
texts in the reader's language (or marked as English where the partner gave no translation)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from housing import create_app
from housing.demo import LISTINGS
from housing.demo_listing_texts import listing_texts
from housing.extensions import db
from housing.listings.models import Listing
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, screenshot, sign_in
from tests.notifications.test_worker_delivery import let_go

pytestmark = pytest.mark.postgresql_only

# The demo city's listings, in the order it loads them.
OPEN, UPCOMING, CLOSED = 1, 3, 5
FIRST_SCREEN = 780


def bottom(locator) -> float:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None, "not shown"
    return float(box["y"] + box["height"])


def choose_language(page, site, code: str) -> None:  # type: ignore[no-untyped-def]
    page.context.add_cookies([{"name": "language", "value": code, "url": site.url}])


def test_apply_and_deadline_are_in_the_first_screen_of_a_phone(page, live_site):
    page.goto(f"{live_site.url}/listings/{OPEN}")
    assert page.viewport_size == {"width": 360, "height": FIRST_SCREEN}
    screenshot(page, "listing-open-360")

    apply = page.get_by_role("link", name="Apply online").first
    assert bottom(apply) <= FIRST_SCREEN
    deadline = page.get_by_text("Application deadline").first
    assert bottom(deadline) <= FIRST_SCREEN
    assert bottom(page.get_by_text("Closes in").first) <= FIRST_SCREEN

    # The same action leads to the application.
    apply.click()
    page.wait_for_url(f"**/listings/{OPEN}/apply**")


@pytest.mark.parametrize("language", ["es", "zh_Hant", "fil", "vi", "ar"])
def test_apply_and_deadline_are_in_the_first_screen_in_every_language(page, live_site, language):
    choose_language(page, live_site, language)
    page.goto(f"{live_site.url}/listings/{OPEN}")
    action = page.locator("#primary-action")
    assert bottom(action.locator(f'a[href="/listings/{OPEN}/apply"]')) <= FIRST_SCREEN
    assert bottom(action.locator(".action-deadline")) <= FIRST_SCREEN


def test_a_listing_not_open_yet_says_when_it_opens_in_the_first_screen(page, live_site):
    page.goto(f"{live_site.url}/listings/{UPCOMING}")
    opens = page.get_by_text("Not open yet: applications open on").first
    assert bottom(opens) <= FIRST_SCREEN
    assert bottom(page.get_by_text("Application deadline").first) <= FIRST_SCREEN
    assert page.get_by_role("link", name="Apply online").count() == 0


def test_a_closed_listing_says_so_in_the_first_screen(page, live_site):
    page.goto(f"{live_site.url}/listings/{CLOSED}")
    closed = page.get_by_text("Applications closed on").first
    assert bottom(closed) <= FIRST_SCREEN
    assert page.get_by_role("link", name="Apply online").count() == 0


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_nothing_is_wider_than_a_phone(page, live_site, language):
    choose_language(page, live_site, language)
    for path in (
        f"/listings/{OPEN}",
        f"/listings/{OPEN}?household_size=2&income=3000&income_period=month",
        "/listings/4",
    ):
        page.goto(live_site.url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (language, path, width)
        units = page.locator("#units-title + * table, section[aria-labelledby=units-title] table")
        box = units.first.bounding_box()
        assert box is not None and box["width"] <= 360, (language, path)
        # No box that a reader would have to scroll sideways.
        scrolls = page.evaluate(
            "Array.from(document.querySelectorAll('main *'))"
            ".filter(el => el.scrollWidth > el.clientWidth + 1"
            " && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))"
            ".map(el => el.outerHTML.slice(0, 80))"
        )
        assert scrolls == [], (language, path, scrolls)


def test_units_are_labelled_cards_on_a_phone_and_a_table_for_everyone(page, live_site):
    page.goto(f"{live_site.url}/listings/{OPEN}")
    table = page.get_by_role("table", name="Units")
    first = table.get_by_role("row").nth(1)
    # Each value carries its label beside it on a phone.
    text = first.inner_text()
    assert "Rent a month" in text and "$1,212" in text
    assert "Minimum income a month" in text and "$3,030" in text
    # Still a table to assistive technology: column headers and row headers.
    assert table.get_by_role("columnheader", name="Rent a month").count() == 1
    assert first.get_by_role("rowheader", name="Studio").count() == 1
    assert first.get_by_role("cell").count() >= 5

    page.set_viewport_size({"width": 1280, "height": 900})
    assert table.get_by_role("columnheader", name="Rent a month").is_visible()
    assert not first.locator(".cell-label").first.is_visible()
    row_box = first.bounding_box()
    assert row_box is not None and row_box["height"] < 100  # one line of cells, not a card


def test_ami_is_explained_where_it_first_appears(page, live_site):
    page.goto(f"{live_site.url}/listings/{OPEN}")
    main = page.locator("main").inner_text()
    explained = main.find("area median income")
    assert explained != -1
    first_mention = main.find("AMI")
    assert first_mention != -1 and explained < first_mention + 200
    assert "half of the households" in main
    abbr = page.locator("abbr", has_text="AMI").first
    assert abbr.get_attribute("title") == "area median income"

    # The estimator's results may name units by AMI level: the explanation is a click away,
    # before the first result.
    page.goto(f"{live_site.url}/eligibility?household_size=2&income=3000&income_period=month")
    question = page.get_by_text("What is AMI?")
    assert question.is_visible()
    first_card = page.locator("article.card").first.bounding_box()
    assert first_card is not None and bottom(question) <= first_card["y"]
    question.click()
    assert page.get_by_text("half of the households").is_visible()


def test_in_spanish_the_listing_texts_are_spanish(page, live_site):
    choose_language(page, live_site, "es")
    page.goto(f"{live_site.url}/listings/{OPEN}")
    spanish = listing_texts(LISTINGS[0].name, LISTINGS[0].street_address, "es")
    main = page.locator("main")
    text = main.inner_text()
    for field in ("description", "parking", "office_hours", "paper_application_instructions"):
        assert spanish[field].split("\n\n")[0] in text, field
    english = LISTINGS[0]
    assert english.description.split("\n\n")[0] not in text
    assert "Application checklist" not in text
    assert "Leasing Agent" not in text
    # (A code name, such as the lottery algorithm's, is no English sentence.)
    assert main.locator('[lang="en"]:not(code)').count() == 0
    assert page.locator(".english-only").count() == 0


@contextmanager
def translation_removed(site, listing_id: int, locale: str, field: str) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """One field's translation taken out of the live site's listing, then put back."""
    app = create_app(make_config(site.database_url, site.storage))
    try:
        with app.app_context():
            listing = db.session.get(Listing, listing_id)
            saved = copy.deepcopy(listing.translations)
            changed = copy.deepcopy(saved)
            del changed[locale][field]
            listing.translations = changed
            db.session.commit()
        yield
    finally:
        with app.app_context():
            listing = db.session.get(Listing, listing_id)
            listing.translations = saved
            db.session.commit()
        let_go(app)


def test_a_text_without_translation_is_marked_english_with_a_note(page, live_site):
    choose_language(page, live_site, "es")
    english = LISTINGS[0].extra["parking"]
    with translation_removed(live_site, OPEN, "es", "parking"):
        page.goto(f"{live_site.url}/listings/{OPEN}")
        rules = page.locator("section", has=page.locator("#rules-title"))
        shown = rules.locator('[lang="en"]')
        assert shown.count() == 1
        assert shown.inner_text().strip() == english
        notes = rules.locator(".english-only")
        assert notes.count() == 1 and notes.is_visible()
        # Only the section that has English in it carries the note.
        assert page.locator(".english-only").count() == 1
        # The other rules stay Spanish.
        assert (
            listing_texts(LISTINGS[0].name, LISTINGS[0].street_address, "es")["pets_policy"]
            in rules.inner_text()
        )
        assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_the_listing_pages_are_axe_clean(page, live_site, language):
    choose_language(page, live_site, language)
    found = {}
    for path in (
        f"/listings/{OPEN}",
        f"/listings/{OPEN}?household_size=2&income=3000&income_period=month",
        f"/listings/{UPCOMING}",
        f"/listings/{CLOSED}",
        "/listings/4",
    ):
        page.goto(live_site.url + path)
        serious = axe_violations(page)
        if serious:
            found[path] = serious
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_site.url}/listings/{OPEN}")
        screenshot(page, f"listing-{language}-{width}")
        serious = axe_violations(page)
        if serious:
            found[f"{width}px"] = serious
    assert found == {}


def test_the_partner_translation_page_covers_documents_and_events(page, live_site):
    sign_in(page, live_site, live_site.staff)
    page.goto(f"{live_site.url}/partner/listings/{OPEN}/translations/ar")
    form = page.locator("main form")
    assert (
        form.get_by_label("About the building").input_value()
        == (listing_texts(LISTINGS[0].name, LISTINGS[0].street_address, "ar")["description"])
    )
    assert form.locator("textarea[name^=document-]").count() == 3  # a PDF's title, an image's two
    assert form.locator("textarea[name^=event-]").count() == 4
    assert form.locator("textarea").first.get_attribute("dir") == "rtl"
    assert axe_violations(page) == []
