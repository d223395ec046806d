"""A partner asks for an export while the worker is busy and watches the page follow it to
the download link in place: no reload, and the form keeps what was being chosen in it."""

from __future__ import annotations

import csv
import io

import pytest

from tests.e2e.conftest import axe_violations, screenshot, sign_in, worker_paused
from tests.e2e.test_lease_up_journey import demo_listing_id

pytestmark = pytest.mark.postgresql_only


def test_the_exports_page_follows_an_export_to_its_download(page, live_site, tmp_path):
    site = live_site
    listing_id = demo_listing_id(site, tmp_path)
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{listing_id}/exports")
    recent = page.locator("section#recent")

    with worker_paused(site):
        page.get_by_label("Applications", exact=True).check()
        page.get_by_label("CSV", exact=True).check()
        page.get_by_role("button", name="Ask for the export").click()
        page.wait_for_load_state("load")
        assert recent.get_attribute("data-follow-seconds") == "3"
        assert "Waiting to start" in recent.inner_text()
        assert recent.get_by_text("This page refreshes itself").is_visible()
        assert axe_violations(page) == []
        screenshot(page, "exports-01-waiting")
        # Marks this very document, and starts on another export's choices meanwhile.
        page.evaluate("window.notReloaded = true")
        page.get_by_label("Lottery results", exact=True).check()
        # A keyboard user reading the list of exports as it changes.
        recent.locator(".table-scroll").focus()

    recent.get_by_role("link", name="Download").wait_for(timeout=30_000)
    assert page.evaluate("window.notReloaded === true")
    assert page.get_by_label("Lottery results", exact=True).is_checked()
    # The focus stayed on the list through every update.
    assert page.evaluate("document.activeElement.matches('#recent .table-scroll')")
    assert "Ready" in recent.inner_text()
    assert recent.get_by_text("This page refreshes itself").count() == 0
    screenshot(page, "exports-02-ready")

    with page.expect_download() as download:
        recent.get_by_role("link", name="Download").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert len(rows) > 1  # a heading and the demo lottery's applicants
