"""Listings, their units, events and documents."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db
from housing.listings.eligibility import SeniorRule, UnitType

if TYPE_CHECKING:
    from housing.accounts.models import User
    from housing.listings.ami import AmiChart
    from housing.listings.preferences import ListingPreference


class Tenure(enum.StrEnum):
    RENTAL = "rental"
    SALE = "sale"


class ListingType(enum.StrEnum):
    LOTTERY = "lottery"
    FIRST_COME_FIRST_SERVED = "fcfs"


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    OPEN = "open"
    CLOSED = "closed"
    LOTTERY_RUN = "lottery_run"
    RESULTS_PUBLISHED = "results_published"
    LEASE_UP = "lease_up"
    DONE = "done"


PUBLIC_STATUSES = frozenset(
    {
        ListingStatus.APPROVED,
        ListingStatus.OPEN,
        ListingStatus.CLOSED,
        ListingStatus.LOTTERY_RUN,
        ListingStatus.RESULTS_PUBLISHED,
        ListingStatus.LEASE_UP,
        ListingStatus.DONE,
    }
)
# Before approval a listing's dates are edited on its details page, and reviewed again; after
# it they move only by a date change (``date_changes``), with its reason and announcement.
NOT_YET_APPROVED = frozenset(
    {ListingStatus.DRAFT, ListingStatus.PENDING_REVIEW, ListingStatus.CHANGES_REQUESTED}
)
# Past these statuses the application window is closed whatever the dates say.
CLOSED_STATUSES = PUBLIC_STATUSES - {ListingStatus.APPROVED, ListingStatus.OPEN}


class ReservedCommunity(enum.StrEnum):
    SENIOR = "senior"
    VETERAN = "veteran"
    ACCESSIBLE_UNITS_ONLY = "accessible"


# The listing's own text that residents read; each may be translated per locale.
TEXT_FIELDS = (
    "description",
    "amenities",
    "accessibility_features",
    "credit_rules",
    "eviction_rules",
    "criminal_history_rules",
    "required_documents",
    "pets_policy",
    "parking",
    "deposit",
    "paper_application_instructions",
    "office_hours",
)
# Every text of the listing's own that the listing page shows residents: partners translate
# each per locale. Its documents' and events' texts are translated too, under
# ``document_text_key`` and ``event_text_key``.
TRANSLATABLE_FIELDS = (*TEXT_FIELDS, "leasing_agent_title")
DOCUMENT_TEXTS = ("title", "alt_text")
EVENT_TEXTS = ("location", "notes")


def document_text_key(document_id: int, attribute: str) -> str:
    return f"document-{document_id}-{attribute}"


def event_text_key(event_id: int, attribute: str) -> str:
    return f"event-{event_id}-{attribute}"


class Phase(enum.StrEnum):
    """Where a published listing's application window stands right now."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


class Listing(db.Model):  # type: ignore[name-defined]
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("application_due_at > application_open_at", name="due_after_open"),
        CheckConstraint(
            "reserved_community != 'senior' OR senior_minimum_age IS NOT NULL",
            name="senior_has_age",
        ),
        Index("ix_listings_status_due", "status", "application_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    street_address: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(10))
    neighborhood: Mapped[str] = mapped_column(String(100), index=True)
    developer: Mapped[str] = mapped_column(String(200))
    tenure: Mapped[Tenure] = mapped_column(checked_enum(Tenure, "tenure"))
    listing_type: Mapped[ListingType] = mapped_column(
        checked_enum(ListingType, "listing_type"), default=ListingType.LOTTERY
    )
    status: Mapped[ListingStatus] = mapped_column(
        checked_enum(ListingStatus, "listing_status"), default=ListingStatus.DRAFT
    )
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    application_open_at: Mapped[datetime] = mapped_column(UTCDateTime())
    application_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lottery_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When staff closed lease-up: the personal data of the households it did not house is
    # erased a set number of days later.
    lease_up_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    reserved_community: Mapped[ReservedCommunity | None] = mapped_column(
        checked_enum(ReservedCommunity, "reserved_community")
    )
    senior_minimum_age: Mapped[int | None] = mapped_column(Integer)
    senior_rule: Mapped[SeniorRule | None] = mapped_column(checked_enum(SeniorRule, "senior_rule"))

    description: Mapped[str] = mapped_column(Text, default="")
    amenities: Mapped[str] = mapped_column(Text, default="")
    accessibility_features: Mapped[str] = mapped_column(Text, default="")
    credit_rules: Mapped[str] = mapped_column(Text, default="")
    eviction_rules: Mapped[str] = mapped_column(Text, default="")
    criminal_history_rules: Mapped[str] = mapped_column(Text, default="")
    required_documents: Mapped[str] = mapped_column(Text, default="")
    pets_policy: Mapped[str] = mapped_column(Text, default="")
    parking: Mapped[str] = mapped_column(Text, default="")
    deposit: Mapped[str] = mapped_column(Text, default="")
    paper_application_instructions: Mapped[str] = mapped_column(Text, default="")

    leasing_agent_name: Mapped[str] = mapped_column(String(200), default="")
    leasing_agent_title: Mapped[str] = mapped_column(String(200), default="")
    leasing_agent_email: Mapped[str] = mapped_column(String(254), default="")
    leasing_agent_phone: Mapped[str] = mapped_column(String(40), default="")
    leasing_office_address: Mapped[str] = mapped_column(String(300), default="")
    office_hours: Mapped[str] = mapped_column(Text, default="")

    # Per-locale text for the listing's own fields: {"es": {"description": "..."}}.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    units: Mapped[list[Unit]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Unit.position"
    )
    events: Mapped[list[ListingEvent]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingEvent.starts_at"
    )
    documents: Mapped[list[ListingDocument]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingDocument.position"
    )
    preferences: Mapped[list[ListingPreference]] = relationship(
        back_populates="listing",
        cascade="all, delete-orphan",
        order_by="ListingPreference.rank",
    )

    def phase(self, now: datetime) -> Phase:
        if self.status in CLOSED_STATUSES or now >= self.application_due_at:
            return Phase.CLOSED
        if now < self.application_open_at:
            return Phase.UPCOMING
        return Phase.OPEN

    def is_public(self, now: datetime) -> bool:
        if self.status not in PUBLIC_STATUSES:
            return False
        return self.publish_at is None or self.publish_at <= now

    def translatable_texts(self) -> dict[str, str]:
        """The English text of everything residents read that partners may translate, by
        translation key (a field's name, or a document's or an event's key)."""
        texts = {field: str(getattr(self, field) or "") for field in TRANSLATABLE_FIELDS}
        for document in self.documents:
            if document.id is not None:
                for attribute in DOCUMENT_TEXTS:
                    key = document_text_key(document.id, attribute)
                    texts[key] = str(getattr(document, attribute) or "")
        for event in self.events:
            if event.id is not None:
                for attribute in EVENT_TEXTS:
                    key = event_text_key(event.id, attribute)
                    texts[key] = str(getattr(event, attribute) or "")
        return texts

    def source_text(self, key: str) -> str:
        """The English text a translation key stands for ("" for a key that names nothing)."""
        if key in TRANSLATABLE_FIELDS or key == "name":
            return str(getattr(self, key) or "")
        return self.translatable_texts().get(key, "")

    def translation(self, key: str, locale: str) -> str | None:
        """The partner's text in a locale, or None when they gave none."""
        translated = (self.translations or {}).get(locale, {}).get(key)
        return translated if isinstance(translated, str) and translated else None

    def localized(self, key: str, locale: str) -> str:
        """The listing's own text in a locale, falling back to the English original."""
        return self.translation(key, locale) or self.source_text(key)


class AccessibilityPriority(enum.StrEnum):
    MOBILITY = "mobility"
    VISION = "vision"
    HEARING = "hearing"
    MOBILITY_AND_HEARING_VISION = "mobility_hearing_vision"


class UnitStatus(enum.StrEnum):
    AVAILABLE = "available"
    LEASED = "leased"
    UNAVAILABLE = "unavailable"


class Unit(db.Model):  # type: ignore[name-defined]
    """A unit, or a group of identical units (``count`` of them)."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("unit_count >= 1", name="count_positive"),
        CheckConstraint("ami_percent BETWEEN 1 AND 200", name="ami_percent_range"),
        CheckConstraint(
            "monthly_rent IS NULL OR rent_percent_of_income IS NULL", name="one_rent_kind"
        ),
        CheckConstraint(
            "min_occupancy IS NULL OR max_occupancy IS NULL OR min_occupancy <= max_occupancy",
            name="occupancy_order",
        ),
        CheckConstraint(
            "minimum_income IS NULL OR minimum_ami_percent IS NULL", name="one_income_floor"
        ),
        CheckConstraint("minimum_income IS NULL OR minimum_income >= 0", name="floor_not_negative"),
        CheckConstraint(
            "minimum_ami_percent IS NULL OR minimum_ami_percent BETWEEN 1 AND 200",
            name="floor_percent_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    unit_type: Mapped[UnitType] = mapped_column(checked_enum(UnitType, "unit_type"))
    unit_count: Mapped[int] = mapped_column(Integer, default=1)
    square_feet: Mapped[int | None] = mapped_column(Integer)
    floor: Mapped[int | None] = mapped_column(Integer)
    monthly_rent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rent_percent_of_income: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    rent_multiple: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    sale_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    hoa_dues: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # A home for sale's income floor, one or the other: a yearly amount, or an AMI percentage
    # (the chart's limit at it for the household's size). A rent sets its own through the
    # rent multiple.
    minimum_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    minimum_ami_percent: Mapped[int | None] = mapped_column(Integer)
    ami_chart_id: Mapped[int] = mapped_column(ForeignKey("ami_charts.id"), index=True)
    ami_percent: Mapped[int] = mapped_column(Integer)
    min_occupancy: Mapped[int | None] = mapped_column(Integer)
    max_occupancy: Mapped[int | None] = mapped_column(Integer)
    accessibility: Mapped[AccessibilityPriority | None] = mapped_column(
        checked_enum(AccessibilityPriority, "accessibility_priority")
    )
    status: Mapped[UnitStatus] = mapped_column(
        checked_enum(UnitStatus, "unit_status"), default=UnitStatus.AVAILABLE
    )

    listing: Mapped[Listing] = relationship(back_populates="units")
    ami_chart: Mapped[AmiChart] = relationship()


class EventKind(enum.StrEnum):
    INFO_SESSION = "info_session"
    OPEN_HOUSE = "open_house"


class ListingEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "listing_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EventKind] = mapped_column(checked_enum(EventKind, "event_kind"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    listing: Mapped[Listing] = relationship(back_populates="events")


class DocumentKind(enum.StrEnum):
    DOCUMENT = "document"
    IMAGE = "image"


class ListingDocument(db.Model):  # type: ignore[name-defined]
    """A PDF or an image attached to a listing; the bytes live in the storage backend."""

    __tablename__ = "listing_documents"
    __table_args__ = (UniqueConstraint("storage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(checked_enum(DocumentKind, "document_kind"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="documents")


class DateChangeKind(enum.StrEnum):
    """What a change of dates after approval does (``date_changes``)."""

    EXTEND_DEADLINE = "extend_deadline"
    CLOSE_EARLY = "close_early"
    REOPEN = "reopen"
    POSTPONE_LOTTERY = "postpone_lottery"


class DateChangeState(enum.StrEnum):
    REQUESTED = "requested"  # a partner asked; staff have not decided
    APPLIED = "applied"
    REFUSED = "refused"


class ListingDateChange(db.Model):  # type: ignore[name-defined]
    """A change of a published listing's deadline or lottery date, with its reason: made by
    staff, or asked for by a partner and then applied or refused by staff. Rows are kept."""

    __tablename__ = "listing_date_changes"
    __table_args__ = (Index("ix_listing_date_changes_state", "state", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DateChangeKind] = mapped_column(checked_enum(DateChangeKind, "date_change_kind"))
    state: Mapped[DateChangeState] = mapped_column(
        checked_enum(DateChangeState, "date_change_state")
    )
    # The deadline (or lottery date) before and after. A request keeps the value it was asked
    # against until it is applied; closing early has its new value only once applied (the
    # moment it happens).
    old_value: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_value: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who applied or refused it, and when; for a change staff made themselves, they did.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_reason: Mapped[str] = mapped_column(Text, default="")

    listing: Mapped[Listing] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
