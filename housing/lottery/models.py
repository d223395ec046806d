"""Lotteries, their runs and ranks, and the audit log (append-only and hash-chained).

Each entry stores the hash of the entry before it, so changing or removing any entry breaks
every later link; the database also refuses UPDATE, DELETE and TRUNCATE on the table (see the
migration's triggers).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db

if TYPE_CHECKING:
    from housing.listings.models import Listing


class LotteryLogEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "lottery_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class LotteryStatus(enum.StrEnum):
    PREREGISTERED = "preregistered"
    FROZEN = "frozen"
    DRAWING = "drawing"
    DRAWN = "drawn"
    PUBLISHED = "published"


class Lottery(db.Model):  # type: ignore[name-defined]
    """One listing's lottery: its pre-registered rules, the frozen entrants, the seed inputs."""

    __tablename__ = "lotteries"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[LotteryStatus] = mapped_column(
        checked_enum(LotteryStatus, "lottery_status"), default=LotteryStatus.PREREGISTERED
    )
    # Algorithm, preferences (order, share, veterans first), duplicate and randomness rules.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    preregistered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    commitments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Deferred: a million entrants are read only when the manifest itself is needed.
    manifest: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, deferred=True)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    entrant_count: Mapped[int | None] = mapped_column(Integer)
    freeze_override_reason: Mapped[str] = mapped_column(Text, default="")
    beacon: Mapped[dict[str, str] | None] = mapped_column(JSON)
    secrets: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    draw_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who started the draw the job is running, for the log entries the job writes.
    draw_requested_by: Mapped[int | None] = mapped_column(Integer)
    # Claims were decided after the draw and no version of the results has them yet; set in
    # the decision's transaction, cleared by the job that writes the version.
    revision_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why staff draw again, while a re-run they asked for waits for its job.
    draw_reason: Mapped[str] = mapped_column(Text, default="")
    # Written in short transactions of their own while a draw runs, for the staff page.
    progress: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    self_check: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship()
    runs: Mapped[list[LotteryRun]] = relationship(
        back_populates="lottery", order_by="LotteryRun.number"
    )

    @property
    def current_run(self) -> LotteryRun | None:
        return self.runs[-1] if self.runs else None


class RunKind(enum.StrEnum):
    DRAW = "draw"
    # Drawn again, with a reason, after earlier results were retracted.
    REDRAW = "redraw"
    # The same draw with preference claims invalidated (or restored) after the freeze.
    REVISION = "revision"


class LotteryRun(db.Model):  # type: ignore[name-defined]
    """One version of a lottery's results. A re-run or a revision adds a run; earlier ones are
    kept, and a retracted one says when and why."""

    __tablename__ = "lottery_runs"
    __table_args__ = (UniqueConstraint("lottery_id", "number", name="uq_lottery_run_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lottery_id: Mapped[int] = mapped_column(ForeignKey("lotteries.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RunKind] = mapped_column(checked_enum(RunKind, "lottery_run_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    seed: Mapped[str] = mapped_column(String(64))
    result_sha256: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retraction_reason: Mapped[str] = mapped_column(Text, default="")
    # The audit log's head and entry count when this version was published, as its bundle
    # records them (and its result hash covers them).
    audit_log_head: Mapped[str | None] = mapped_column(String(64))
    audit_log_length: Mapped[int | None] = mapped_column(Integer)
    # Files of this version made on first request and kept: the bundle, a PDF per language.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    lottery: Mapped[Lottery] = relationship(back_populates="runs")


class LotteryRank(db.Model):  # type: ignore[name-defined]
    """An entrant's place in a run, for the public look-up by lottery number.

    Derived data, rebuilt from the run's bundle at will, written a million rows at a time: no
    foreign keys (their checks would triple the time of the write), and runs and applications
    are never deleted anyway."""

    __tablename__ = "lottery_ranks"
    __table_args__ = (Index("ix_lottery_ranks_run_master", "run_id", "master_rank"),)

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    master_rank: Mapped[int] = mapped_column(Integer)
    # {"COP": 3, "general": 17}: the entrant's place in each list they are on.
    list_ranks: Mapped[dict[str, int]] = mapped_column(JSON)
