"""A lottery from pre-registration to published results, through the staff and public pages."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from housing import jobs
from housing.applications.services import submit_answers
from housing.db_types import utcnow
from housing.listings import management
from housing.listings.models import ListingStatus
from housing.lottery import self_check as self_check_step
from housing.lottery.access import LotteryRefused
from housing.lottery.draw import request_draw
from housing.lottery.freeze import freeze
from housing.lottery.log import first_broken_link
from housing.lottery.models import LotteryLogEntry, LotteryRun, LotteryStatus
from housing.lottery.publish import publish
from housing.lottery.registration import preregister
from housing.lottery.tasks import run_draw
from housing.lottery.verify import commitment, verify_bundle
from tests import factories
from tests.accounts.helpers import post_form
from tests.applications.helpers import open_listing
from tests.lottery.conftest import (
    SECRET,
    flash_of,
    household,
    lottery_of,
    record_beacon,
    wait_for_round,
)


def test_approval_registers_the_rules_shown_on_the_public_page(client, db_session):
    listing = open_listing(status=ListingStatus.PENDING_REVIEW)
    factories.ListingPreferenceFactory(listing=listing, veterans_first=True, unit_share_percent=20)
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    with client.application.app_context():  # the app hands listings the lottery's rules
        management.approve_listing(db_session, staff, listing.id, None)
    lottery = lottery_of(db_session, listing)
    assert lottery.rules["algorithm"] == "housing-lottery-v2"
    assert lottery.rules["preferences"][0]["veteran_list"] is True
    assert "drand" in lottery.rules["randomness_rule"]
    page = client.get(f"/listings/{listing.id}/lottery")
    assert page.status_code == 200
    assert "housing-lottery-v2" in page.text and "up to 20% of units" in page.text
    [entry] = db_session.scalars(
        select(LotteryLogEntry).where(LotteryLogEntry.listing_id == listing.id)
    )
    assert entry.action == "preregister"


def test_a_lottery_from_freeze_to_published_results(client, db_session, lottery_listing, staff):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    post_form(
        client,
        f"{base}/commitments",
        {"name": "Housing staff", "commitment": commitment(SECRET)},
        token_from=base,
    )
    assert lottery_of(db_session, listing).commitments[0]["name"] == "Housing staff"
    assert "Commitment saved for Housing staff." in flash_of(client, listing)

    post_form(client, f"{base}/freeze", {}, token_from=base)
    frozen = lottery_of(db_session, listing)
    assert frozen.status is LotteryStatus.FROZEN
    assert frozen.entrant_count == 40
    assert len(frozen.manifest_sha256 or "") == 64

    beacon = wait_for_round(db_session, listing)
    later = {**beacon, "beacon_round": str(int(beacon["beacon_round"]) + 1), "reveal-0": SECRET}
    post_form(client, f"{base}/seed", later, token_from=base)
    assert f"names beacon round {beacon['beacon_round']} for this freeze" in flash_of(
        client, listing
    )
    post_form(client, f"{base}/seed", {**beacon, "reveal-0": "not the secret"}, token_from=base)
    assert lottery_of(db_session, listing).beacon is None
    assert "does not match its commitment" in flash_of(client, listing)
    post_form(client, f"{base}/seed", {**beacon, "reveal-0": SECRET}, token_from=base)
    assert lottery_of(db_session, listing).beacon["round"] == beacon["beacon_round"]

    post_form(client, f"{base}/draw", {}, token_from=base)  # no Redis here: runs in-process
    drawn = lottery_of(db_session, listing)
    assert drawn.status is LotteryStatus.DRAWN
    # V-NRHP, NRHP, LW and the general list.
    assert drawn.progress == {"entrants_read": 40, "tickets_computed": 40, "lists_written": 4}
    assert drawn.self_check["passed"] is True
    [run] = drawn.runs
    assert verify_bundle(run.bundle).startswith("OK: listing")
    assert run.bundle["seed_inputs"]["secrets"][0]["secret"] == SECRET

    post_form(client, f"{base}/publish", {}, token_from=base)
    published = lottery_of(db_session, listing)
    assert published.status is LotteryStatus.PUBLISHED
    assert published.listing.status is ListingStatus.RESULTS_PUBLISHED

    anonymous = client.application.test_client()
    bundle = anonymous.get(f"/listings/{listing.id}/lottery/results.json").json
    assert verify_bundle(bundle).startswith("OK:")
    # The bundle names the log as it stood when it was published, its result hash covers
    # that, and the publish entry, right after, records the hash: each vouches for the other.
    publish_entry = db_session.scalars(
        select(LotteryLogEntry)
        .where(LotteryLogEntry.action == "publish")
        .order_by(LotteryLogEntry.id.desc())
    ).first()
    entries_before = db_session.scalar(
        select(func.count())
        .select_from(LotteryLogEntry)
        .where(LotteryLogEntry.id < publish_entry.id)
    )
    assert bundle["audit_log"] == {"head": publish_entry.previous_hash, "length": entries_before}
    assert publish_entry.detail["result_sha256"] == bundle["result_sha256"]
    overview = anonymous.get(f"/listings/{listing.id}/lottery").text
    assert publish_entry.previous_hash in overview
    assert f"Audit log when published: {entries_before} entries" in overview
    results = anonymous.get(f"/listings/{listing.id}/lottery/results").text
    numbers = re.findall(r"<li>(\d{8})</li>", results)
    assert len(numbers) == 40  # the general list, first shown, on one page
    assert "Applicant" not in results and "Lopez" not in results

    first = bundle["lists"][0]["entrants"][1]  # second on the V-NRHP list
    from housing.applications.models import Application

    number = db_session.scalar(
        select(Application.lottery_number).where(Application.public_id == first)
    )
    found = anonymous.get(f"/listings/{listing.id}/lottery/lookup?number={number}")
    assert found.status_code == 200
    master = bundle["ranking"].index(first) + 1
    assert f"rank {master} of 40" in found.text
    assert "place 2" in found.text and "1 household ahead of you" in found.text
    # Typed the way long numbers are written, with a space or a dash, it is the same number.
    for typed in (f"{number[:4]}-{number[4:]}", f"{number[:4]} {number[4:]}"):
        again = anonymous.get(
            f"/listings/{listing.id}/lottery/lookup", query_string={"number": typed}
        )
        assert again.status_code == 200 and f"rank {master} of 40" in again.text
    missing = anonymous.get(f"/listings/{listing.id}/lottery/lookup?number=00000000")
    assert missing.status_code == 404
    assert first_broken_link(db_session) is None
    actions = db_session.scalars(
        select(LotteryLogEntry.action)
        .where(LotteryLogEntry.listing_id == listing.id)
        .order_by(LotteryLogEntry.id)
    ).all()
    assert actions == [
        "preregister",
        "commit",
        "freeze",
        "seed_inputs",
        "draw",
        "self_check",
        "publish",
    ]


def test_freezing_waits_for_the_deadline_and_for_duplicates_unless_a_reason_is_given(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    listing.application_due_at = utcnow() + timedelta(days=1)
    db_session.flush()
    post_form(client, f"{base}/freeze", {}, token_from=base)
    assert "has not ended" in flash_of(client, listing)
    # A duplicate of applicant 0, submitted just before the deadline.
    with client.application.test_request_context():
        submit_answers(db_session, listing.id, household(0, []), utcnow())
    listing.application_due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    post_form(client, f"{base}/freeze", {}, token_from=base)
    assert lottery_of(db_session, listing).status is LotteryStatus.PREREGISTERED
    assert "Possible duplicate groups not decided" in flash_of(client, listing)
    post_form(
        client,
        f"{base}/freeze",
        {"override_reason": "Checked by phone: two households"},
        token_from=base,
    )
    frozen = lottery_of(db_session, listing)
    assert frozen.status is LotteryStatus.FROZEN
    assert frozen.freeze_override_reason == "Checked by phone: two households"
    assert frozen.entrant_count == 41


def test_draws_are_refused_before_the_freeze_and_while_one_runs(app, db_session, lottery_listing):
    listing = lottery_listing
    staff = factories.UserFactory(staff=True)
    with pytest.raises(LotteryRefused, match="not_frozen"):
        request_draw(db_session, listing.id, staff, utcnow())
    freeze(db_session, listing.id, staff, utcnow())
    with pytest.raises(LotteryRefused, match="no_seed_inputs"):
        request_draw(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    with pytest.raises(LotteryRefused, match="already_drawing"):
        request_draw(db_session, listing.id, staff, utcnow())
    with app.app_context():
        run_draw(lottery.id)
        run_draw(lottery.id)  # a retried or duplicated job
    assert db_session.scalar(select(func.count()).select_from(LotteryRun)) == 1
    with pytest.raises(LotteryRefused, match="already_drawn"):
        request_draw(db_session, listing.id, staff, utcnow())


def test_an_open_listing_cannot_be_frozen_or_drawn(db_session):
    listing = open_listing()
    preregister(db_session, listing, utcnow())
    staff = factories.UserFactory(staff=True)
    with pytest.raises(LotteryRefused, match="still_open"):
        freeze(db_session, listing.id, staff, utcnow())
    with pytest.raises(LotteryRefused, match="not_frozen"):
        request_draw(db_session, listing.id, staff, utcnow())


def test_with_redis_down_the_draw_is_not_started_and_nothing_changes(
    app, client, db_session, lottery_listing, staff, monkeypatch
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    dead = dataclasses.replace(app.config["HOUSING"], redis_url="redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "HOUSING", dead)
    monkeypatch.delitem(app.extensions, "redis", raising=False)
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/draw", {}, token_from=base)
    assert lottery_of(db_session, listing).status is LotteryStatus.FROZEN
    assert "job queue is not answering" in client.get(base).text


def test_a_queue_that_fails_after_the_draw_was_marked_puts_the_lottery_back(
    client, db_session, lottery_listing, staff, monkeypatch
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    monkeypatch.setattr(jobs, "redis_available", lambda: True)
    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: False)
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/draw", {}, token_from=base)
    lottery = lottery_of(db_session, listing)
    assert lottery.status is LotteryStatus.FROZEN and lottery.draw_requested_at is None
    assert "job queue is not answering" in client.get(base).text


def test_a_failed_self_check_blocks_publishing_and_is_logged(
    app, db_session, lottery_listing, monkeypatch
):
    listing = lottery_listing
    staff = factories.UserFactory(staff=True)
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    monkeypatch.setattr(self_check_step, "SELF_CHECK_ALPHA", 1.01)  # every p-value fails
    with app.app_context():
        run_draw(lottery.id)
    assert lottery_of(db_session, listing).self_check["passed"] is False
    with pytest.raises(LotteryRefused, match="self_check_failed"):
        publish(db_session, listing.id, staff, utcnow())
    last = db_session.scalars(select(LotteryLogEntry).order_by(LotteryLogEntry.id.desc())).first()
    assert last.action == "publish" and last.detail["refused"] == "self_check_failed"
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWN


def test_the_command_line_freezes_draws_and_publishes(runner, db_session, lottery_listing):
    listing = lottery_listing
    frozen = runner.invoke(args=["lottery", "freeze", str(listing.id)])
    assert frozen.exit_code == 0, frozen.output
    assert "lottery frozen" in frozen.output
    refused = runner.invoke(args=["lottery", "draw", str(listing.id)])
    assert refused.exit_code == 1
    assert "beacon value" in refused.output
    staff = factories.UserFactory(staff=True)
    record_beacon(db_session, listing, staff)
    drawn = runner.invoke(args=["lottery", "draw", str(listing.id)])
    assert drawn.exit_code == 0, drawn.output
    assert "Drawing" in drawn.output and "lottery drawn" in drawn.output
    published = runner.invoke(args=["lottery", "publish", str(listing.id)])
    assert published.exit_code == 0, published.output
    assert "lottery published" in published.output
    assert lottery_of(db_session, listing).status is LotteryStatus.PUBLISHED


def test_a_draw_left_unfinished_is_resumed_by_the_timer_and_only_when_old(
    runner, db_session, lottery_listing, staff
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    recent = runner.invoke(args=["lottery", "resume"])
    assert "0 unfinished draw(s) or correction(s)" in recent.output
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWING
    lottery.draw_requested_at = utcnow() - timedelta(minutes=11)
    db_session.flush()
    resumed = runner.invoke(args=["lottery", "resume"])  # no Redis here: drawn in-process
    assert "1 unfinished draw(s) or correction(s)" in resumed.output
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWN


def test_the_publish_page_keeps_the_logged_refusal_of_a_failed_self_check(
    app, client, db_session, lottery_listing, staff, monkeypatch
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    monkeypatch.setattr(self_check_step, "SELF_CHECK_ALPHA", 1.01)  # every p-value fails
    with app.app_context():
        run_draw(lottery.id)
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/publish", {}, token_from=base)
    assert "The self-check failed" in flash_of(client, listing)
    refusals = db_session.scalars(
        select(LotteryLogEntry).where(LotteryLogEntry.action == "publish")
    ).all()
    assert [entry.detail.get("refused") for entry in refusals] == ["self_check_failed"]
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWN
