"""Staff freeze, seed, draw and publish a lottery in the browser and watch it happen; then a
resident looks up their result, with no account. axe-core on each page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from housing import create_app
from housing.extensions import db
from tests.conftest import make_config
from tests.e2e.conftest import screenshot, sign_in
from tests.lottery.synthetic import seed_lottery

pytestmark = pytest.mark.postgresql_only

ENTRANTS = 60


def registered_lottery(site, folder) -> int:  # type: ignore[no-untyped-def]
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        listing_id = seed_lottery(ENTRANTS, ("LIVE", "JOBS"), until="registered", emails=True)
        db.session.remove()
        db.engine.dispose()
    return listing_id


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    results = Axe().run(page)
    return [
        violation["id"]
        for violation in results.response["violations"]
        if violation["impact"] in ("moderate", "serious", "critical")
    ]


def test_staff_run_a_lottery_and_a_resident_looks_up_the_result(page, live_site, tmp_path):
    site = live_site
    listing_id = registered_lottery(site, tmp_path)
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{listing_id}")
    page.get_by_role("link", name="Lottery", exact=True).click()
    page.get_by_role("heading", name="Lottery for Worker Court").wait_for()
    assert violations(page) == []
    screenshot(page, "lottery-01-registered")

    page.get_by_role("button", name="Freeze", exact=True).click()
    page.get_by_text("Status: Entrants frozen").wait_for()
    assert f"{ENTRANTS} entrants, frozen on" in page.content()
    beacon_round = page.get_by_label("Beacon round").input_value()
    assert beacon_round.isdigit()  # filled in from the registered rule
    page.get_by_label("Beacon value (hexadecimal)").fill("ab" * 32)
    page.get_by_role("button", name="Save seed inputs").click()
    page.get_by_role("button", name="Start the draw").wait_for()
    screenshot(page, "lottery-02-frozen-and-seeded")

    page.get_by_role("button", name="Start the draw").click()
    page.get_by_text("Status: Drawn, not yet published").wait_for()
    assert f"Entrants read: {ENTRANTS}" in page.content()
    assert "Lists written: 3" in page.content()
    assert "Passed: rank does not depend on when or how people applied." in page.content()
    assert violations(page) == []
    screenshot(page, "lottery-03-drawn")

    page.get_by_role("button", name="Publish the results").click()
    page.get_by_text("Status: Results published").wait_for()
    screenshot(page, "lottery-04-published")

    page.get_by_role("link", name="Messages to applicants").click()
    page.get_by_role("heading", name="Messages for Worker Court").wait_for()
    assert "Lottery results" in page.content()
    assert violations(page) == []
    screenshot(page, "lottery-05-messages")
    page.goto(f"{site.url}/staff/messages/templates/results_published/letter/ar")
    page.get_by_role("heading", name="Lottery results · Letter · ar").wait_for()
    assert violations(page) == []
    screenshot(page, "lottery-06-letter-preview-ar")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site.url}/listings/{listing_id}/lottery")
    page.get_by_label("Your lottery number").fill("10000007")
    page.get_by_role("button", name="Look up").click()
    page.get_by_text(f"of {ENTRANTS}").wait_for()
    assert "Lottery number 10000007: rank" in page.content()
    assert violations(page) == []
    screenshot(page, "lottery-07-resident-lookup")

    page.goto(f"{site.url}/listings/{listing_id}/lottery/results")
    assert page.locator("ol.results-numbers li").count() > ENTRANTS
    assert violations(page) == []
    pdf = page.request.get(f"{site.url}/listings/{listing_id}/lottery/results.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    bundle = page.request.get(f"{site.url}/listings/{listing_id}/lottery/results.json").json()
    assert bundle["manifest"]["count"] == ENTRANTS
    assert bundle["seed_inputs"]["beacon"]["round"] == beacon_round
