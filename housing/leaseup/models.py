"""Lease-up records: each household's status and its history, requests for documents, and
units that came free again."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db
from housing.leaseup.statuses import LeaseStatus

if TYPE_CHECKING:
    from housing.applications.models import Application


class LeaseUpEntry(db.Model):  # type: ignore[name-defined]
    """Where one application stands in lease-up. ``version`` goes up with every change, so that
    an agent working from an older page is told instead of overwriting a colleague."""

    __tablename__ = "lease_up_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[LeaseStatus] = mapped_column(checked_enum(LeaseStatus, "lease_status"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    # The list through which the household was reached: it counts against that list's share.
    list_code: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship()


class LeaseUpEvent(db.Model):  # type: ignore[name-defined]
    """One line of an application's lease-up history: a status change, a comment, a request
    for documents, the household's answer, an offer from the waitlist."""

    __tablename__ = "lease_up_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(30), default="")
    to_status: Mapped[str] = mapped_column(String(30), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class DocumentRequest(db.Model):  # type: ignore[name-defined]
    """An invitation to send documents and complete the detailed application by a deadline.
    Only a hash of the link's secret is kept."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The detailed application: income verification answers and the documents' public ids.
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    application: Mapped[Application] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.cancelled_at is None and self.responded_at is None and now < self.due_at


class UnitReopening(db.Model):  # type: ignore[name-defined]
    """A unit that came free again after lease-up (a household left): one more unit to offer
    from the waitlist."""

    __tablename__ = "unit_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
