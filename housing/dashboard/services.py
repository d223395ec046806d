"""The dashboard's numbers: each one aggregate query, counted by the database.

"Applications" here are the ones submitted and not withdrawn; "eligible" ones are those less
the duplicates staff have left out of the lottery (DESIGN.md section 2). Nothing here reads
applications one by one.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, select

from housing.accounts.models import PartnerAssignment, Role, User
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    DuplicateDecision,
)
from housing.dashboard.charts import axis_ticks
from housing.db_types import AnySession
from housing.listings import management
from housing.listings.ami import AmiChart
from housing.listings.eligibility import MissingIncomeLimit, annual_income_limit
from housing.listings.models import PUBLIC_STATUSES, Listing, Unit
from housing.lottery.duplicate_decisions import left_out_as_duplicates

READERS = frozenset({Role.STAFF, Role.AUDITOR, Role.PARTNER})
# A listing open longer than this shows its last this-many days; earlier ones are summed.
MOST_DAYS = 92
MOST_LISTINGS = 100
# The AMI levels programs usually report on; a chart without two of them uses its own.
REPORTED_AMI_PERCENTS = (30, 50, 80, 100, 120)
MOST_AMI_BANDS = 6
UNKNOWN = -1


class ListingNotFound(LookupError):
    """No such listing, or not one this reader may see: the two look alike."""


def visible_listing(session: AnySession, user: User, listing_id: int) -> Listing:
    """Staff and auditors read every listing's dashboard; partners only their own listings'."""
    if user.role in (Role.STAFF, Role.AUDITOR):
        listing = session.get(Listing, listing_id)
        if listing is None:
            raise ListingNotFound(listing_id)
        return listing
    if user.role is Role.PARTNER:
        try:
            return management.get_manageable_listing(session, user, listing_id)
        except management.ListingNotFound:
            raise ListingNotFound(listing_id) from None
    raise ListingNotFound(listing_id)


@dataclass(frozen=True)
class ListingTotals:
    listing: Listing
    submitted: int
    left_out: int
    units: int

    @property
    def eligible(self) -> int:
        return self.submitted - self.left_out


def eligible_versus_units(session: AnySession, user: User) -> list[ListingTotals]:
    """Each published listing the reader may see, newest deadline first, with its eligible
    applications and its units."""
    query = (
        select(Listing)
        .where(Listing.status.in_(PUBLIC_STATUSES))
        .order_by(Listing.application_due_at.desc(), Listing.id)
        .limit(MOST_LISTINGS)
    )
    if user.role is Role.PARTNER:
        query = query.where(
            Listing.id.in_(
                select(PartnerAssignment.listing_id).where(PartnerAssignment.user_id == user.id)
            )
        )
    elif user.role not in READERS:
        return []
    listings = list(session.scalars(query))
    ids = [listing.id for listing in listings]
    if not ids:
        return []
    submitted = dict(
        session.execute(
            select(Application.listing_id, func.count())
            .where(
                Application.listing_id.in_(ids), Application.status == ApplicationStatus.SUBMITTED
            )
            .group_by(Application.listing_id)
        ).all()
    )
    units = dict(
        session.execute(
            select(Unit.listing_id, func.sum(Unit.unit_count))
            .where(Unit.listing_id.in_(ids))
            .group_by(Unit.listing_id)
        ).all()
    )
    # Only listings where staff kept one application of a household need the duplicate groups.
    with_left_out = set(
        session.scalars(
            select(DuplicateDecision.listing_id)
            .where(DuplicateDecision.listing_id.in_(ids), DuplicateDecision.kept != "")
            .distinct()
        )
    )
    return [
        ListingTotals(
            listing,
            int(submitted.get(listing.id, 0)),
            len(left_out_as_duplicates(session, listing.id)) if listing.id in with_left_out else 0,
            int(units.get(listing.id) or 0),
        )
        for listing in listings
    ]


@dataclass(frozen=True)
class StatusCounts:
    drafts: int
    submitted: int
    withdrawn: int
    left_out: int
    units: int

    @property
    def eligible(self) -> int:
        return self.submitted - self.left_out


def status_counts(session: AnySession, listing_id: int) -> StatusCounts:
    by_status = dict(
        session.execute(
            select(Application.status, func.count())
            .where(Application.listing_id == listing_id)
            .group_by(Application.status)
        ).all()
    )
    units = session.scalar(
        select(func.coalesce(func.sum(Unit.unit_count), 0)).where(Unit.listing_id == listing_id)
    )
    return StatusCounts(
        drafts=int(by_status.get(ApplicationStatus.DRAFT, 0)),
        submitted=int(by_status.get(ApplicationStatus.SUBMITTED, 0)),
        withdrawn=int(by_status.get(ApplicationStatus.WITHDRAWN, 0)),
        left_out=len(left_out_as_duplicates(session, listing_id)),
        units=int(units or 0),
    )


def _submitted_to(listing_id: int) -> ColumnElement[bool]:
    return and_(
        Application.listing_id == listing_id, Application.status == ApplicationStatus.SUBMITTED
    )


def _count_by(
    session: AnySession, expression: SQLColumnExpression[Any], listing_id: int
) -> dict[Any, int]:
    """Submitted applications counted by ``expression``. Grouping on a subquery's column lets
    PostgreSQL see that a CASE with bound values is the same in SELECT and GROUP BY."""
    inner = select(expression.label("bucket")).where(_submitted_to(listing_id)).subquery()
    rows = session.execute(
        select(inner.c.bucket, func.count().label("applications")).group_by(inner.c.bucket)
    )
    return {row.bucket: int(row.applications) for row in rows}


def by_language(session: AnySession, listing_id: int) -> list[tuple[str, int]]:
    """Languages the applications were made in, most used first."""
    counts = _count_by(session, Application.language, listing_id)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def by_channel(session: AnySession, listing_id: int) -> list[tuple[str, int]]:
    counts = _count_by(session, Application.channel, listing_id)
    return [(channel.value, counts.get(channel, 0)) for channel in ApplicationChannel]


def by_household_size(session: AnySession, listing_id: int) -> list[tuple[int | None, int]]:
    """Household sizes from smallest, with the applications that gave none last."""
    counts = _count_by(session, Application.household_size, listing_id)
    known = sorted((size, count) for size, count in counts.items() if size is not None)
    return known + ([(None, counts[None])] if None in counts else [])


@dataclass(frozen=True)
class DaySeries:
    """Applications per day of the listing's own calendar, from opening to the deadline."""

    days: tuple[tuple[date, int], ...]
    earlier: int
    after_deadline: int

    @property
    def total(self) -> int:
        return self.earlier + self.after_deadline + sum(count for _day, count in self.days)


def day_boundaries(listing: Listing, now: datetime) -> tuple[list[date], list[datetime]]:
    """The listing's local days in its window and the UTC moment each one ends.

    A day ends at the next local midnight, or at the deadline on the last day; daylight
    saving changes make some days 23 or 25 hours long, which is why each end is computed.
    """
    zone = ZoneInfo(listing.timezone)
    first = listing.application_open_at.astimezone(zone).date()
    # A deadline at local midnight closes the day before it.
    last = (listing.application_due_at - timedelta(microseconds=1)).astimezone(zone).date()
    if (last - first).days >= MOST_DAYS:
        shown_until = min(listing.application_due_at, max(now, listing.application_open_at))
        last = max(
            first, min(last, (shown_until - timedelta(microseconds=1)).astimezone(zone).date())
        )
        first = max(first, last - timedelta(days=MOST_DAYS - 1))
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    ends = [
        min(
            datetime.combine(day + timedelta(days=1), time(), tzinfo=zone),
            listing.application_due_at,
        )
        for day in days
    ]
    return days, ends


def applications_per_day(session: AnySession, listing: Listing, now: datetime) -> DaySeries:
    """One GROUP BY over a CASE that puts each submission into its local day: the same on
    PostgreSQL and SQLite, and exact across daylight-saving changes."""
    days, ends = day_boundaries(listing, now)
    zone = ZoneInfo(listing.timezone)
    start = max(
        listing.application_open_at,
        datetime.combine(days[0], time(), tzinfo=zone),
    )
    after = len(days)
    bucket = case(
        (Application.submitted_at.is_(None), UNKNOWN),
        (Application.submitted_at < start, UNKNOWN),
        *((Application.submitted_at < end, index) for index, end in enumerate(ends)),
        else_=after,
    )
    counts = _count_by(session, bucket, listing.id)
    return DaySeries(
        days=tuple((day, counts.get(index, 0)) for index, day in enumerate(days)),
        earlier=counts.get(UNKNOWN, 0),
        after_deadline=counts.get(after, 0),
    )


@dataclass(frozen=True)
class IncomeBands:
    """Applications by yearly income: as a share of the AMI limit for the household's size
    when the listing's chart allows it (``chart`` set, ``edges`` are AMI percentages), else
    in round dollar ranges (``edges`` are the ranges' upper ends)."""

    chart: AmiChart | None
    edges: tuple[int, ...]
    counts: tuple[int, ...]
    not_given: int

    @property
    def total(self) -> int:
        return sum(self.counts) + self.not_given


def listing_chart(session: AnySession, listing_id: int) -> AmiChart | None:
    """The AMI chart most of the listing's units use."""
    chart_id = session.scalar(
        select(Unit.ami_chart_id)
        .where(Unit.listing_id == listing_id)
        .group_by(Unit.ami_chart_id)
        .order_by(func.sum(Unit.unit_count).desc(), Unit.ami_chart_id)
        .limit(1)
    )
    return None if chart_id is None else session.get(AmiChart, chart_id)


def ami_band_edges(available: Sequence[int]) -> tuple[int, ...]:
    reported = tuple(percent for percent in REPORTED_AMI_PERCENTS if percent in available)
    if len(reported) >= 2:
        return reported
    return tuple(sorted(available)[:MOST_AMI_BANDS])


def by_income_band(
    session: AnySession, listing: Listing, household_sizes: Sequence[int | None]
) -> IncomeBands:
    sizes = sorted(size for size in household_sizes if size is not None and size >= 1)
    chart = listing_chart(session, listing.id)
    if chart is not None and sizes:
        edges = ami_band_edges(chart.ami_percentages())
        try:
            limits = {
                size: [annual_income_limit(chart.income_limits(), edge, size) for edge in edges]
                for size in sizes
            }
        except MissingIncomeLimit:
            limits = {}
        if edges and limits:
            return _ami_bands(session, listing.id, chart, edges, limits)
    return _dollar_bands(session, listing.id)


def _ami_bands(
    session: AnySession,
    listing_id: int,
    chart: AmiChart,
    edges: tuple[int, ...],
    limits: dict[int, list[Decimal]],
) -> IncomeBands:
    whens: list[tuple[ColumnElement[bool], int]] = [
        (Application.annual_income.is_(None), UNKNOWN),
        (Application.household_size.is_(None), UNKNOWN),
    ]
    for size, size_limits in limits.items():
        for index, limit in enumerate(size_limits):
            whens.append(
                (
                    and_(Application.household_size == size, Application.annual_income <= limit),
                    index,
                )
            )
    counts = _count_by(session, case(*whens, else_=len(edges)), listing_id)
    return IncomeBands(
        chart=chart,
        edges=edges,
        counts=tuple(counts.get(index, 0) for index in range(len(edges) + 1)),
        not_given=counts.get(UNKNOWN, 0),
    )


def _dollar_bands(session: AnySession, listing_id: int) -> IncomeBands:
    largest = session.scalar(
        select(func.max(Application.annual_income)).where(_submitted_to(listing_id))
    )
    edges = tuple(axis_ticks(float(largest or 0))[1:])
    whens: list[tuple[ColumnElement[bool], int]] = [
        (Application.annual_income.is_(None), UNKNOWN),
        *((Application.annual_income <= edge, index) for index, edge in enumerate(edges)),
    ]
    counts = _count_by(session, case(*whens, else_=len(edges) - 1), listing_id)
    return IncomeBands(
        chart=None,
        edges=edges,
        counts=tuple(counts.get(index, 0) for index in range(len(edges))),
        not_given=counts.get(UNKNOWN, 0),
    )


FUNNEL_PROVIDER = "housing.leaseup.services"


def lease_up_funnel(session: AnySession, listing_id: int) -> list[tuple[str, int]]:
    """Lease-up statuses and how many applicants are at each, in funnel order; empty until
    the lease-up package is installed."""
    try:
        provider = importlib.import_module(FUNNEL_PROVIDER)
    except ModuleNotFoundError as missing:
        if missing.name and FUNNEL_PROVIDER.startswith(missing.name):
            return []
        raise
    return [(str(status), int(count)) for status, count in provider.funnel(session, listing_id)]
