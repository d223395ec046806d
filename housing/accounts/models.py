"""Accounts: users with a role, partner-to-listing assignments, recovery codes, the sessions
signed in, and the counters that slow down guessing and cap unasked-for emails."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    PARTNER = "partner"
    STAFF = "staff"
    AUDITOR = "auditor"


# Roles that see other people's data must prove a second factor at every sign-in.
TWO_FACTOR_ROLES = frozenset({Role.PARTNER, Role.STAFF, Role.AUDITOR})


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(checked_enum(Role, "user_role"), default=Role.APPLICANT)
    language: Mapped[str] = mapped_column(String(10), default="en")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last TOTP time step accepted, so one code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignments: Mapped[list[PartnerAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class PartnerAssignment(db.Model):  # type: ignore[name-defined]
    """A partner may work on a listing only when staff have assigned them to it."""

    __tablename__ = "partner_assignments"
    __table_args__ = (UniqueConstraint("user_id", "listing_id", name="uq_partner_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments")


class RecoveryCode(db.Model):  # type: ignore[name-defined]
    """One-time codes for when the authenticator is lost; only their hashes are kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class UserSession(db.Model):  # type: ignore[name-defined]
    """One browser signed in, or half-way there (the password given, the second step owed).

    The browser's session names the row and carries a random token; only the token's hash is
    kept here, so the table alone opens nothing. Deleting the row ends the session on every
    host at its next request.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    second_step_due: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class ThrottleKind(enum.StrEnum):
    PASSWORD = "password"  # noqa: S105 - names a kind of failure; holds no password
    CODE = "code"


class SignInThrottle(db.Model):  # type: ignore[name-defined]
    """Failed sign-in steps of one account, from one client address or (``client`` empty) from
    everywhere: how many in the current episode, and until when the next try must wait."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("user_id", "kind", "client", name="uq_sign_in_throttle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ThrottleKind] = mapped_column(checked_enum(ThrottleKind, "throttle_kind"))
    client: Mapped[str] = mapped_column(String(64), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the owner was emailed about this episode; once is enough.
    owner_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UnaskedEmail(db.Model):  # type: ignore[name-defined]
    """An account email anyone can cause by typing the address (a reset link, the notice that
    the account exists): kept a day, to cap how many one recipient gets."""

    __tablename__ = "unasked_emails"
    __table_args__ = (Index("ix_unasked_emails_user_sent", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
