"""Staff freeze, seed, draw and publish a lottery in the browser and watch the worker do it
on the progress pages; then a resident looks up their result, with no account. axe-core on
each page."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing import create_app
from housing.extensions import db
from housing.lottery.models import Lottery
from housing.lottery.seed import beacon_round_of
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, screenshot, sign_in, worker_paused
from tests.lottery.drand_server import made_up_round
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


def freeze_earlier(site, folder, listing_id: int, by: timedelta) -> str:  # type: ignore[no-untyped-def]
    """Move a lottery's freeze back in time; the beacon round the rule now names."""
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        lottery = db.session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).one()
        assert lottery.frozen_at is not None
        lottery.frozen_at -= by
        db.session.commit()
        beacon_round = str(beacon_round_of(lottery))
        db.session.remove()
        db.engine.dispose()
    return beacon_round


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name, _targets in axe_violations(page)]


def message_counts(page) -> dict[tuple[str, str], dict[str, int]]:  # type: ignore[no-untyped-def]
    """The messages page's progress table: (message, sent by) -> state -> count."""
    table = page.locator("section[aria-labelledby=progress-title] table")
    states = table.locator("thead th").all_inner_texts()[2:]
    counts = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        counts[(cells[0], cells[1])] = {
            state: int(count.replace(",", ""))
            for state, count in zip(states, cells[2:], strict=True)
        }
    return counts


def test_staff_run_a_lottery_and_a_resident_looks_up_the_result(page, live_site, mailbox, tmp_path):
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
    assert f"Round {beacon_round} will be published at" in page.content()
    made_up = made_up_round(int(beacon_round))
    page.get_by_label("Beacon value (hexadecimal)").fill(made_up["randomness"])
    page.get_by_label("Beacon signature").fill(made_up["signature"])
    page.get_by_role("button", name="Save seed inputs").click()
    page.get_by_text(f"Beacon round {beacon_round} is published at").wait_for()  # not yet

    # The site runs on the real clock in its own process: rather than wait the hour, the
    # freeze is moved two hours back, which names an earlier round, out by now.
    beacon_round = freeze_earlier(site, tmp_path, listing_id, timedelta(hours=2))
    page.reload()
    assert page.get_by_label("Beacon round").input_value() == beacon_round
    assert f"Round {beacon_round} was published at" in page.content()
    made_up = made_up_round(int(beacon_round))
    page.get_by_label("Beacon value (hexadecimal)").fill(made_up["randomness"])
    page.get_by_label("Beacon signature").fill(made_up["signature"])
    page.get_by_role("button", name="Save seed inputs").click()
    page.get_by_role("button", name="Start the draw").wait_for()
    screenshot(page, "lottery-02-frozen-and-seeded")

    # The draw is the worker's job: until it takes it, the page says so and follows it.
    progress = page.locator("#progress")
    with worker_paused(site):
        page.get_by_role("button", name="Start the draw").click()
        page.get_by_text("Status: Drawing").wait_for()
        assert progress.get_attribute("aria-live") == "polite"
        assert progress.locator("li").all_inner_texts() == [
            "Entrants read: 0",
            "Tickets computed: 0",
            "Lists written: 0",
        ]
        page.get_by_text("This page refreshes itself every few seconds.").wait_for()
        assert page.get_by_role("button", name="Publish the results").count() == 0
        assert violations(page) == []  # no meta refresh (WCAG 2.2.1)
        screenshot(page, "lottery-03-drawing")
        page.evaluate("window.sameDocument = true")

    # Nobody reloads: the page follows the worker in place until it has drawn.
    page.get_by_text("Status: Drawn, not yet published").wait_for(timeout=30_000)
    assert page.evaluate("window.sameDocument") is True
    assert progress.locator("li").all_inner_texts() == [
        f"Entrants read: {ENTRANTS}",
        f"Tickets computed: {ENTRANTS}",
        "Lists written: 3",
    ]
    assert "refreshes itself" not in progress.inner_text()
    assert "Passed: rank does not depend on when or how people applied." in page.content()
    assert violations(page) == []
    screenshot(page, "lottery-04-drawn")

    page.get_by_role("button", name="Publish the results").click()
    page.get_by_text("Status: Results published").wait_for()
    screenshot(page, "lottery-05-published")

    # The worker writes a message to every entrant and sends it; the messages page follows.
    page.get_by_role("link", name="Messages to applicants").click()
    page.get_by_role("heading", name="Messages for Worker Court").wait_for()
    page.get_by_text(f"Lottery results: all {ENTRANTS} messages written.").wait_for(timeout=30_000)
    deadline = time.monotonic() + 30
    while (counts := message_counts(page))[("Lottery results", "Email")]["Sent"] < ENTRANTS:
        assert time.monotonic() < deadline, counts
        time.sleep(0.2)
        page.reload()
    assert counts == {
        ("Lottery results", "Email"): {
            "Waiting": 0,
            "Sending": 0,
            "Sent": ENTRANTS,
            "Failed": 0,
            "Not sent": 0,
        }
    }
    announced = {
        str(message["To"])
        for message in list(mailbox.messages)
        if re.fullmatch(r"w\d+@example\.org", str(message["To"]))
    }
    assert announced == {f"w{number}@example.org" for number in range(ENTRANTS)}
    assert violations(page) == []
    screenshot(page, "lottery-06-messages-sent")
    page.goto(f"{site.url}/staff/messages/templates/results_published/letter/ar")
    page.get_by_role("heading", name="Lottery results · Letter · ar").wait_for()
    assert violations(page) == []
    screenshot(page, "lottery-07-letter-preview-ar")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{site.url}/listings/{listing_id}/lottery")
    page.get_by_label("Your lottery number").fill("10000007")
    page.get_by_role("button", name="Look up").click()
    page.get_by_text(f"of {ENTRANTS}").wait_for()
    assert "Lottery number 10000007: rank" in page.content()
    assert violations(page) == []
    screenshot(page, "lottery-08-resident-lookup")

    # The results, one list at a time: the general list first, whole at this size; each list
    # reached from the list links, and a number found by the search form, in a real browser.
    page.goto(f"{site.url}/listings/{listing_id}/lottery/results")
    assert page.locator("ol.results-numbers li").count() == ENTRANTS
    assert violations(page) == []
    lists = page.get_by_role("navigation", name="Lists").get_by_role("link")
    names = lists.all_inner_texts()
    assert len(names) >= 2 and names[-1] == "General list (everyone)"
    lists.first.click()
    page.wait_for_load_state("load")
    assert page.locator("h2#list-heading").inner_text() == names[0]
    held = page.locator("ol.results-numbers li").all_inner_texts()
    assert 0 < len(held) < ENTRANTS
    wanted = held[len(held) // 2]
    page.get_by_label("Your lottery number").fill(f"{wanted[:4]}-{wanted[4:]}")
    page.get_by_role("button", name="Find on this list").click()
    page.wait_for_load_state("load")
    place = held.index(wanted) + 1
    assert page.get_by_role("status").inner_text() == (
        f"Lottery number {wanted} is at place {place} on this list; it is marked below."
    )
    assert page.locator("ol.results-numbers mark").inner_text() == wanted
    assert violations(page) == []
    screenshot(page, "lottery-09-results-search")
    pdf = page.request.get(f"{site.url}/listings/{listing_id}/lottery/results.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    bundle = page.request.get(f"{site.url}/listings/{listing_id}/lottery/results.json").json()
    assert bundle["manifest"]["count"] == ENTRANTS
    assert bundle["seed_inputs"]["beacon"]["round"] == beacon_round
