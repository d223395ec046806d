"""The directory's filters in a real browser, with and without JavaScript: the household
questions folded away below them must not hold back a search that leaves them empty."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.postgresql_only


def shown_listings(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each listing card on the page: its name and its rent-or-buy tag."""
    page.wait_for_load_state("load")
    cards = page.locator("article.card")
    return {
        card.locator(".card-title").inner_text(): card.locator(".tag").first.inner_text()
        for card in cards.all()
    }


def filter_the_directory(page, site) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/listings")
    everything = shown_listings(page)
    assert "Northpoint Townhomes" in everything and "Harbor Flats Commons" in everything

    page.get_by_label("Rent or buy").select_option(label="For rent")
    page.get_by_role("button", name="Show listings").click()
    page.wait_for_url("**/listings?*tenure=rental*")
    rentals = shown_listings(page)
    assert "Harbor Flats Commons" in rentals
    assert set(rentals.values()) == {"For rent"}

    page.get_by_label("Neighborhood").select_option("Harbor Flats")
    page.get_by_role("button", name="Show listings").click()
    page.wait_for_url("**/listings?*neighborhood=Harbor+Flats*")
    assert page.get_by_label("Rent or buy").input_value() == "rental"
    both = shown_listings(page)
    assert "Harbor Flats Commons" in both and "Bayside Condominiums" not in both
    assert set(both.values()) == {"For rent"}

    page.get_by_label("Rent or buy").select_option(label="For sale")
    page.get_by_label("Neighborhood").select_option("")
    page.get_by_role("button", name="Show listings").click()
    page.wait_for_url("**/listings?*tenure=sale*")
    sales = shown_listings(page)
    assert "Northpoint Townhomes" in sales and "Harbor Flats Commons" not in sales
    assert set(sales.values()) == {"For sale"}


def test_filters_work_with_javascript(page, live_site):
    filter_the_directory(page, live_site)


def test_filters_work_without_javascript(browser, live_site):
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="en-US", java_script_enabled=False
    )
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        filter_the_directory(tab, live_site)
    finally:
        context.close()
