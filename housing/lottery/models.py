"""The lottery's audit log: append-only and hash-chained.

Each entry stores the hash of the entry before it, so changing or removing any entry breaks
every later link; the database also refuses UPDATE, DELETE and TRUNCATE on the table (see the
migration's triggers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from housing.db_types import UTCDateTime, utcnow
from housing.extensions import db


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
