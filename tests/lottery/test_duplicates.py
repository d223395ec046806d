"""Possible duplicates decided before the freeze: one household keeps one application in the
lottery, different households all stay; each decision logged and reversible until the draw."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.applications.services import submit_answers
from housing.db_types import utcnow
from housing.lottery.access import LotteryRefused
from housing.lottery.draw import request_draw
from housing.lottery.duplicate_decisions import (
    decide_duplicates,
    duplicate_groups,
    left_out_as_duplicates,
)
from housing.lottery.freeze import freeze
from housing.lottery.models import LotteryLogEntry, LotteryStatus
from tests.accounts.helpers import post_form
from tests.lottery.conftest import household, lottery_of, record_beacon


def add_duplicate_of_applicant_0(client, db_session, listing) -> str:  # type: ignore[no-untyped-def]
    listing.application_due_at = utcnow() + timedelta(days=1)
    with client.application.test_request_context():
        made = submit_answers(db_session, listing.id, household(0, []), utcnow()).application
    listing.application_due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    return made.public_id


def decide(db_session, listing, group, staff, *, kept: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    decide_duplicates(
        db_session,
        listing.id,
        group.flagged.rule.value,
        group.flagged.key,
        staff,
        utcnow(),
        kept=kept,
        reason=reason,
    )


def test_each_group_is_decided_with_a_reason_and_one_household_keeps_one_entry(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    duplicate = add_duplicate_of_applicant_0(client, db_session, listing)
    groups = duplicate_groups(db_session, listing.id)
    assert groups and all(duplicate in group.members for group in groups)
    original = next(member for member in groups[0].members if member != duplicate)
    page = f"/partner/listings/{listing.id}/duplicates"
    assert "Not decided yet" in client.get(page).text

    lottery_page = f"/staff/lottery/{listing.id}"
    post_form(client, f"{lottery_page}/freeze", {}, token_from=lottery_page)
    assert lottery_of(db_session, listing).status is LotteryStatus.PREREGISTERED

    first = {"rule": groups[0].flagged.rule.value, "key": groups[0].flagged.key}
    post_form(client, page, {**first, "kept": original, "reason": ""}, token_from=page)
    assert "Give a reason" in client.get(page).text
    post_form(client, page, {**first, "kept": "NOTAMEMBER", "reason": "x"}, token_from=page)
    assert "Choose one of the applications in the group" in client.get(page).text
    assert duplicate_groups(db_session, listing.id)[0].decision is None

    # Different households at first; then, after a phone call, one household after all.
    for group in groups:
        decision = {"rule": group.flagged.rule.value, "key": group.flagged.key}
        post_form(client, page, {**decision, "kept": "", "reason": "Two families"}, token_from=page)
    assert left_out_as_duplicates(db_session, listing.id) == set()
    for group in groups:
        decision = {"rule": group.flagged.rule.value, "key": group.flagged.key}
        post_form(
            client,
            page,
            {**decision, "kept": original, "reason": "Same family applied twice (called)"},
            token_from=page,
        )
    assert left_out_as_duplicates(db_session, listing.id) == {duplicate}
    assert "stays in the lottery; the others are left out" in client.get(page).text

    post_form(client, f"{lottery_page}/freeze", {}, token_from=lottery_page)
    frozen = lottery_of(db_session, listing)
    assert frozen.status is LotteryStatus.FROZEN and frozen.freeze_override_reason == ""
    assert frozen.entrant_count == 40
    assert duplicate not in {entrant["id"] for entrant in frozen.manifest}
    decisions = db_session.scalars(
        select(LotteryLogEntry)
        .where(LotteryLogEntry.action == "duplicate_decision")
        .order_by(LotteryLogEntry.id)
    ).all()
    assert len(decisions) == 2 * len(groups)
    assert decisions[-1].detail["left_out"] == [duplicate]


def test_a_new_duplicate_reopens_a_decided_group_and_decisions_stop_at_the_draw(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    add_duplicate_of_applicant_0(client, db_session, listing)
    for group in duplicate_groups(db_session, listing.id):
        decide(db_session, listing, group, staff, kept="", reason="Two families")
    assert all(g.decision for g in duplicate_groups(db_session, listing.id))
    third = add_duplicate_of_applicant_0(client, db_session, listing)
    reopened = duplicate_groups(db_session, listing.id)
    assert all(group.decision is None and third in group.members for group in reopened)

    freeze(db_session, listing.id, staff, utcnow(), override_reason="Checked later")
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    group = reopened[0]
    with pytest.raises(LotteryRefused, match="retract_first"):
        decide(db_session, listing, group, staff, kept="", reason="Too late")
    assert lottery.status is LotteryStatus.DRAWING


def test_groups_sharing_an_application_must_agree_on_who_stays(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    duplicate = add_duplicate_of_applicant_0(client, db_session, listing)
    groups = duplicate_groups(db_session, listing.id)
    assert len(groups) >= 2  # same email and same address, at least
    original = next(member for member in groups[0].members if member != duplicate)
    first, second = groups[0], groups[1]
    decide(db_session, listing, first, staff, kept=original, reason="Same family")
    with pytest.raises(LotteryRefused, match="conflicting_decision"):
        decide(
            db_session, listing, second, staff, kept=duplicate, reason="Same family, the other one"
        )
    assert left_out_as_duplicates(db_session, listing.id) == {duplicate}
