"""Exports: one row per file asked for, from the request to the download link's expiry."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from housing.db_types import UTCDateTime, checked_enum, utcnow
from housing.extensions import db


class ExportKind(enum.StrEnum):
    APPLICATIONS = "applications"
    RESULTS = "results"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Export(db.Model):  # type: ignore[name-defined]
    """A file of one listing's applications or results, written by a job.

    The row is written in the request's transaction, so Redis being away loses nothing: the
    sweep hands a queued row (or one whose worker died) to a job again. ``attempts`` names the
    job that holds the row; a job that is no longer the holder writes nothing."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_listing_requested", "listing_id", "requested_at"),
        Index("ix_exports_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    kind: Mapped[ExportKind] = mapped_column(checked_enum(ExportKind, "export_kind"))
    file_format: Mapped[ExportFormat] = mapped_column(checked_enum(ExportFormat, "export_format"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Column headings are written in the language of the person who asked.
    language: Mapped[str] = mapped_column(String(10), default="en")
    # Only ever true for staff: partners never receive demographic answers.
    include_demographics: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[ExportState] = mapped_column(
        checked_enum(ExportState, "export_state"), default=ExportState.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    # Written at each batch: a running export whose heartbeat stopped lost its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    storage_key: Mapped[str | None] = mapped_column(String(100))
    byte_size: Mapped[int | None] = mapped_column(Integer)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_active(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_downloadable(self, now: datetime) -> bool:
        return (
            self.state is ExportState.DONE
            and self.storage_key is not None
            and not self.is_expired(now)
        )
