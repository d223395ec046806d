"""Outbound messages. A row is written in the same transaction as its cause."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    # Printed and posted by staff, for applicants with neither email nor phone.
    LETTER = "letter"


class MessageState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class OutboundMessage(db.Model):  # type: ignore[name-defined]
    """One message to one recipient on one channel.

    A message written for one event is rendered at once. One of a broadcast keeps only its
    ``context`` and is rendered when it is sent (and again when staff look at it), so that a
    hundred thousand of them cost a row each, not a hundred thousand stored pages."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        Index("ix_outbound_messages_state_next", "state", "next_attempt_at"),
        Index("ix_outbound_messages_listing", "listing_id", "id"),
        Index("ix_outbound_messages_broadcast_state", "broadcast_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per message: a delivery job that runs twice finds the row already sent.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(checked_enum(Channel, "message_channel"))
    # An email address, an international phone number, or a postal address for a letter.
    recipient: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL")
    )
    state: Mapped[MessageState] = mapped_column(
        checked_enum(MessageState, "message_state"), default=MessageState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the peer called it: an SMS provider's id, or the Message-ID of an email.
    provider_id: Mapped[str] = mapped_column(String(200), default="")

    @property
    def is_rendered(self) -> bool:
        return bool(self.body_text)


class MessageEvent(db.Model):  # type: ignore[name-defined]
    """The delivery log: every attempt and its outcome, every resend and every letter posted."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Broadcast(db.Model):  # type: ignore[name-defined]
    """One message to everyone concerned by an event (results published for a listing).

    Written in the event's own transaction; a job then writes the messages a few hundred at a
    time, remembering how far it got, so a crash or a second run neither skips nor repeats."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the event, so it is announced once: "results:<run id>".
    key: Mapped[str] = mapped_column(String(100), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Applications with an id up to this one have their messages written.
    written_through: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MessageCount(db.Model):  # type: ignore[name-defined]
    """How many messages one address was sent in one UTC day, for the daily cap (``caps``).
    The address is kept only as a keyed digest, and a day's counts go after a day."""

    __tablename__ = "message_counts"

    address_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
