"""The messages of one application go out in the order of their causes, in-process: an
invitation sent while its household's results wait in a broadcast not yet written takes the
results with it, ahead; one whose earlier message another job is sending waits for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from housing.applications.models import Application
from housing.applications.outbox import queue_documents_requested
from housing.applications.services import submit_answers
from housing.db_types import AnySession, utcnow
from housing.notifications import broadcasts, lanes, tasks
from housing.notifications.hooks import recipient_readers
from housing.notifications.models import Broadcast, MessageState, OutboundMessage
from housing.notifications.services import OUTBOX_KEY
from tests.applications.helpers import name_for, open_listing, valid_answers
from tests.conftest import set_aside_messages

HOUSEHOLDS = 3


def _entrants(session: AnySession, broadcast: Broadcast, after_id: int, limit: int) -> list:  # type: ignore[type-arg]
    """Every application of the listing, as lottery results would reach them."""
    rows = session.scalars(
        select(Application)
        .where(Application.listing_id == broadcast.listing_id, Application.id > after_id)
        .order_by(Application.id)
        .limit(limit)
    ).all()
    return [
        broadcasts.Recipient(
            application_id=row.id,
            user_id=None,
            language=row.language,
            answers=row.submitted_answers or {},
            context={
                "name": "",
                "application_number": row.public_id,
                "lottery_number": row.lottery_number,
                "master_rank": number,
                "list_ranks": {"general": number},
            },
        )
        for number, row in enumerate(rows, start=after_id + 1)
    ]


@pytest.fixture
def waiting_results(app, db_session, monkeypatch) -> tuple[Broadcast, list[Application]]:  # type: ignore[no-untyped-def]
    """Three households, and their results published: a broadcast none of whose messages is
    written yet."""
    monkeypatch.setitem(recipient_readers(app), "results_published", _entrants)
    listing = open_listing()
    with app.test_request_context():
        for number in range(HOUSEHOLDS):
            answers = valid_answers()
            answers["applicant"].update(
                first_name=name_for(number), email=f"household{number}@example.org"
            )
            submit_answers(db_session, listing.id, answers, utcnow())
    set_aside_messages(db_session)
    results = Broadcast(
        key="results:order",
        listing_id=listing.id,
        template="results_published",
        context={"lists": [], "entrants": HOUSEHOLDS, "published_on": utcnow().isoformat()},
        created_at=utcnow() - timedelta(seconds=1),
    )
    db_session.add(results)
    db_session.flush()
    households = list(
        db_session.scalars(
            select(Application).where(Application.listing_id == listing.id).order_by(Application.id)
        )
    )
    return results, households


def _invite(app, db_session, application: Application) -> list[int]:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        messages = queue_documents_requested(
            db_session,
            application,
            link="https://example.org/documents/x",
            due_at=utcnow() + timedelta(days=10),
            note="",
        )
    db_session.info.pop(OUTBOX_KEY, None)
    db_session.flush()
    return [message.id for message in messages]


def _kinds(mailbox, broadcast_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (
            str(message["To"]),
            "results" if str(message["Message-ID"]).startswith(f"<b{broadcast_id}-") else "other",
        )
        for message in mailbox.messages
    ]


def test_an_invitation_takes_its_households_unwritten_results_ahead_of_it(
    app, db_session, mailbox, waiting_results
):
    results, households = waiting_results
    invited = households[1]
    invitation = _invite(app, db_session, invited)

    with app.app_context():
        assert tasks.deliver_batch(invitation) == set()

    # Its results first, written for it alone; no other household's.
    assert _kinds(mailbox, results.id) == [
        ("household1@example.org", "results"),
        ("household1@example.org", "other"),
    ]
    db_session.expire_all()
    assert results.written == 1 and results.written_through == 0 and results.finished_at is None

    # The broadcast reaches everyone in its turn, and the invited household not a second time.
    with app.app_context():
        lanes.start()
    assert sorted(_kinds(mailbox, results.id)[2:]) == [
        ("household0@example.org", "results"),
        ("household2@example.org", "results"),
    ]
    written = db_session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.broadcast_id == results.id)
    )
    assert written == HOUSEHOLDS
    db_session.expire_all()
    assert results.written == HOUSEHOLDS and results.finished_at is not None


def test_an_invitation_waits_while_its_households_results_are_being_sent(
    app, db_session, mailbox, waiting_results
):
    results, households = waiting_results
    invited = households[0]
    with app.app_context():
        [earlier] = broadcasts.write_ahead(db_session, results.id, invited.id)
    # Another job has just claimed it, and is sending it.
    message = db_session.get(OutboundMessage, earlier)
    message.state, message.attempts, message.next_attempt_at = MessageState.SENDING, 1, utcnow()
    invitation = _invite(app, db_session, invited)
    other = _invite(app, db_session, households[2])

    with app.app_context():
        held = tasks.deliver_batch([*invitation, *other])

    assert held == set(invitation)
    db_session.expire_all()
    assert {db_session.get(OutboundMessage, i).state for i in invitation} == {MessageState.PENDING}
    # Another household's invitation is not held back: its results went first.
    assert _kinds(mailbox, results.id) == [
        ("household2@example.org", "results"),
        ("household2@example.org", "other"),
    ]

    # Once the results are sent, the invitation goes.
    message.state = MessageState.SENT
    db_session.flush()
    with app.app_context():
        assert tasks.deliver_batch(invitation) == set()
    assert _kinds(mailbox, results.id)[-1] == ("household0@example.org", "other")


def test_a_message_caused_before_a_broadcast_does_not_wait_for_it(
    app, db_session, mailbox, waiting_results
):
    results, households = waiting_results
    invitation = _invite(app, db_session, households[0])
    results.created_at = utcnow() + timedelta(seconds=5)  # the results came after
    db_session.flush()
    with app.app_context():
        tasks.deliver_batch(invitation)
    assert _kinds(mailbox, results.id) == [("household0@example.org", "other")]
    assert results.written == 0
