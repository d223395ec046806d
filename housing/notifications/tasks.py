"""Delivery jobs. Each takes ids and is safe to run twice.

A message is claimed (pending → sending, committed) before it is handed to its channel and
marked sent right after, so a job that runs twice, or two workers given the same batch, send it
once. A worker killed between the peer's "accepted" and that commit leaves one message
"sending"; the sweep hands it out again after ``STALE_SENDING`` and the copy carries the same
Message-ID, so the recipient's mail program can tell it is the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from types import TracebackType

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from housing import jobs
from housing.db_types import utcnow
from housing.extensions import db
from housing.notifications import broadcasts
from housing.notifications.mail import (
    FolderMailer,
    Mailer,
    PermanentFailure,
    SmtpMailer,
    TemporaryFailure,
)
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage
from housing.notifications.services import (
    BROADCASTS_KEY,
    OUTBOX_KEY,
    Rendered,
    Shared,
    as_email,
    log_event,
    release_stale,
    rendered,
)
from housing.notifications.sms import SmsProvider, sms_provider

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Messages per delivery job: one SMTP connection carries a whole batch.
BATCH = 200
# A message left "sending" this long belongs to a worker that died; it may be tried again.
STALE_SENDING = timedelta(minutes=10)
# A message or broadcast this old and never handled lost its job (Redis was away).
SWEEP_GRACE = timedelta(minutes=5)


def mailer() -> Mailer:
    config = current_app.config["HOUSING"].mail
    if config.folder is not None:
        return FolderMailer(config.folder)
    return SmtpMailer(config)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


class Channels:
    """The peers one batch talks to, each opened on first use and closed at the end."""

    def __init__(self) -> None:
        self._mailer: Mailer | None = None
        self._sms: SmsProvider | None = None

    def __enter__(self) -> Channels:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._mailer is not None:
            self._mailer.close()

    def send(self, message: OutboundMessage, content: Rendered) -> str:
        """Hand the message over; what the peer calls it."""
        if message.channel is Channel.EMAIL:
            email = as_email(message, content)
            if self._mailer is None:
                self._mailer = mailer()
            self._mailer.send(email)
            return str(email["Message-ID"])
        if message.channel is Channel.SMS:
            if self._sms is None:
                self._sms = sms_provider(current_app.config["HOUSING"].sms)
            return self._sms.send(message.recipient, content.text, message.idempotency_key)
        raise PermanentFailure("letters are posted by staff")


def deliver_batch(message_ids: list[int]) -> None:
    """Send each message of the batch that is still waiting, over one connection per channel.

    Each message is claimed in the same commit that records the outcome of the one before, so
    nothing is sent until the previous outcome is safe."""
    session = db.session
    waiting = session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.id.in_(message_ids),
            OutboundMessage.state == MessageState.PENDING,
            OutboundMessage.channel != Channel.LETTER,
        )
        .order_by(OutboundMessage.id)
    ).all()
    plain = session()
    expire = plain.expire_on_commit
    plain.expire_on_commit = False  # the batch's rows, listing and broadcast stay loaded
    shared = Shared()
    try:
        with Channels() as channels:
            for message in waiting:
                if _claim(message):
                    _attempt(channels, message, shared)
            session.commit()
    finally:
        plain.expire_on_commit = expire


def deliver_message(message_id: int) -> None:
    deliver_batch([message_id])


def _claim(message: OutboundMessage) -> bool:
    """Pending to sending, committed (with the previous message's outcome); False when another
    job took it first."""
    session = db.session
    now = utcnow()
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message.id, OutboundMessage.state == MessageState.PENDING)
        .values(
            state=MessageState.SENDING,
            attempts=OutboundMessage.attempts + 1,
            # When it was claimed, for the stale check.
            next_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = result.rowcount == 1  # type: ignore[attr-defined]
    session.commit()
    if claimed:
        set_committed_value(message, "state", MessageState.SENDING)
        set_committed_value(message, "attempts", message.attempts + 1)
        set_committed_value(message, "next_attempt_at", now)
    return claimed


def _attempt(channels: Channels, message: OutboundMessage, shared: Shared) -> None:
    session = db.session
    try:
        content = rendered(session, message, shared)
        provider_id = channels.send(message, content)
    except PermanentFailure as error:
        _fail(message, str(error))
    except TemporaryFailure as error:
        message.failure_reason = str(error)
        if message.attempts >= MAX_ATTEMPTS:
            _fail(message, str(error))
        else:
            message.state = MessageState.PENDING
            message.next_attempt_at = utcnow() + backoff(message.attempts)
            log_event(session, message, "retry", str(error))
    except Exception as error:  # a template or a recipient that cannot become a message
        log.exception("message %s could not be made", message.id)
        _fail(message, f"{type(error).__name__}: {error}")
    else:
        message.state = MessageState.SENT
        message.sent_at = utcnow()
        message.failure_reason = ""
        message.provider_id = provider_id[:200]
        if not message.subject:
            message.subject = content.subject[:300]
        log_event(session, message, "sent", provider_id[:200])


def _fail(message: OutboundMessage, reason: str) -> None:
    message.state = MessageState.FAILED
    message.failure_reason = reason
    log_event(db.session, message, "failed", reason)


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def send(message_ids: list[int]) -> bool:
    """Hand messages to delivery in batches; False when Redis did not take them all."""
    handed = True
    for batch in _batches(message_ids):
        handed = (
            jobs.enqueue(
                "housing.notifications.tasks.deliver_batch",
                batch,
                queue_name=jobs.NOTIFICATIONS_QUEUE,
            )
            and handed
        )
    return handed


def send_after_commit(message_ids: list[int] | None = None) -> None:
    """Deliver what the transaction just committed: the given messages, or else every message
    and broadcast the session wrote since the last call."""
    session = db.session
    broadcast_ids: list[int] = []
    if message_ids is None:
        message_ids = session.info.pop(OUTBOX_KEY, [])
        broadcast_ids = session.info.pop(BROADCASTS_KEY, [])
    send(message_ids)
    for broadcast_id in broadcast_ids:
        jobs.enqueue(
            "housing.notifications.tasks.write_broadcast",
            broadcast_id,
            queue_name=jobs.NOTIFICATIONS_QUEUE,
        )


def write_broadcast(broadcast_id: int) -> None:
    """Write a broadcast's messages a chunk at a time, handing each chunk to delivery."""
    session = db.session
    while True:
        message_ids = broadcasts.write_chunk(session, broadcast_id)
        session.commit()
        if message_ids is None:
            return
        send(message_ids)


def sweep(now: datetime | None = None) -> int:
    """Hand out again what lost its job: messages due and never handled, retries whose time
    has come, messages a dead worker left half-sent, broadcasts never finished; and write the
    deadline reminders that are due. The number of messages handed out."""
    from housing.applications.messages import queue_deadline_reminders

    now = now or utcnow()
    session = db.session
    release_stale(session, now - STALE_SENDING)
    queue_deadline_reminders(session, now)
    session.commit()
    send_after_commit()
    unfinished = session.scalars(
        select(Broadcast.id).where(
            Broadcast.finished_at.is_(None), Broadcast.created_at <= now - SWEEP_GRACE
        )
    ).all()
    for broadcast_id in unfinished:
        jobs.enqueue(
            "housing.notifications.tasks.write_broadcast",
            broadcast_id,
            queue_name=jobs.NOTIFICATIONS_QUEUE,
        )
    due = session.scalars(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.state == MessageState.PENDING,
            OutboundMessage.channel != Channel.LETTER,
            or_(
                and_(
                    OutboundMessage.attempts == 0,
                    OutboundMessage.next_attempt_at <= now - SWEEP_GRACE,
                ),
                and_(OutboundMessage.attempts > 0, OutboundMessage.next_attempt_at <= now),
            ),
        )
        .order_by(OutboundMessage.id)
    ).all()
    send(list(due))
    return len(due)
