"""Lottery preferences as data: a staff-kept catalogue, and each listing's ordered choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.extensions import db

if TYPE_CHECKING:
    from housing.listings.models import Listing


class Preference(db.Model):  # type: ignore[name-defined]
    __tablename__ = "preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    proof_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Per-locale name and description: {"es": {"name": "...", "description": "..."}}.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)

    def localized(self, field_name: str, locale: str) -> str:
        translated = (self.translations or {}).get(locale, {}).get(field_name)
        return translated or str(getattr(self, field_name))


class ListingPreference(db.Model):  # type: ignore[name-defined]
    """A preference a listing applies, in order, with the share of units it may fill.

    A null share means "the remaining units".
    """

    __tablename__ = "listing_preferences"
    __table_args__ = (
        UniqueConstraint("listing_id", "preference_id", name="uq_listing_preference"),
        UniqueConstraint("listing_id", "rank", name="uq_listing_preference_rank"),
        CheckConstraint(
            "unit_share_percent IS NULL OR unit_share_percent BETWEEN 1 AND 100",
            name="share_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    preference_id: Mapped[int] = mapped_column(ForeignKey("preferences.id"))
    rank: Mapped[int] = mapped_column(Integer)
    unit_share_percent: Mapped[int | None] = mapped_column(Integer)
    veterans_first: Mapped[bool] = mapped_column(Boolean, default=False)

    listing: Mapped[Listing] = relationship(back_populates="preferences")
    preference: Mapped[Preference] = relationship()
