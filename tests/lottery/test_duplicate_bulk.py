"""Many groups of possible duplicates decided at once with one reason, all or none; the other
groups' decisions shown beside a group before anyone decides it; and a single decision that
reads only its group and the groups around it, however large the listing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, select

from housing.applications.models import Application, DuplicateDecision
from housing.applications.services import submit_answers
from housing.db_types import utcnow
from housing.lottery.access import LotteryRefused
from housing.lottery.duplicate_bulk import BulkAction, BulkRefused, decide_duplicate_groups
from housing.lottery.duplicate_decisions import decide_duplicates, left_out_as_duplicates
from housing.lottery.duplicate_lookup import Group, every_group
from housing.lottery.log import first_broken_link
from housing.lottery.models import LotteryLogEntry
from housing.lottery.registration import preregister
from tests.accounts.helpers import post_form
from tests.applications.helpers import name_for, open_listing
from tests.lottery.conftest import household

KEEP = BulkAction.KEEP_EARLIEST_COMPLETE
DIFFERENT = BulkAction.DIFFERENT_HOUSEHOLDS


@pytest.fixture
def listing(db_session):  # type: ignore[no-untyped-def]
    """An open listing without preferences, its lottery registered."""
    made = open_listing()
    db_session.flush()
    preregister(db_session, made, utcnow())
    return made


def apply(app, db_session, listing, number: int, **shared: Any) -> str:  # type: ignore[no-untyped-def]
    """Household ``number`` applies; ``shared`` gives it another household's ``email``,
    home ``address`` or ``child`` (the first member's first name). Its application number."""
    answers = household(number, [])
    answers["preferences"] = {}
    if "email" in shared:
        answers["applicant"]["email"] = f"applicant{shared['email']}@example.org"
    if "address" in shared:
        answers["applicant"]["address"]["street"] = f"{shared['address']} Main Street"
    if "child" in shared:
        answers["household"][0]["first_name"] = f"Child {name_for(shared['child'])}"
    with app.test_request_context():  # the confirmation links to the site
        made = submit_answers(db_session, listing.id, answers, utcnow()).application
    return str(made.public_id)


def group_of(db_session, listing, *numbers: str) -> Group:  # type: ignore[no-untyped-def]
    return next(g for g in every_group(db_session, listing.id) if g.numbers == sorted(numbers))


def logged(db_session) -> list[LotteryLogEntry]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(LotteryLogEntry)
            .where(LotteryLogEntry.action == "duplicate_decision")
            .order_by(LotteryLogEntry.id)
        )
    )


def test_each_group_keeps_its_earliest_complete_application_then_all_are_different_households(
    app, db_session, listing, staff
):
    first = apply(app, db_session, listing, 1)
    # A chain: the second shares the first's email, the third the second's home address.
    second = apply(app, db_session, listing, 2, email=1)
    third = apply(app, db_session, listing, 3, address=2)
    # A pair whose earlier application is no longer complete (it lacks what the listing now
    # asks): the later one is kept.
    fourth = apply(app, db_session, listing, 4)
    fifth = apply(app, db_session, listing, 5, email=4)
    incomplete = db_session.scalars(select(Application).where(Application.public_id == fourth))
    application = incomplete.one()
    application.submitted_answers = {**application.submitted_answers, "terms_accepted": False}
    db_session.flush()
    groups = every_group(db_session, listing.id)
    assert sorted(g.numbers for g in groups) == sorted(
        [sorted([first, second]), sorted([second, third]), sorted([fourth, fifth])]
    )

    outcome = decide_duplicate_groups(
        db_session,
        listing.id,
        [group.value for group in groups],
        staff,
        utcnow(),
        action=KEEP,
        reason="Checked by phone",
    )
    kept = {tuple(group.numbers): chosen for group, chosen in outcome.decided}
    # The chain is decided from its first submission: the second is left out with the first
    # kept, so the group of the second and the third keeps the third (not the second, which
    # would contradict the first group).
    assert kept == {
        tuple(sorted([first, second])): first,
        tuple(sorted([second, third])): third,
        tuple(sorted([fourth, fifth])): fifth,
    }
    assert left_out_as_duplicates(db_session, listing.id) == {second, fourth}
    entries = logged(db_session)
    assert len(entries) == 3
    assert {entry.detail["reason"] for entry in entries} == {"Checked by phone"}
    assert sorted(entry.detail["left_out"] for entry in entries) == sorted(
        [[second], [second], [fourth]]
    )

    decide_duplicate_groups(
        db_session,
        listing.id,
        [group.value for group in groups],
        staff,
        utcnow(),
        action=DIFFERENT,
        reason="Three families after all",
    )
    assert left_out_as_duplicates(db_session, listing.id) == set()
    decisions = db_session.scalars(select(DuplicateDecision)).all()
    assert len(decisions) == 3
    assert all(d.kept == "" and d.reason == "Three families after all" for d in decisions)
    assert [entry.detail["kept"] for entry in logged(db_session)[3:]] == ["all"] * 3
    assert first_broken_link(db_session) is None  # the entries of a batch chain in order


def test_a_bulk_decision_needs_a_reason_a_decision_and_groups(
    app, client, db_session, listing, staff
):
    first = apply(app, db_session, listing, 1)
    second = apply(app, db_session, listing, 2, email=1)
    group = group_of(db_session, listing, first, second)
    with pytest.raises(LotteryRefused, match="reason_required"):
        decide_duplicate_groups(
            db_session, listing.id, [group.value], staff, utcnow(), action=KEEP, reason="  "
        )
    page = f"/partner/listings/{listing.id}/duplicates"
    chosen = {"bulk-groups": group.value, "bulk-action": KEEP.value}
    no_reason = post_form(client, f"{page}/bulk", {**chosen, "bulk-reason": " "}, token_from=page)
    assert no_reason.status_code == 422
    assert '<a href="#bulk-reason">' in no_reason.text
    assert "Give a reason; it is kept in the audit log." in no_reason.text
    # What was ticked stays ticked.
    assert re.search(rf'value="{re.escape(group.value)}" checked', no_reason.text)
    nothing = post_form(
        client, f"{page}/bulk", {"bulk-action": KEEP.value, "bulk-reason": "x"}, token_from=page
    )
    assert nothing.status_code == 422
    assert "Tick the groups to decide, or all groups on this page." in nothing.text
    no_action = post_form(
        client, f"{page}/bulk", {"bulk-groups": group.value, "bulk-reason": "x"}, token_from=page
    )
    assert no_action.status_code == 422
    assert "Choose a decision for the groups." in no_action.text
    assert db_session.scalars(select(DuplicateDecision)).all() == []
    assert logged(db_session) == []

    # "All groups on this page" decides those the page showed.
    done = post_form(
        client,
        f"{page}/bulk",
        {"bulk-all_on_page": "y", "bulk-page_groups": group.value, **chosen, "bulk-reason": "x"},
        token_from=page,
        follow=True,
    )
    assert "1 group decided: one application stays in the lottery" in done.text
    assert f"Decided: one household. {first} stays in the lottery" in done.text
    assert left_out_as_duplicates(db_session, listing.id) == {second}


def test_a_batch_with_a_group_that_cannot_be_decided_changes_nothing_and_says_which(
    app, client, db_session, listing, staff
):
    # One household three times: the first and second share an email, the second and third
    # a home address, the first and third a child.
    first = apply(app, db_session, listing, 1)
    second = apply(app, db_session, listing, 2, email=1)
    third = apply(app, db_session, listing, 3, address=2, child=1)
    # Another household twice.
    fourth = apply(app, db_session, listing, 4)
    fifth = apply(app, db_session, listing, 5, email=4)
    for numbers, kept in (((first, second), first), ((second, third), third)):
        group = group_of(db_session, listing, *numbers)
        decide_duplicates(
            db_session,
            listing.id,
            group.rule.value,
            group.key,
            staff,
            utcnow(),
            kept=kept,
            reason="Called them",
        )
    # The first and the third are each kept by another group: keeping one of them here would
    # leave out the other.
    torn = group_of(db_session, listing, first, third)
    clean = group_of(db_session, listing, fourth, fifth)
    before = len(logged(db_session))
    with pytest.raises(BulkRefused) as refused:
        decide_duplicate_groups(
            db_session,
            listing.id,
            [clean.value, torn.value],
            staff,
            utcnow(),
            action=KEEP,
            reason="Same households",
        )
    assert [(r.value, r.code) for r in refused.value.refusals] == [(torn.value, "kept_twice")]
    assert group_of(db_session, listing, fourth, fifth).recorded is None
    assert len(logged(db_session)) == before

    page = f"/partner/listings/{listing.id}/duplicates"
    answer = post_form(
        client,
        f"{page}/bulk",
        {
            "bulk-groups": [clean.value, torn.value],  # type: ignore[dict-item]
            "bulk-action": KEEP.value,
            "bulk-reason": "Same households",
        },
        token_from=page,
    )
    assert answer.status_code == 422
    assert "Nothing was decided: 1 chosen group cannot be decided this way." in answer.text
    label = f"Same household member (name and date of birth): {', '.join(torn.numbers)}"
    assert f'<a href="#{torn.anchor}">{label}</a>' in answer.text
    assert f"Other groups keep {first}, {third} in the lottery" in answer.text
    # The group that can be decided stays ticked; the one refused does not.
    assert re.search(rf'value="{re.escape(clean.value)}" checked', answer.text)
    assert not re.search(rf'value="{re.escape(torn.value)}" checked', answer.text)
    assert group_of(db_session, listing, fourth, fifth).recorded is None
    assert len(logged(db_session)) == before


def test_the_page_says_which_other_groups_decisions_a_group_must_agree_with(
    app, client, db_session, listing, staff
):
    first = apply(app, db_session, listing, 1)
    second = apply(app, db_session, listing, 2, email=1)
    third = apply(app, db_session, listing, 3, address=2)
    by_email = group_of(db_session, listing, first, second)
    by_address = group_of(db_session, listing, second, third)
    page = f"/partner/listings/{listing.id}/duplicates"
    assert "Shares application" not in client.get(page).text
    decide_duplicates(
        db_session,
        listing.id,
        by_email.rule.value,
        by_email.key,
        staff,
        utcnow(),
        kept=first,
        reason="Same family",
    )
    html = client.get(page).text
    section = html[html.index(f'id="{by_address.anchor}"') :]
    section = section[: section.index("</section>")]
    other = f"Same email address: {', '.join(by_email.numbers)}"
    assert (
        f"Shares application {second} with another group ({other}), which keeps {first}." in section
    )
    assert f'page=1#{by_email.anchor}">See that group</a>' in section
    # The group that decided says nothing of the undecided one.
    decided = html[html.index(f'id="{by_email.anchor}"') :]
    assert "Shares application" not in decided[: decided.index("</section>")]


def test_a_decision_reads_the_same_whatever_the_size_of_the_listing(
    app, db_session, listing, staff
):
    """Statements and (on PostgreSQL, where the driver counts them) rows read by one
    decision: the same with two groups as with many more groups and applications."""
    pairs = [
        (apply(app, db_session, listing, n), apply(app, db_session, listing, n + 1, email=n))
        for n in (1, 3)
    ]

    def one_decision(first: str, second: str) -> tuple[int, int]:
        group = group_of(db_session, listing, first, second)
        sent: list[int] = []

        def count(_connection, cursor, *_rest) -> None:  # type: ignore[no-untyped-def]
            sent.append(max(cursor.rowcount, 0))

        engine = db_session.get_bind().engine
        event.listen(engine, "after_cursor_execute", count)
        try:
            decide_duplicates(
                db_session,
                listing.id,
                group.rule.value,
                group.key,
                staff,
                utcnow(),
                kept=first,
                reason="Same family",
            )
        finally:
            event.remove(engine, "after_cursor_execute", count)
        return len(sent), sum(sent)

    fewer = one_decision(*pairs[0])
    for number in range(10, 30, 2):  # ten more groups, twenty more applications
        apply(app, db_session, listing, number)
        apply(app, db_session, listing, number + 1, address=number)
    more = one_decision(*pairs[1])
    assert more == fewer
