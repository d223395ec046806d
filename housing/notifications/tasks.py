"""Delivery jobs. Each takes ids (the drain takes none: it finds what is due) and is safe to
run twice.

A message is claimed (pending → sending, committed) before it is handed to its channel, and
what came of it is committed before the next message is handed over, so a job that runs twice,
or two workers given the same batch, send it once. A worker killed between the peer's
"accepted" and that commit leaves one message "sending"; the sweep hands it out again after
``STALE_SENDING`` and the copy carries the same Message-ID, so the recipient's mail program can
tell it is the same message. A broadcast's step (``lanes``) claims its messages a group at a
time (one statement and one commit for the group); those of the group a killed worker had not
reached are never sent twice either: they wait, "sending", for the sweep. Every job sends a
message after its application's messages caused earlier (``order``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from types import TracebackType
from typing import cast

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Table,
    Update,
    and_,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import InstrumentedAttribute

from housing import jobs
from housing.db_types import AnySession, utcnow
from housing.extensions import db
from housing.notifications import broadcasts, caps, hooks, order
from housing.notifications.mail import (
    Composed,
    FolderMailer,
    Mailer,
    PermanentFailure,
    SmtpMailer,
    TemporaryFailure,
    compose,
)
from housing.notifications.models import (
    Broadcast,
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)
from housing.notifications.services import (
    BROADCASTS_KEY,
    OUTBOX_KEY,
    RESENT_KEY,
    Rendered,
    Shared,
    as_email,
    message_id_of,
    release_stale,
    rendered,
)
from housing.notifications.sms import SmsProvider, sms_provider

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Temporary failures in a row after which a batch stops trying a channel.
FAILURES_BEFORE_PAUSE = 3
# Messages per delivery job: one SMTP connection carries a whole batch (and a broadcast's step
# at most as many), each job in a work horse that starts cold (its connections, caches and
# templates); a batch gives way to a waiting drain between its groups, so its size does not
# hold a confirmation back.
BATCH = broadcasts.CHUNK
# Messages a broadcast's step claims in one statement and commit. The drain claims one at a
# time, so a worker killed in a deadline rush holds back no confirmation but the one it was
# sending.
CLAIM_GROUP = 50
# A message left "sending" this long belongs to a worker that died; it may be tried again.
STALE_SENDING = timedelta(minutes=10)
# A message or broadcast this old and never handled lost its job (Redis was away).
SWEEP_GRACE = timedelta(minutes=5)
# Seconds a delivery job may take (a batch to a slow peer).
DELIVERY_TIMEOUT = 15 * 60
# Requests that write messages wake one drain job between them (see ``wake``). The flag lasts
# this long, so one that outlives its drain (a worker killed as it took the job, a reply lost)
# holds messages back for seconds, not until the sweep.
WAKE_KEY = "delivery-awake"
WAKE_SECONDS = 15
# Seconds a drain delivers before it hands the rest to a fresh job, well inside its timeout.
DRAIN_SECONDS = DELIVERY_TIMEOUT // 3
# Seconds before a message held back for an earlier one of its application is tried again.
HOLD_SECONDS = 2
# The tables under the models, for the statements run once or twice per message: the ORM's
# bookkeeping for an update or an added row costs more than the statement itself.
MESSAGES = cast(Table, OutboundMessage.__table__)
EVENTS = cast(Table, MessageEvent.__table__)


def mailer() -> Mailer:
    config = current_app.config["HOUSING"].mail
    if config.folder is not None:
        return FolderMailer(config.folder)
    return SmtpMailer(config)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


class Channels:
    """The peers one batch talks to, each opened on first use and closed at the end. A channel
    that failed for the last few messages in a row is not tried again in this batch: its
    messages wait for their retry instead of each waiting out a timeout."""

    def __init__(self) -> None:
        self._mailer: Mailer | None = None
        self._sms: SmsProvider | None = None
        self._failures: dict[Channel, int] = {}

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
        if self._failures.get(message.channel, 0) >= FAILURES_BEFORE_PAUSE:
            raise TemporaryFailure("not tried: the messages before it on this channel failed")
        try:
            provider_id = self._send(message, content)
        except TemporaryFailure:
            self._failures[message.channel] = self._failures.get(message.channel, 0) + 1
            raise
        self._failures[message.channel] = 0
        return provider_id

    def _send(self, message: OutboundMessage, content: Rendered) -> str:
        if message.channel is Channel.EMAIL:
            if self._mailer is None:
                self._mailer = mailer()
            composed = _composed(message, content)
            if composed is not None:
                self._mailer.send_composed(composed)
                return composed.message_id
            email = as_email(message, content)
            self._mailer.send(email)
            return str(email["Message-ID"])
        if message.channel is Channel.SMS:
            if self._sms is None:
                self._sms = sms_provider(current_app.config["HOUSING"].sms)
            return self._sms.send(message.recipient, content.text, message.idempotency_key)
        raise PermanentFailure("letters are posted by staff")


def _composed(message: OutboundMessage, content: Rendered) -> Composed | None:
    """The email ``as_email`` would make, written straight to bytes; None for one that needs
    the ``email`` package (an address that is not plain ASCII). Refuses (ValueError) the same
    recipients ``as_email`` refuses."""
    if any(char in message.recipient for char in "\r\n,;<>"):
        raise ValueError("the recipient is not one plain address")
    unsubscribe = (message.context or {}).get("unsubscribe")
    return compose(
        sender=current_app.config["HOUSING"].mail.sender,
        recipient=message.recipient,
        subject=content.subject,
        message_id=message_id_of(message),
        language=message.language.replace("_", "-"),
        text=content.text,
        html=content.html,
        unsubscribe=unsubscribe if isinstance(unsubscribe, str) else None,
    )


def _one_of(
    column: ColumnElement[int] | InstrumentedAttribute[int], ids: list[int]
) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL as one array parameter, so that a batch's statements
    read the same whatever their number of ids: the driver parses each once (it parses every
    statement with more than fifty parameters anew) and the server may prepare them."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(Integer)))
    return column.in_(ids)


def deliver_batch(
    message_ids: list[int], claim_group: int = CLAIM_GROUP, gives_way: bool = True
) -> set[int]:
    """Send each message of the batch that is still due, over one connection per channel,
    each after its application's messages caused earlier (``order``, which may add some of
    those to the batch); the ids of those held back for an earlier one another job is sending.

    Messages are claimed ``claim_group`` at a time, in one statement and one commit; each
    outcome is committed (``Outcomes``) before the next message is handed over, so nothing is
    sent until the previous outcome is safe. A batch that
    ``gives_way`` hands the messages it has not claimed to a job of their own when a drain is
    waiting (``drain_waiting``), so that a confirmation waits for a group, not for a batch."""
    session = db.session
    waiting = session.scalars(
        select(OutboundMessage)
        .where(
            _one_of(OutboundMessage.id, message_ids),
            OutboundMessage.state == MessageState.PENDING,
            OutboundMessage.channel != Channel.LETTER,
        )
        .order_by(OutboundMessage.id)
    ).all()
    plain = session()
    expire = plain.expire_on_commit
    plain.expire_on_commit = False  # the batch's rows, listing and broadcast stay loaded
    batch = Batch()
    size = max(claim_group, 1)
    try:
        ordered = order.in_cause_order(session, waiting, utcnow())
        with Channels() as channels, Outcomes(session) as outcomes:
            messages = ordered.messages
            for start in range(0, len(messages), size):
                if start and gives_way and drain_waiting():
                    outcomes.commit()  # the outcome of the last message sent
                    if send([message.id for message in messages[start:]]):
                        return ordered.held
                batch.deliver(channels, outcomes, ordered, list(messages[start : start + size]))
            session.commit()
    finally:
        plain.expire_on_commit = expire
    return ordered.held


class Batch:
    """What one job delivers, group by group, and what it learns as it claims them: what its
    messages have in common (``Shared``), and which applications' earlier messages another job
    took first (between the ordering and the claim). A later message of such an application is
    given back instead of sent, and held."""

    def __init__(self) -> None:
        self.shared = Shared()
        # Per application, the cause of its earliest message this job could not claim.
        self._lost: dict[int, datetime] = {}

    def deliver(
        self,
        channels: Channels,
        outcomes: Outcomes,
        ordered: order.Ordered,
        group: list[OutboundMessage],
    ) -> None:
        """Claim the group, in cause order (one statement, one commit), and send what was
        claimed; those given back join ``ordered.held``."""
        attempts = _claim(group)
        for position, message in enumerate(group):
            attempt = attempts.get(message.id)
            household = message.application_id
            if attempt is None:
                if household is not None and message.id in ordered.causes:
                    cause = ordered.cause(message)
                    self._lost[household] = min(self._lost.get(household, cause), cause)
                continue
            lost = self._lost.get(household) if household is not None else None
            if lost is not None and ordered.cause(message) > lost:
                _give_back(message.id, attempt)
                ordered.held.add(message.id)
                continue
            _attempt(channels, outcomes, message, attempt, self.shared)
            if position < len(group) - 1:  # the last one's may go with the next claim
                outcomes.commit()


def _give_back(message_id: int, attempt: int) -> None:
    """A claimed message, pending again as if never claimed (committed)."""
    db.session.execute(
        update(MESSAGES)
        .where(
            MESSAGES.c.id == message_id,
            MESSAGES.c.state == MessageState.SENDING,
            MESSAGES.c.attempts == attempt,
        )
        .values(state=MessageState.PENDING, attempts=attempt - 1)
    )
    db.session.commit()


def deliver_message(message_id: int) -> None:
    deliver_batch([message_id])


def _claim(group: list[OutboundMessage]) -> dict[int, int]:
    """The messages of the group still pending and due, made "sending" and committed (with the
    previous message's outcome): the number of this attempt of each. Left out are those another
    job took first, those whose retry is not due, and those held as one too many for their
    address today (counted with their first attempt)."""
    session = db.session
    now = utcnow()
    table = MESSAGES
    claimed = session.execute(
        update(table)
        .where(
            _one_of(table.c.id, [message.id for message in group]),
            table.c.state == MessageState.PENDING,
            table.c.next_attempt_at <= now,
        )
        .values(
            state=MessageState.SENDING,
            attempts=table.c.attempts + 1,
            # When it was claimed, for the stale check.
            next_attempt_at=now,
        )
        .returning(table.c.id, table.c.attempts)
    ).all()
    attempts = cast(dict[int, int], dict(claimed))
    first = [message for message in group if attempts.get(message.id) == 1]
    for held in caps.hold_past_limit(session, first, now):
        del attempts[held]
    session.commit()
    return attempts


def _attempt(
    channels: Channels,
    outcomes: Outcomes,
    message: OutboundMessage,
    attempt: int,
    shared: Shared,
) -> None:
    """Send one claimed message and write down what came of it (made safe before the next
    message is handed over: ``Outcomes``), unless the message is no longer this attempt's: the sweep
    gave it to another job."""
    now = utcnow()
    values: dict[str, object]
    try:
        content = rendered(db.session, message, shared)
        provider_id = channels.send(message, content)[:200]
    except PermanentFailure as error:
        values, event = _failed(str(error))
    except TemporaryFailure as error:
        if attempt >= MAX_ATTEMPTS:
            values, event = _failed(str(error))
        else:
            event = ("retry", str(error))
            values = {
                "state": MessageState.PENDING,
                "failure_reason": str(error),
                "next_attempt_at": now + backoff(attempt),
            }
    except Exception as error:  # a template or a recipient that cannot become a message
        log.exception("message %s could not be made", message.id)
        values, event = _failed(f"{type(error).__name__}: {error}")
    else:
        event = ("sent", provider_id)
        values = {
            "state": MessageState.SENT,
            "sent_at": now,
            "failure_reason": "",
            "provider_id": provider_id,
            "subject": message.subject or content.subject[:300],
        }
    outcomes.record(message.id, attempt, values, event, now)


# Every column an outcome may write; those an outcome leaves alone are written back as they are.
_OUTCOME_COLUMNS = (
    "state",
    "sent_at",
    "failure_reason",
    "provider_id",
    "next_attempt_at",
    "subject",
)


def _outcome_statements() -> tuple[Update, Insert, Insert]:
    """The statements that write an outcome, built once: building them anew for every message
    cost more than running them. The same statement each time also lets PostgreSQL prepare it.
    A column an outcome does not set keeps its value (``coalesce`` of a null parameter)."""
    marked = (
        update(MESSAGES)
        .where(
            MESSAGES.c.id == bindparam("message_id"),
            MESSAGES.c.state == MessageState.SENDING,
            MESSAGES.c.attempts == bindparam("attempt"),
        )
        .values(
            {
                name: func.coalesce(
                    bindparam(f"new_{name}", type_=MESSAGES.c[name].type), MESSAGES.c[name]
                )
                for name in _OUTCOME_COLUMNS
            }
        )
    )
    line = {
        name: bindparam(f"line_{name}", type_=EVENTS.c[name].type)
        for name in ("at", "event", "detail")
    }
    done = marked.returning(MESSAGES.c.id).cte("marked")
    together = insert(EVENTS).from_select(["message_id", *line], select(done.c.id, *line.values()))
    alone = insert(EVENTS).values(message_id=bindparam("message_id"), **line)
    return marked, together, alone


_MARK, _MARK_AND_LOG, _LOG = _outcome_statements()


class Outcomes:
    """Where a batch writes what came of each attempt, and its line in the log, unless the
    message is no longer this attempt's (the sweep gave it to another job).

    On PostgreSQL, with the session on the app's engine, each outcome is one statement that
    commits itself, on a connection of its own in autocommit: one round trip a message, where a
    transaction of its own costs three (BEGIN, the statement, COMMIT). Otherwise (SQLite, or a
    session bound to a connection whose transaction the caller holds), it is written through
    the session and made safe by ``commit``."""

    def __init__(self, session: AnySession) -> None:
        self._session = session
        bind = session.get_bind()
        self._postgresql = bind.dialect.name == "postgresql"
        self._own: Connection | None = None
        if self._postgresql and isinstance(bind, Engine):
            self._own = bind.connect().execution_options(isolation_level="AUTOCOMMIT")

    def __enter__(self) -> Outcomes:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._own is not None:
            self._own.close()

    def record(
        self,
        message_id: int,
        attempt: int,
        values: dict[str, object],
        event: tuple[str, str],
        at: datetime,
    ) -> None:
        parameters: dict[str, object] = {
            "message_id": message_id,
            "attempt": attempt,
            **{f"new_{name}": values.get(name) for name in _OUTCOME_COLUMNS},
            "line_at": at,
            "line_event": event[0],
            "line_detail": event[1],
        }
        if self._own is not None:
            self._own.execute(_MARK_AND_LOG, parameters)
        elif self._postgresql:
            self._session.execute(_MARK_AND_LOG, parameters)
        elif self._session.execute(_MARK, parameters).rowcount == 1:  # type: ignore[attr-defined]
            self._session.execute(_LOG, parameters)

    def commit(self) -> None:
        """Make the last outcome safe before the next message is handed over (it is already,
        when it committed itself)."""
        if self._own is None:
            self._session.commit()


def _failed(reason: str) -> tuple[dict[str, object], tuple[str, str]]:
    return {"state": MessageState.FAILED, "failure_reason": reason}, ("failed", reason)


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


SEND_BATCH = f"{__name__}.deliver_batch"


def send(message_ids: list[int]) -> bool:
    """Hand messages to delivery in batches, on the mail queue; False when Redis did not take
    them all. (A broadcast's messages go through its lanes: ``lanes.start``.)"""
    handed = True
    for batch in _batches(message_ids):
        handed = (
            jobs.enqueue(
                SEND_BATCH,
                batch,
                queue_name=jobs.MAIL_QUEUE,
                timeout=DELIVERY_TIMEOUT,
            )
            and handed
        )
    return handed


def send_after_commit() -> None:
    """Deliver what the transaction just committed: every message and broadcast the session
    wrote, and every message it tried again, since the last call."""
    from housing.notifications import lanes  # it delivers through this module

    info = db.session.info
    written = info.pop(OUTBOX_KEY, [])
    if written and jobs.redis_connection() is not None:
        wake()
    else:  # without Redis each request delivers its own messages, here and now
        send(written)
    send(info.pop(RESENT_KEY, []))
    if info.pop(BROADCASTS_KEY, []):
        lanes.start()
    jobs.enqueue_committed(db.session)  # jobs the transaction asked for besides messages


def _wake_key() -> str:
    return f"{current_app.config['HOUSING'].queue_prefix}{WAKE_KEY}"


def wake() -> bool:
    """Have the messages now due delivered by a drain job, of which at most one waits in the
    queue: in a deadline rush a thousand confirmations go out over a few connections, not a
    job each. False when Redis did not answer (the sweep hands the messages out later)."""
    connection = jobs.redis_connection()
    if connection is not None:
        try:
            if not connection.set(_wake_key(), "1", nx=True, ex=WAKE_SECONDS):
                return True  # a drain is waiting and will find them
        except RedisError:
            log.warning("Redis unavailable; due messages left for the sweep")
            return False
    # Ahead of staff's resends waiting in the mail queue: a confirmation is awaited.
    if jobs.enqueue(DRAIN, queue_name=jobs.MAIL_QUEUE, timeout=DELIVERY_TIMEOUT, first=True):
        return True
    if connection is not None:
        with suppress(RedisError):
            connection.delete(_wake_key())
    return False


def drain_waiting() -> bool:
    """Whether a drain job waits in the queue (``wake`` marked it); False without Redis or
    when it does not answer."""
    connection = jobs.redis_connection()
    if connection is None:
        return False
    try:
        return bool(connection.exists(_wake_key()))
    except RedisError:
        return False


def deliver_due() -> None:
    """The drain: deliver the messages due that are not a broadcast's (its lanes carry those),
    oldest first, a batch at a time, for DRAIN_SECONDS; then hand what is left to a fresh
    drain. One held back for an earlier message of its application, which another job is
    sending, is tried again by a drain HOLD_SECONDS later."""
    connection = jobs.redis_connection()
    if connection is not None:
        # From here on, a request that writes a message wakes another drain, since this one
        # may have looked already. Left set (Redis away), it expires after WAKE_SECONDS.
        with suppress(RedisError):
            connection.delete(_wake_key())
    session = db.session
    stop = time.monotonic() + DRAIN_SECONDS
    held: set[int] = set()
    while True:
        query = (
            select(OutboundMessage.id)
            .where(
                OutboundMessage.broadcast_id.is_(None),
                OutboundMessage.state == MessageState.PENDING,
                OutboundMessage.channel != Channel.LETTER,
                OutboundMessage.next_attempt_at <= utcnow(),
            )
            .order_by(OutboundMessage.id)
            .limit(BATCH)
        )
        if held:
            query = query.where(OutboundMessage.id.not_in(sorted(held)))
        due = session.scalars(query).all()
        session.commit()
        if due:
            held |= deliver_batch(list(due), claim_group=1, gives_way=False)
        if len(due) < BATCH:
            break
        if time.monotonic() >= stop:
            wake()
            return
    if held:
        jobs.enqueue_in(HOLD_SECONDS, DRAIN, queue_name=jobs.MAIL_QUEUE, timeout=DELIVERY_TIMEOUT)


DRAIN = f"{__name__}.deliver_due"


def write_broadcast(broadcast_id: int) -> None:
    """Write the rest of a broadcast's messages at once, and have its lanes deliver them (a
    broadcast's lanes write as they go: this is the job earlier releases queued)."""
    from housing.notifications import lanes

    session = db.session
    while broadcasts.write_chunk(session, broadcast_id) is not None:
        session.commit()
    session.commit()
    lanes.start()


def sweep(now: datetime | None = None) -> int:
    """Hand out again what lost its job: messages due and never handled, retries whose time
    has come, messages a dead worker left half-sent, broadcasts never finished; write the
    messages the packages say are due (deadline reminders, ``hooks``), and forget the daily counts of addresses older than a day.
    The number of messages handed out."""
    from housing.notifications import lanes

    now = now or utcnow()
    session = db.session
    release_stale(session, now - STALE_SENDING, MAX_ATTEMPTS)
    caps.forget_before(session, now.date() - timedelta(days=1))
    hooks.write_due_messages(session, now)  # the deadline reminders
    session.commit()
    send_after_commit()
    # A message whose job is still waiting in its queue is handed out again too; the second
    # job finds it sent and costs one query.
    due = session.execute(
        select(OutboundMessage.id, OutboundMessage.broadcast_id)
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
    unfinished = session.scalar(
        select(Broadcast.id).where(Broadcast.finished_at.is_(None)).limit(1)
    )
    session.commit()
    send([row.id for row in due if row.broadcast_id is None])
    # A broadcast's messages, and the broadcasts not yet written, belong to its lanes: those
    # already running take nothing more; those a dead worker left are started again.
    if unfinished is not None or any(row.broadcast_id is not None for row in due):
        lanes.start()
    hooks.after_sweep(now)  # exports that lost their job, and the files of expired ones
    return len(due)
