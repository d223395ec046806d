"""Each email address and phone number is sent at most so many messages a day, counted in the
database; the rest are held with the reason, except the messages a household must get."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import timedelta

from sqlalchemy import select

from housing.db_types import utcnow
from housing.notifications import caps, services, tasks
from housing.notifications.models import (
    Channel,
    MessageCount,
    MessageEvent,
    MessageState,
    OutboundMessage,
)
from housing.notifications.sms import FolderSmsProvider
from tests.applications.helpers import name_for, open_listing, with_applicant

TARGET = "target@example.org"


def _queue(  # type: ignore[no-untyped-def]
    db_session, to: str, template: str = "application_submitted", channel=Channel.EMAIL
):
    """A message about a listing of its own, with made-up details."""
    listing = open_listing()
    details = {k: v for k, v in services.sample_context(utcnow()).items() if k != "due_at"}
    return services.queue(
        db_session,
        channel=channel,
        to=to,
        template=template,
        language="en",
        context={**details, "listing_id": listing.id},
        listing_id=listing.id,
    )


def _state(db_session, message_id: int) -> OutboundMessage:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.get(OutboundMessage, message_id)


def test_the_21st_application_to_one_address_in_a_day_is_not_sent(
    client, db_session, mailbox, caplog
):
    listing = open_listing()
    caplog.set_level(logging.WARNING, logger="housing.notifications.caps")
    for number in range(21):
        answers = with_applicant(first_name=name_for(number), email="stranger@example.org")
        response = client.post(
            f"/api/v1/listings/{listing.id}/applications",
            data=json.dumps(answers),
            content_type="application/json",
        )
        assert response.status_code == 201, response.text
    assert len(mailbox.messages) == 20
    db_session.expire_all()
    messages = db_session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [m.state for m in messages] == [MessageState.SENT] * 20 + [MessageState.SUPPRESSED]
    held = messages[-1]
    assert held.failure_reason.startswith("held:") and "20" in held.failure_reason
    events = db_session.scalars(select(MessageEvent).where(MessageEvent.message_id == held.id))
    assert [event.event for event in events] == ["held"]
    assert f"message {held.id} (application_submitted, email) held" in caplog.text
    assert "daily cap of 20" in caplog.text


def test_the_count_is_kept_in_the_database_between_jobs_and_per_address(app, db_session, mailbox):
    with app.test_request_context():
        first = [_queue(db_session, TARGET).id for _ in range(20)]
        tasks.deliver_batch(first)
        # Another job, later: the count is the database's, not the job's.
        late = _queue(db_session, TARGET.upper()).id
        other = _queue(db_session, "other@example.org").id
        text = _queue(db_session, "+14155550100", channel=Channel.SMS).id
        tasks.deliver_batch([late, other, text])
        key = caps.address_key(Channel.EMAIL, TARGET)
    assert _state(db_session, late).state is MessageState.SUPPRESSED
    assert _state(db_session, other).state is MessageState.SENT
    assert _state(db_session, text).state is MessageState.SENT
    assert sorted(m["To"] for m in mailbox.messages).count(TARGET) == 20
    count = db_session.scalars(select(MessageCount).where(MessageCount.address_key == key)).one()
    assert (count.day, count.count) == (utcnow().date(), 21)
    assert TARGET not in key  # the table names no one


def test_text_messages_are_capped_too(app, db_session):
    number = "+14155550123"
    with app.test_request_context():
        ids = [_queue(db_session, number, channel=Channel.SMS).id for _ in range(21)]
        tasks.deliver_batch(ids)
        folder = app.config["HOUSING"].sms.folder
    sent = [t for t in FolderSmsProvider(folder).messages() if t["to"] == number]
    assert len(sent) >= 20  # the folder is shared with other tests of the run
    assert _state(db_session, ids[-1]).state is MessageState.SUPPRESSED
    assert all(_state(db_session, i).state is MessageState.SENT for i in ids[:20])


def test_messages_a_household_must_get_are_sent_past_the_cap(app, db_session, mailbox):
    with app.test_request_context():
        tasks.deliver_batch([_queue(db_session, TARGET).id for _ in range(20)])
        essential = [
            _queue(db_session, TARGET, template).id for template in caps.ESSENTIAL_TEMPLATES
        ]
        reminder = _queue(db_session, TARGET, "deadline_reminder").id
        tasks.deliver_batch([*essential, reminder])
    assert all(_state(db_session, i).state is MessageState.SENT for i in essential)
    assert _state(db_session, reminder).state is MessageState.SUPPRESSED


def test_the_cap_is_configured_and_a_new_day_starts_afresh(app, db_session, mailbox, monkeypatch):
    config = app.config["HOUSING"]
    monkeypatch.setitem(
        app.config, "HOUSING", dataclasses.replace(config, messages_per_address_per_day=2)
    )
    today = utcnow().date()
    with app.test_request_context():
        # Yesterday this address was sent a great many; the oldest count is no longer needed.
        key = caps.address_key(Channel.EMAIL, TARGET)
        db_session.add(MessageCount(address_key=key, day=today - timedelta(days=1), count=50))
        db_session.add(MessageCount(address_key=key, day=today - timedelta(days=3), count=9))
        db_session.flush()
        ids = [_queue(db_session, TARGET).id for _ in range(3)]
        tasks.deliver_batch(ids)
        tasks.sweep()
    assert [_state(db_session, i).state for i in ids] == [
        MessageState.SENT,
        MessageState.SENT,
        MessageState.SUPPRESSED,
    ]
    days = db_session.scalars(select(MessageCount.day).where(MessageCount.address_key == key))
    assert sorted(days) == [today - timedelta(days=1), today]


def test_no_cap_when_it_is_set_to_zero(app, db_session, mailbox, monkeypatch):
    config = app.config["HOUSING"]
    monkeypatch.setitem(
        app.config, "HOUSING", dataclasses.replace(config, messages_per_address_per_day=0)
    )
    with app.test_request_context():
        ids = [_queue(db_session, TARGET).id for _ in range(22)]
        tasks.deliver_batch(ids)
    assert len(mailbox.messages) == 22
