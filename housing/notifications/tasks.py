"""Delivery jobs. Each takes an id and is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from housing import jobs
from housing.db_types import utcnow
from housing.extensions import db
from housing.notifications.mail import (
    FolderMailer,
    Mailer,
    PermanentFailure,
    SmtpMailer,
    TemporaryFailure,
)
from housing.notifications.models import MessageState, OutboundMessage
from housing.notifications.services import as_email

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A message left "sending" this long belongs to a worker that died; it may be tried again.
STALE_SENDING = timedelta(minutes=10)


def mailer() -> Mailer:
    config = current_app.config["HOUSING"].mail
    if config.folder is not None:
        return FolderMailer(config.folder)
    return SmtpMailer(config)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def deliver_message(message_id: int) -> None:
    """Send one message unless it was already sent. Safe to re-run."""
    session = db.session
    message = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.id == message_id)
        .with_for_update(skip_locked=True)
    ).first()
    if message is None or message.state is not MessageState.PENDING:
        session.rollback()
        return
    message.state = MessageState.SENDING
    message.attempts += 1
    message.next_attempt_at = utcnow()  # when it was claimed, for the stale check
    session.commit()

    try:
        mailer().send(as_email(message))
    except PermanentFailure as error:
        message.state = MessageState.FAILED
        message.failure_reason = str(error)
    except TemporaryFailure as error:
        message.failure_reason = str(error)
        if message.attempts >= MAX_ATTEMPTS:
            message.state = MessageState.FAILED
        else:
            message.state = MessageState.PENDING
            message.next_attempt_at = utcnow() + backoff(message.attempts)
    else:
        message.state = MessageState.SENT
        message.sent_at = utcnow()
        message.failure_reason = ""
    session.commit()


def send_after_commit(message_ids: list[int]) -> None:
    for message_id in message_ids:
        jobs.enqueue(
            "housing.notifications.tasks.deliver_message",
            message_id,
            queue_name=jobs.NOTIFICATIONS_QUEUE,
        )


def sweep() -> int:
    """Hand every due, unsent message to delivery again (Redis was down, a worker died)."""
    now = utcnow()
    session = db.session
    stale = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.state == MessageState.SENDING,
            OutboundMessage.next_attempt_at <= now - STALE_SENDING,
        )
    ).all()
    for message in stale:
        message.state = MessageState.PENDING
    session.commit()
    due = session.scalars(
        select(OutboundMessage.id).where(
            OutboundMessage.state == MessageState.PENDING, OutboundMessage.next_attempt_at <= now
        )
    ).all()
    send_after_commit(list(due))
    return len(due)
