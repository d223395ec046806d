"""Writing a broadcast's messages, a chunk of recipients at a time.

A broadcast's recipients are read in application-id order a chunk at a time; each template that
is broadcast names the function that reads them, which the package that knows them hands over
when the app is made (``hooks.add_recipients``, in ``housing.blueprints``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from housing.db_types import AnySession, utcnow
from housing.notifications.contacts import addressed_context, contacts
from housing.notifications.hooks import recipient_readers
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage

CHUNK = 1000


@dataclass(frozen=True)
class Recipient:
    application_id: int
    user_id: int | None
    language: str
    answers: Mapping[str, Any]
    context: dict[str, Any]
    # The applicant's account's email address, if the account confirmed it.
    confirmed_email: str | None = None


def _recipients(
    session: AnySession, broadcast: Broadcast, after_id: int, limit: int
) -> list[Recipient]:
    readers = recipient_readers(current_app)
    if broadcast.template not in readers:
        raise RuntimeError(f"no package said who the {broadcast.template!r} broadcast goes to")
    return readers[broadcast.template](session, broadcast, after_id, limit)


def write_chunk(session: AnySession, broadcast_id: int, size: int = CHUNK) -> list[int] | None:
    """Write the next chunk of a broadcast's messages; the ids to deliver, or None when it is
    finished. The caller commits; the row lock keeps two writers from taking the same chunk.
    A message written ahead of its turn (``write_ahead``) is not written again."""
    broadcast = _locked(session, broadcast_id)
    if broadcast is None or broadcast.finished_at is not None:
        return None
    recipients = _recipients(session, broadcast, broadcast.written_through, size)
    if not recipients:
        broadcast.finished_at = utcnow()
        return None
    written = _insert(session, broadcast, recipients)
    broadcast.written_through = recipients[-1].application_id
    return written


def write_ahead(session: AnySession, broadcast_id: int, application_id: int) -> list[int]:
    """Write one application's messages of a broadcast now, ahead of its chunk, because a
    message caused later is going out to it; the ids to deliver. Nothing when its chunk is
    written already or the application is not among the broadcast's recipients. The caller
    commits, which ends the row lock."""
    broadcast = _locked(session, broadcast_id)
    if (
        broadcast is None
        or broadcast.finished_at is not None
        or application_id <= broadcast.written_through
    ):
        return []
    found = _recipients(session, broadcast, application_id - 1, 1)
    if not found or found[0].application_id != application_id:
        return []
    return _insert(session, broadcast, found)


def _locked(session: AnySession, broadcast_id: int) -> Broadcast | None:
    """The broadcast as it is now (not as the session last saw it), locked until commit."""
    return session.scalars(
        select(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _insert(session: AnySession, broadcast: Broadcast, recipients: list[Recipient]) -> list[int]:
    """The recipients' messages, but those already written; the ids of the new ones to
    deliver (not letters)."""
    now = utcnow()
    rows = [
        {
            "idempotency_key": f"b{broadcast.id}-{recipient.application_id}-{channel.value}",
            "channel": channel,
            "recipient": address,
            "language": recipient.language,
            "template": broadcast.template,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "context": addressed_context(
                recipient.context, channel, address, recipient.confirmed_email
            ),
            "user_id": recipient.user_id,
            "listing_id": broadcast.listing_id,
            "application_id": recipient.application_id,
            "broadcast_id": broadcast.id,
            "state": MessageState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "failure_reason": "",
            "created_at": now,
            "provider_id": "",
        }
        for recipient in recipients
        for channel, address in contacts(recipient.answers, letter=True)
    ]
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutboundMessage)
    written = session.execute(
        statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(
            OutboundMessage.id, OutboundMessage.channel
        ),
        rows,
    ).all()
    broadcast.written += len(written)
    return [message_id for message_id, channel in written if channel is not Channel.LETTER]
