"""Writing messages into the outbox, rendering them, and what staff do with them."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import make_transient_to_detached

from housing.db_types import AnySession, utcnow
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.notifications.contacts import addressed_context
from housing.notifications.hooks import confirmed_email, listing_facts
from housing.notifications.models import (
    Broadcast,
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)

# Ids written in the current transaction, for ``tasks.send_after_commit`` to hand out.
OUTBOX_KEY = "outbox_messages"
# Ids of messages tried again in the current transaction (a broadcast's among them).
RESENT_KEY = "resent_messages"
BROADCASTS_KEY = "outbox_broadcasts"


# Every message template and the channels it is written for.
TEMPLATE_CHANNELS: dict[str, tuple[Channel, ...]] = {
    "application_submitted": (Channel.EMAIL, Channel.SMS),
    "application_resume": (Channel.EMAIL, Channel.SMS),
    "application_withdrawn": (Channel.EMAIL, Channel.SMS),
    "deadline_reminder": (Channel.EMAIL, Channel.SMS),
    "results_published": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "results_retracted": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "claim_decided": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "duplicate_entry": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "documents_requested": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "lease_status": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "confirm_email": (Channel.EMAIL,),
    "password_reset": (Channel.EMAIL,),
    "account_created": (Channel.EMAIL,),
    "sign_up_existing": (Channel.EMAIL,),
    "sign_in_attempts": (Channel.EMAIL,),
    "alert_confirm": (Channel.EMAIL, Channel.SMS),
    "listing_alert": (Channel.EMAIL, Channel.SMS),
    "listing_dates_changed": (Channel.EMAIL, Channel.SMS, Channel.LETTER),
    "attach_application": (Channel.EMAIL,),
}


class Actor(Protocol):
    """Whoever did something to a message: a signed-in member of staff."""

    @property
    def id(self) -> int: ...


class MessageRefused(Exception):
    """A staff action on a message that its state does not allow."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Shared:
    """What the messages of one batch have in common, read once: the details of their listings
    in each language, and the contexts of their broadcasts."""

    listings: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    broadcasts: dict[int, dict[str, Any]] = field(default_factory=dict)
    # What the app's context processors give a template in each language: the same for every
    # message of a batch, and asking for it three times a message was a third of rendering.
    template_contexts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(
    session: AnySession,
    channel: Channel,
    template: str,
    language: str,
    context: Mapping[str, Any],
    shared: Shared | None = None,
) -> Rendered:
    """A message in a language; a letter reads like the email, on paper."""
    language = language if language in LOCALE_CODES else DEFAULT_LOCALE
    values: dict[str, Any] = {
        "parse_iso": datetime.fromisoformat,
        "language": language,
        **context,
    }
    shared = shared or Shared()
    listing_id = context.get("listing_id")
    if isinstance(listing_id, int):
        listings = shared.listings
        if (listing_id, language) not in listings:
            listings[listing_id, language] = listing_facts(session, listing_id, language)
        values = {**listings[listing_id, language], **values}
    with force_locale(language):
        base = shared.template_contexts.get(language)
        if base is None:
            base = shared.template_contexts[language] = {}
            current_app.update_template_context(base)
        # As ``render_template`` would, with the context processors' part made once: the
        # message's own values win over theirs.
        values = {**base, **values}
        templates = current_app.jinja_env
        if channel is Channel.SMS:
            text = templates.get_template(f"notifications/sms/{template}.txt").render(values)
            return Rendered("", " ".join(text.split()), "")
        subject = templates.get_template(f"notifications/email/{template}.subject.txt").render(
            values
        )
        text = templates.get_template(f"notifications/email/{template}.txt").render(values)
        html = templates.get_template(f"notifications/email/{template}.html").render(values)
    # One line, whatever a listing's name holds: no header can be smuggled into the subject.
    return Rendered(" ".join(subject.split()), text, html)


def rendered(
    session: AnySession,
    message: OutboundMessage,
    shared: Shared | None = None,
) -> Rendered:
    """What the message says (or said): stored, or rendered again from its context."""
    if message.is_rendered or message.context is None:
        return Rendered(message.subject, message.body_text, message.body_html)
    shared = shared or Shared()
    context: dict[str, Any] = {"listing_id": message.listing_id}
    if message.broadcast_id is not None:
        if message.broadcast_id not in shared.broadcasts:
            broadcast = session.get(Broadcast, message.broadcast_id)
            shared.broadcasts[message.broadcast_id] = broadcast.context if broadcast else {}
        context.update(shared.broadcasts[message.broadcast_id])
    context.update(message.context)
    return render(session, message.channel, message.template, message.language, context, shared)


_INSERT_MESSAGE = insert(OutboundMessage.__table__).returning(OutboundMessage.__table__.c.id)


def queue(
    session: AnySession,
    *,
    channel: Channel,
    to: str,
    template: str,
    language: str,
    context: Mapping[str, Any],
    user_id: int | None = None,
    listing_id: int | None = None,
    application_id: int | None = None,
    key: str | None = None,
    state: MessageState = MessageState.PENDING,
    render_now: bool = True,
) -> OutboundMessage:
    """Record a message for delivery once the caller's transaction commits. Rendered here,
    or (``render_now=False``, for the busiest requests) from its context when it is sent.
    A name in the context stays only for the confirmed email address of ``user_id``."""
    if "name" in context:
        context = addressed_context(context, channel, to, confirmed_email(session, user_id))
    content = (
        render(session, channel, template, language, context)
        if render_now
        else Rendered("", "", "")
    )
    moment = utcnow()
    row = {
        "idempotency_key": key or secrets.token_hex(16),
        "channel": channel,
        "recipient": to,
        "language": language,
        "template": template,
        "subject": content.subject,
        "body_text": content.text,
        "body_html": content.html,
        "context": dict(context),
        "user_id": user_id,
        "listing_id": listing_id,
        "application_id": application_id,
        "broadcast_id": None,
        "state": state,
        # The columns' defaults, given here so that the message has every attribute loaded.
        "attempts": 0,
        "next_attempt_at": moment,
        "failure_reason": "",
        "created_at": moment,
        "sent_at": None,
        "provider_id": "",
    }
    # Whatever the caller has pending is written first, as a flush would have.
    session.flush()
    # One statement that returns the id, without the unit of work's bookkeeping: a deadline
    # rush writes a confirmation with every submission, and hardly any request reads it again.
    message = OutboundMessage(**row)
    message.id = session.connection().execute(_INSERT_MESSAGE, row).scalar_one()
    make_transient_to_detached(message)
    session.add(message)
    if state is MessageState.PENDING and channel is not Channel.LETTER:
        session.info.setdefault(OUTBOX_KEY, []).append(message.id)
    return message


def queue_email(
    session: AnySession,
    *,
    to: str,
    template: str,
    language: str,
    context: Mapping[str, Any],
    user_id: int | None = None,
) -> OutboundMessage:
    return queue(
        session,
        channel=Channel.EMAIL,
        to=to,
        template=template,
        language=language,
        context=context,
        user_id=user_id,
    )


def as_email(message: OutboundMessage, content: Rendered) -> EmailMessage:
    """The message as an email; refuses (ValueError) a recipient that could add a header."""
    if any(char in message.recipient for char in "\r\n,;<>"):
        raise ValueError("the recipient is not one plain address")
    config = current_app.config["HOUSING"]
    email = EmailMessage()
    email["From"] = config.mail.sender
    email["To"] = message.recipient
    email["Subject"] = content.subject
    # The idempotency key names the message, so a resend is recognisable as the same one.
    email["Message-ID"] = message_id_of(message)
    context = message.context or {}
    if isinstance(context.get("unsubscribe"), str):
        email["List-Unsubscribe"] = f"<{context['unsubscribe']}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(content.text)
    if content.html:
        email.add_alternative(content.html, subtype="html")
    # Set after the body: setting content replaces every Content-* header.
    email["Content-Language"] = message.language.replace("_", "-")
    return email


def message_id_of(message: OutboundMessage) -> str:
    """The same for every copy of one message, so a copy sent again is known for one."""
    host = urlsplit(current_app.config["HOUSING"].public_url).hostname or "localhost"
    return f"<{message.idempotency_key}@{host}>"


def log_event(
    session: AnySession,
    message_id: int,
    event: str,
    detail: str = "",
    actor: Actor | None = None,
    at: datetime | None = None,
) -> None:
    """A line of the delivery log."""
    session.add(
        MessageEvent(
            message_id=message_id,
            event=event,
            detail=detail,
            actor_id=actor.id if actor is not None else None,
            at=at or utcnow(),
        )
    )


def start_broadcast(
    session: AnySession, *, key: str, listing_id: int, template: str, context: Mapping[str, Any]
) -> Broadcast:
    """Announce an event to everyone it concerns; the messages are written by a job."""
    existing = session.scalars(select(Broadcast).where(Broadcast.key == key)).first()
    if existing is not None:
        return existing
    broadcast = Broadcast(key=key, listing_id=listing_id, template=template, context=dict(context))
    session.add(broadcast)
    session.flush()
    session.info.setdefault(BROADCASTS_KEY, []).append(broadcast.id)
    return broadcast


def withdraw_broadcasts(session: AnySession, listing_id: int, template: str) -> None:
    """Stop a listing's broadcasts of one kind: no more messages written, and those written
    but not yet sent are not sent."""
    broadcasts = session.scalars(
        select(Broadcast).where(Broadcast.listing_id == listing_id, Broadcast.template == template)
    ).all()
    for broadcast in broadcasts:
        broadcast.finished_at = broadcast.finished_at or utcnow()
    session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.broadcast_id.in_([broadcast.id for broadcast in broadcasts]),
            OutboundMessage.state == MessageState.PENDING,
        )
        .values(state=MessageState.SUPPRESSED, failure_reason="withdrawn before it was sent")
        .execution_options(synchronize_session=False)
    )


def resend(session: AnySession, message_id: int, actor: Actor) -> OutboundMessage:
    """Try a failed message again from the start, as the same message."""
    message = session.get(OutboundMessage, message_id)
    if message is None:
        raise MessageRefused("no_such_message")
    if message.state is not MessageState.FAILED or message.channel is Channel.LETTER:
        raise MessageRefused("not_failed")
    _send_again(session, [message], actor)
    return message


def resend_failed(session: AnySession, listing_id: int, actor: Actor) -> int:
    """Every failed email and text message of a listing, tried again (after a mail server or
    provider setting was put right, say)."""
    failed = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.listing_id == listing_id,
            OutboundMessage.state == MessageState.FAILED,
            OutboundMessage.channel != Channel.LETTER,
        )
    ).all()
    _send_again(session, list(failed), actor)
    return len(failed)


def _send_again(session: AnySession, messages: list[OutboundMessage], actor: Actor) -> None:
    now = utcnow()
    for message in messages:
        message.state = MessageState.PENDING
        message.attempts = 0
        message.next_attempt_at = now
        log_event(session, message.id, "resend", actor=actor, at=now)
    session.flush()
    session.info.setdefault(RESENT_KEY, []).extend(message.id for message in messages)


def listing_messages(
    session: AnySession,
    listing_id: int,
    *,
    state: MessageState | None = None,
    channel: Channel | None = None,
    template: str | None = None,
    before: int | None = None,
    limit: int,
) -> list[OutboundMessage]:
    """A listing's messages, newest first, a page at a time (``before`` an id)."""
    query = select(OutboundMessage).where(OutboundMessage.listing_id == listing_id)
    if state is not None:
        query = query.where(OutboundMessage.state == state)
    if channel is not None:
        query = query.where(OutboundMessage.channel == channel)
    if template:
        query = query.where(OutboundMessage.template == template)
    if before is not None:
        query = query.where(OutboundMessage.id < before)
    return list(session.scalars(query.order_by(OutboundMessage.id.desc()).limit(limit)))


def _waiting_letters_query(listing_id: int) -> Select[Any]:
    return select(OutboundMessage).where(
        OutboundMessage.listing_id == listing_id,
        OutboundMessage.channel == Channel.LETTER,
        OutboundMessage.state == MessageState.PENDING,
    )


def waiting_letters(session: AnySession, listing_id: int, limit: int) -> list[OutboundMessage]:
    """Letters still to post, oldest first."""
    query = _waiting_letters_query(listing_id).order_by(OutboundMessage.id).limit(limit)
    return list(session.scalars(query))


def mark_letters_mailed(
    session: AnySession, listing_id: int, message_ids: list[int], actor: Actor
) -> int:
    """Staff posted these letters. Only this listing's letters still waiting are marked."""
    now = utcnow()
    letters = session.scalars(
        _waiting_letters_query(listing_id)
        .where(OutboundMessage.id.in_(message_ids))
        .with_for_update()
    ).all()
    for letter in letters:
        letter.state = MessageState.SENT
        letter.sent_at = now
        log_event(session, letter.id, "mailed", actor=actor, at=now)
    session.flush()
    return len(letters)


def progress(session: AnySession, listing_id: int) -> dict[tuple[str, Channel], dict[str, int]]:
    """How many of each kind of message to this listing's applicants are in each state."""
    rows = session.execute(
        select(
            OutboundMessage.template,
            OutboundMessage.channel,
            OutboundMessage.state,
            func.count(),
        )
        .where(OutboundMessage.listing_id == listing_id)
        .group_by(OutboundMessage.template, OutboundMessage.channel, OutboundMessage.state)
    ).all()
    counts: dict[tuple[str, Channel], dict[str, int]] = {}
    for template, channel, state, count in rows:
        counts.setdefault((template, channel), {})[state.value] = count
    return counts


def broadcasts_in_progress(session: AnySession, listing_id: int) -> list[Broadcast]:
    return list(
        session.scalars(
            select(Broadcast)
            .where(Broadcast.listing_id == listing_id)
            .order_by(Broadcast.id.desc())
        )
    )


def release_stale(session: AnySession, older_than: datetime, max_attempts: int) -> int:
    """Messages a dead worker left "sending" go back to the queue (sent again: the peer may
    have taken them, so the copy carries the same Message-ID), or fail once they have used up
    their attempts."""
    stale = session.execute(
        select(OutboundMessage.id, OutboundMessage.attempts).where(
            OutboundMessage.state == MessageState.SENDING,
            OutboundMessage.next_attempt_at <= older_than,
        )
    ).all()
    for message_id, attempts in stale:
        spent = attempts >= max_attempts
        reason = f"interrupted while sending, {attempts} times" if spent else ""
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.state == MessageState.SENDING)
            .values(
                state=MessageState.FAILED if spent else MessageState.PENDING,
                failure_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        log_event(session, message_id, "failed" if spent else "interrupted", reason)
    return len(stale)


def sample_context(now: datetime) -> dict[str, Any]:
    """Made-up values for previewing every template."""
    config = current_app.config["HOUSING"]
    return {
        "name": "Maria",
        "listing_name": "Sample Apartments",
        "office_hours": "Monday to Friday, 9:00 to 17:00",
        "agent_name": "Leasing office",
        "agent_phone": "(415) 555-0100",
        "agent_email": "leasing@example.org",
        "due_at": now + timedelta(days=2),
        "timezone": config.default_timezone,
        "application_number": "A1B2C3D4E5",
        "lottery_number": "04817",
        "link": f"{config.public_url}/applications/A1B2C3D4E5",
        "updated": False,
        "master_rank": 1234,
        "entrants": 5678,
        "lists": [["COP", dict.fromkeys(LOCALE_CODES, "Certificate of Preference")]],
        "list_ranks": {"COP": 12, "general": 1234},
        "published_on": now.isoformat(),
        "lookup": f"{config.public_url}/listings/1/lottery/lookup",
        "preference": "Live or work in the city",
        "valid": False,
        "reason": "The proof of address is older than 45 days.",
        "decided_on": now.isoformat(),
        "retracted_on": now.isoformat(),
        "unsubscribe": f"{config.public_url}/reminders/stop/sample",
        "invitation": f"{config.public_url}/lease-up/documents/sample",
        "due_on": (now + timedelta(days=10)).isoformat(),
        "note": "Please bring your last three pay stubs.",
        "status": "waitlisted",
        "position": 7,
        "code": "204817",
        "one_listing": False,
        "change": "extend_deadline",
        "old_at": (now + timedelta(days=2)).isoformat(),
        "new_at": (now + timedelta(days=9)).isoformat(),
        "draft": False,
    }
