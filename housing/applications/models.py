"""Applications, their versions, their documents (and the files of removed ones still to
delete) and their duplicate keys."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.applications.duplicates import DuplicateRule
from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db

if TYPE_CHECKING:
    from housing.listings.models import Listing


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class ApplicationChannel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class Application(db.Model):  # type: ignore[name-defined]
    """One household's application to one listing, from first draft to submission.

    ``answers`` is the working copy the form's steps save into; ``submitted_answers`` is what
    was last submitted and is what staff and the lottery see. Editing a submitted application
    changes the working copy until the applicant submits the changes.
    """

    __tablename__ = "applications"
    __table_args__ = (
        # One application per account and listing, whatever its state.
        UniqueConstraint("listing_id", "user_id", name="uq_application_listing_user"),
        UniqueConstraint("listing_id", "lottery_number", name="uq_application_lottery_number"),
        UniqueConstraint("listing_id", "idempotency_key", name="uq_application_idempotency"),
        Index("ix_applications_listing_status", "listing_id", "status"),
        # The applications table's sorts, each ending in the id that breaks ties (keyset pages).
        Index("ix_applications_listing_submitted", "listing_id", "submitted_at", "id"),
        Index("ix_applications_listing_name", "listing_id", "applicant_name", "id"),
        Index("ix_applications_listing_household", "listing_id", "household_size", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The application number people see and the lottery protocol names; random, no rank.
    public_id: Mapped[str] = mapped_column(String(12), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[ApplicationChannel] = mapped_column(
        checked_enum(ApplicationChannel, "application_channel"),
        default=ApplicationChannel.ONLINE,
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        checked_enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT
    )
    language: Mapped[str] = mapped_column(String(10), default="en")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lottery_number: Mapped[str | None] = mapped_column(String(8))
    # A client's Idempotency-Key and a digest of what it sent, so a retry finds its result.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    # Paper applications: the day the form was received (postmark or hand delivery).
    received_on: Mapped[date | None] = mapped_column(Date)
    # A paper draft that will not be finished (entered twice, started by mistake), set aside
    # with a reason by staff or the partner: kept, never submitted, never counted again.
    discarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    discard_reason: Mapped[str | None] = mapped_column(Text)
    # Copied from the submitted answers for lists and searches.
    applicant_name: Mapped[str] = mapped_column(String(250), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    household_size: Mapped[int | None] = mapped_column(Integer)
    annual_income: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The applicant asked for no more deadline reminders (List-Unsubscribe).
    reminders_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Its personal data was erased, the listing's lease-up having closed long enough ago;
    # the numbers, the lottery records and the dates stay.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship()
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", order_by="ApplicationDocument.id"
    )
    versions: Mapped[list[ApplicationVersion]] = relationship(
        back_populates="application", order_by="ApplicationVersion.number"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status is ApplicationStatus.SUBMITTED

    @property
    def has_unsubmitted_changes(self) -> bool:
        return self.submitted_answers is not None and self.answers != self.submitted_answers


class ApplicationVersion(db.Model):  # type: ignore[name-defined]
    """A snapshot of the submitted answers after each submission, edit or withdrawal."""

    __tablename__ = "application_versions"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_application_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    application: Mapped[Application] = relationship(back_populates="versions")


class ApplicationDocument(db.Model):  # type: ignore[name-defined]
    """An uploaded proof. Until an application claims it, it belongs only to its listing."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable: an API client names its upload by this id when it submits.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who sent a file uploaded for no application yet (through the API): a keyed hash of the
    # address, so that one address can keep only so many files waiting; never the address.
    sender: Mapped[str | None] = mapped_column(String(32), index=True)

    application: Mapped[Application | None] = relationship(back_populates="documents")


class FileDeletion(db.Model):  # type: ignore[name-defined]
    """A stored file whose row is gone, still to be deleted from storage.

    Written in the transaction that deletes the row and removed once the file is gone, so a
    crash in between leaves this row behind and the next run deletes the file."""

    __tablename__ = "file_deletions"

    storage_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DuplicateKey(db.Model):  # type: ignore[name-defined]
    """One normalized fact of a submitted application that another one may share."""

    __tablename__ = "application_duplicate_keys"
    __table_args__ = (
        UniqueConstraint("application_id", "rule", "match_key", name="uq_duplicate_key"),
        Index("ix_duplicate_keys_lookup", "listing_id", "rule", "match_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    rule: Mapped[DuplicateRule] = mapped_column(checked_enum(DuplicateRule, "duplicate_rule"))
    match_key: Mapped[str] = mapped_column(String(300))


class PreferenceClaim(db.Model):  # type: ignore[name-defined]
    """A preference the submitted application claims, copied from its answers at each
    submission so the applications table can filter on it."""

    __tablename__ = "application_preference_claims"
    __table_args__ = (Index("ix_preference_claims_listing_code", "listing_id", "preference_code"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    preference_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    # The claim is made as a veteran (the preference has a veteran list; a household member
    # served). Staff's decisions on it are kept under the veteran list's code ("V-COP").
    veteran: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PreferenceDecision(db.Model):  # type: ignore[name-defined]
    """Staff's latest word on one preference claim; the lottery log keeps every earlier one.

    A claim found invalid before the freeze is left out of the manifest; one found invalid
    after it is listed in the results bundle's invalidations."""

    __tablename__ = "preference_decisions"
    __table_args__ = (
        UniqueConstraint("application_id", "preference_code", name="uq_preference_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    preference_code: Mapped[str] = mapped_column(String(40))
    valid: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DuplicateDecision(db.Model):  # type: ignore[name-defined]
    """Staff's word on one group of possible duplicates, until the freeze; the lottery log keeps
    every earlier one. It holds while the group has exactly the members it was made for."""

    __tablename__ = "duplicate_decisions"
    __table_args__ = (
        UniqueConstraint("listing_id", "rule", "match_key", name="uq_duplicate_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="RESTRICT"))
    rule: Mapped[DuplicateRule] = mapped_column(checked_enum(DuplicateRule, "duplicate_rule"))
    match_key: Mapped[str] = mapped_column(String(300))
    # The group's application numbers, sorted, when the decision was made.
    members: Mapped[list[str]] = mapped_column(JSON)
    # Empty: different households, all stay in the lottery. Otherwise the one application of
    # the household that stays in; the others are left out of the lottery (never deleted).
    kept: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
