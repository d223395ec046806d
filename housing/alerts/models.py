"""Who asked to hear about new listings, and which alerts were written.

A subscription is personal data: it holds an address and, when given, a household. It is
erased whole on unsubscribe, and unconfirmed ones are erased after a few days."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db
from housing.notifications.models import Channel


class AlertSubscription(db.Model):  # type: ignore[name-defined]
    """One address that asked for alerts: about every listing that suits it, or (``listing_id``)
    about one listing when it opens."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random and public: the links in messages name the subscription by it.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[Channel] = mapped_column(checked_enum(Channel, "alert_channel"))
    # An email address (lower case) or an international phone number.
    address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(10))
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    household_size: Mapped[int | None] = mapped_column(Integer)
    annual_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    children_under_six: Mapped[int] = mapped_column(Integer, default=0)
    has_voucher: Mapped[bool] = mapped_column(Boolean, default=False)
    # Empty lists mean "any".
    neighborhoods: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    tenures: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A keyed digest of the code sent by text message, and the wrong codes typed so far.
    code_digest: Mapped[str] = mapped_column(String(64), default="")
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def filters(self) -> dict[str, Any]:
        return {
            "neighborhoods": list(self.neighborhoods or []),
            "unit_types": list(self.unit_types or []),
            "tenures": list(self.tenures or []),
        }


class ListingOpening(db.Model):  # type: ignore[name-defined]
    """A listing was seen open for applications and its alerts were written. One row per
    listing: the opening is announced once, however often it is noticed."""

    __tablename__ = "listing_openings"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListingAlert(db.Model):  # type: ignore[name-defined]
    """One alert written for one subscription about one listing. The pair is unique, so a
    repeated opening, a retried job or a second worker never writes a second one. Kept, without
    the subscription, once it is erased: staff count alerts per listing."""

    __tablename__ = "listing_alerts"
    __table_args__ = (UniqueConstraint("subscription_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="SET NULL")
    )
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(checked_enum(Channel, "listing_alert_channel"))
    language: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
