"""Area Median Income charts: yearly income limits by AMI percentage and household size."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from housing.db_types import UTCDateTime, utcnow
from housing.extensions import db
from housing.listings.eligibility import IncomeLimits

_CACHED_CHARTS = 256
_LIMITS_BY_CHART: dict[tuple[int, datetime], IncomeLimits] = {}


class AmiChart(db.Model):  # type: ignore[name-defined]
    """A published chart. Charts are versioned: a correction is a new version, not an edit."""

    __tablename__ = "ami_charts"
    __table_args__ = (UniqueConstraint("name", "year", "version", name="uq_ami_charts_name_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    chart_type: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    limits: Mapped[list[AmiChartLimit]] = relationship(
        back_populates="chart",
        cascade="all, delete-orphan",
        order_by="(AmiChartLimit.ami_percent, AmiChartLimit.household_size)",
    )

    def income_limits(self) -> IncomeLimits:
        """The chart as {(AMI %, household size): annual limit}.

        A chart's limits never change once it exists (a correction is a new version), so the
        mapping is kept per process and the rows are read once. The key includes the creation
        time because a deleted chart's id can be used again.
        """
        key = (self.id, self.created_at)
        cached = _LIMITS_BY_CHART.get(key)
        if cached is None:
            cached = MappingProxyType(
                {(row.ami_percent, row.household_size): row.annual_income for row in self.limits}
            )
            if self.id is not None and cached:
                if len(_LIMITS_BY_CHART) >= _CACHED_CHARTS:
                    _LIMITS_BY_CHART.pop(next(iter(_LIMITS_BY_CHART)))
                _LIMITS_BY_CHART[key] = cached
        return cached

    def ami_percentages(self) -> list[int]:
        return sorted({row.ami_percent for row in self.limits})


class AmiChartLimit(db.Model):  # type: ignore[name-defined]
    __tablename__ = "ami_chart_limits"
    __table_args__ = (
        UniqueConstraint("chart_id", "ami_percent", "household_size", name="uq_ami_limit_cell"),
        CheckConstraint("household_size BETWEEN 1 AND 8", name="household_size_range"),
        CheckConstraint("annual_income > 0", name="income_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chart_id: Mapped[int] = mapped_column(ForeignKey("ami_charts.id", ondelete="CASCADE"))
    ami_percent: Mapped[int] = mapped_column(Integer)
    household_size: Mapped[int] = mapped_column(Integer)
    annual_income: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    chart: Mapped[AmiChart] = relationship(back_populates="limits")
