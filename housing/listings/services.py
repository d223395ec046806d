"""Queries and domain operations on listings. They take a session, never touch ``request``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from housing.db_types import AnySession, UTCDateTime
from housing.listings import snapshots as snapshots_store
from housing.listings.eligibility import (
    Household,
    IncomeLimits,
    ListingResult,
    Occupancy,
    SeniorRequirement,
    UnitTerms,
    UnitType,
    check_listing,
)
from housing.listings.models import (
    CLOSED_STATUSES,
    PUBLIC_STATUSES,
    Listing,
    Phase,
    ReservedCommunity,
    Tenure,
    Unit,
    UnitStatus,
)
from housing.listings.preferences import ListingPreference
from housing.listings.snapshots import KEY_COLUMNS, Snapshot, keys_of, snapshots


class ListingNotFound(LookupError):
    """No listing with that id is visible to the public."""


class SortOrder:
    DEADLINE = "deadline"
    NAME = "name"
    ALL = (DEADLINE, NAME)


@dataclass(frozen=True)
class DirectoryFilters:
    tenure: Tenure | None = None
    unit_type: UnitType | None = None
    neighborhood: str | None = None
    accessible_only: bool = False
    phase: Phase | None = None
    sort: str = SortOrder.DEADLINE


# A moment as a bound parameter: a query built once for every request takes ``now`` when run.
When = datetime | ColumnElement[datetime]
NOW = bindparam("now", type_=UTCDateTime())


def _visible(now: When) -> Sequence[ColumnElement[bool]]:
    return (
        Listing.status.in_(PUBLIC_STATUSES),
        or_(Listing.publish_at.is_(None), Listing.publish_at <= now),
    )


def _phase_condition(phase: Phase, now: When) -> ColumnElement[bool]:
    window_statuses = PUBLIC_STATUSES - CLOSED_STATUSES
    if phase is Phase.CLOSED:
        return or_(Listing.status.in_(CLOSED_STATUSES), Listing.application_due_at <= now)
    if phase is Phase.UPCOMING:
        return and_(
            Listing.status.in_(window_statuses),
            Listing.application_open_at > now,
            Listing.application_due_at > now,
        )
    return and_(
        Listing.status.in_(window_statuses),
        Listing.application_open_at <= now,
        Listing.application_due_at > now,
    )


def _phase_rank(now: When) -> ColumnElement[int]:
    return case(
        (_phase_condition(Phase.OPEN, now), 0),
        (_phase_condition(Phase.UPCOMING, now), 1),
        else_=2,
    )


def _with_details(query: Select[Listing]) -> Select[Listing]:
    return query.options(
        # Chart limits are read once per process (AmiChart.income_limits), not per request.
        selectinload(Listing.units).selectinload(Unit.ami_chart),
        selectinload(Listing.preferences).selectinload(ListingPreference.preference),
    )


def directory_query(filters: DirectoryFilters, now: When) -> Select[Listing]:
    query = select(Listing).where(*_visible(now))
    if filters.tenure is not None:
        query = query.where(Listing.tenure == filters.tenure)
    if filters.neighborhood:
        query = query.where(Listing.neighborhood == filters.neighborhood)
    if filters.unit_type is not None:
        query = query.where(
            exists().where(Unit.listing_id == Listing.id, Unit.unit_type == filters.unit_type)
        )
    if filters.accessible_only:
        query = query.where(
            or_(
                Listing.reserved_community == ReservedCommunity.ACCESSIBLE_UNITS_ONLY,
                exists().where(Unit.listing_id == Listing.id, Unit.accessibility.is_not(None)),
            )
        )
    if filters.phase is not None:
        query = query.where(_phase_condition(filters.phase, now))
    if filters.sort == SortOrder.NAME:
        return query.order_by(Listing.name, Listing.id)
    return query.order_by(_phase_rank(now), Listing.application_due_at, Listing.id)


@dataclass(frozen=True)
class Page:
    listings: list[Listing]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def find_listings(
    session: AnySession,
    filters: DirectoryFilters,
    now: datetime,
    *,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    query = directory_query(filters, now)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(_with_details(query).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total, page, per_page)


@dataclass(frozen=True)
class SnapshotPage:
    """A page of the directory as kept copies (``snapshots``), with the same paging facts."""

    snapshots: list[Snapshot]
    total: int
    page: int
    per_page: int

    @property
    def listings(self) -> list[Listing]:
        return [snapshot.listing for snapshot in self.snapshots]

    pages = Page.pages
    has_next = Page.has_next
    has_previous = Page.has_previous


def find_snapshots(
    session: AnySession,
    filters: DirectoryFilters,
    now: datetime,
    *,
    page: int = 1,
    per_page: int = 20,
) -> SnapshotPage:
    """``find_listings`` reading only the ids and versions of the page's listings; the rest
    comes from the copies kept for those versions."""
    # Run on the session's connection: the ORM has nothing to do for a few plain columns.
    rows = (
        session.connection()
        .execute(
            _page_keys(filters),
            {"now": now, "per_page": per_page, "skipped": (page - 1) * per_page},
        )
        .all()
    )
    if rows:
        total = rows[0].total
    else:
        counted = select(func.count()).select_from(directory_query(filters, now).subquery())
        total = session.scalar(counted)
    return SnapshotPage(snapshots(session, keys_of(rows)), total or 0, page, per_page)


@lru_cache(maxsize=256)
def _page_keys(filters: DirectoryFilters) -> Select[int, datetime, int, int]:
    """A directory page's ids and versions, and how many listings match: built once for each
    combination of filters, run with ``now``."""
    return (
        directory_query(filters, NOW)
        .with_only_columns(*KEY_COLUMNS, func.count().over().label("total"))
        .limit(bindparam("per_page"))
        .offset(bindparam("skipped"))
    )


@lru_cache(maxsize=1)
def _open_keys() -> Select[int, datetime, int]:
    query = directory_query(DirectoryFilters(), NOW).where(
        or_(_phase_condition(Phase.OPEN, NOW), _phase_condition(Phase.UPCOMING, NOW))
    )
    return query.with_only_columns(*KEY_COLUMNS)


def open_snapshots(session: AnySession, now: datetime) -> list[Snapshot]:
    """Every public listing open or opening soon, in the directory's order (open ones first,
    then by deadline): what the estimator checks a household against."""
    return snapshots(
        session, keys_of(session.connection().execute(_open_keys(), {"now": now}).all())
    )


@lru_cache(maxsize=1)
def _listing_key() -> Select[int, datetime, int]:
    return select(*KEY_COLUMNS).where(Listing.id == bindparam("listing_id"), *_visible(NOW))


def public_snapshot(session: AnySession, listing_id: int, now: datetime) -> Snapshot:
    """A public listing for its page: whether it is public is asked now, the rest is the copy
    kept for its version."""
    row = (
        session.connection().execute(_listing_key(), {"listing_id": listing_id, "now": now}).first()
    )
    found = snapshots(session, keys_of([row])) if row is not None else []
    if not found:
        raise ListingNotFound(listing_id)
    return found[0]


def get_public_listing(session: AnySession, listing_id: int, now: datetime) -> Listing:
    query = _with_details(select(Listing).where(Listing.id == listing_id, *_visible(now)))
    listing = session.scalars(
        query.options(selectinload(Listing.events), selectinload(Listing.documents))
    ).first()
    if listing is None:
        raise ListingNotFound(listing_id)
    return listing


@lru_cache(maxsize=1)
def _neighborhoods() -> Select[str]:
    return select(Listing.neighborhood).where(*_visible(NOW)).distinct()


def public_neighborhoods(session: AnySession, now: datetime) -> list[str]:
    """The neighbourhoods of public listings, read at most every ``snapshots.KEEP_SECONDS``."""
    return snapshots_store.public_neighborhoods(
        session, lambda: sorted(session.scalars(_neighborhoods(), {"now": now}).all())
    )


def unit_terms(unit: Unit) -> UnitTerms:
    occupancy = None
    if unit.min_occupancy is not None or unit.max_occupancy is not None:
        standard = UnitTerms(unit.unit_type, unit.ami_percent).effective_occupancy
        occupancy = Occupancy(
            unit.min_occupancy or standard.minimum, unit.max_occupancy or standard.maximum
        )
    return UnitTerms(
        unit_type=unit.unit_type,
        ami_percent=unit.ami_percent,
        income_limits=unit.ami_chart.income_limits(),
        monthly_rent=unit.monthly_rent,
        rent_multiple=unit.rent_multiple,
        occupancy=occupancy,
        available=unit.status is UnitStatus.AVAILABLE,
        minimum_income=unit.minimum_income,
        minimum_ami_percent=unit.minimum_ami_percent,
    )


def senior_requirement(listing: Listing) -> SeniorRequirement | None:
    if listing.reserved_community is not ReservedCommunity.SENIOR:
        return None
    assert listing.senior_minimum_age is not None and listing.senior_rule is not None  # noqa: S101 - a check constraint guarantees it
    return SeniorRequirement(listing.senior_minimum_age, listing.senior_rule)


def listing_eligibility(listing: Listing, household: Household) -> ListingResult:
    """Check a household against every unit of a listing, each with its own AMI chart."""
    units = [unit_terms(unit) for unit in listing.units]
    return check_listing(household, units, senior_requirement(listing))


def income_limit_table(
    listing: Listing, terms: Sequence[UnitTerms] | None = None
) -> list[tuple[int, list[tuple[int, Decimal]]]]:
    """Rows of (household size, [(AMI %, annual limit)]) for the AMI levels the listing uses.
    ``terms``: the units' terms when they are at hand (a kept copy's)."""
    if terms is None:
        terms = [unit_terms(unit) for unit in listing.units]
    levels: dict[int, IncomeLimits] = {}
    for unit in terms:
        # A sale unit's floor set as an AMI percentage is read in the same table.
        for percent in (unit.ami_percent, unit.minimum_ami_percent):
            if percent is not None:
                levels.setdefault(percent, unit.income_limits)
    largest = max((unit.effective_occupancy.maximum for unit in terms), default=0)
    sizes = range(1, min(max(largest, 1), 8) + 1)
    return [
        (
            size,
            [
                (percent, limits[(percent, size)])
                for percent, limits in sorted(levels.items())
                if (percent, size) in limits
            ],
        )
        for size in sizes
    ]
