"""The staff report: the dashboard's figures for many listings at once.

Each figure is one GROUP BY over every matching listing, so the report sends the same handful
of statements for three listings or three hundred. "Applications" are, as on a listing's
dashboard, those submitted and not withdrawn; the figures for a listing equal its dashboard's.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import aliased

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    DuplicateDecision,
    DuplicateKey,
    PreferenceClaim,
    PreferenceDecision,
)
from housing.db_types import AnySession
from housing.leaseup.models import LeaseUpEntry, LeaseUpEvent
from housing.leaseup.statuses import FUNNEL, LeaseStatus
from housing.listings.models import PUBLIC_STATUSES, Listing, ListingStatus, Tenure, Unit
from housing.listings.preferences import Preference
from housing.lottery.verify import VETERAN_PREFIX


class DateBasis(enum.StrEnum):
    """What a report's date range is about."""

    DEADLINE = "deadline"  # listings whose application deadline falls in it
    SUBMITTED = "submitted"  # applications submitted in it


@dataclass(frozen=True)
class ReportFilters:
    """Which listings and applications a report counts. Days are whole days in ``timezone``
    (the site's), both ends included; no status means every published one."""

    timezone: str
    basis: DateBasis = DateBasis.DEADLINE
    first_day: date | None = None
    last_day: date | None = None
    status: ListingStatus | None = None
    tenure: Tenure | None = None

    def moments(self) -> tuple[datetime | None, datetime | None]:
        """The range as UTC moments: from the first day's midnight to the midnight after the
        last day (local, so a daylight-saving change is counted right)."""
        zone = ZoneInfo(self.timezone)
        start = None if self.first_day is None else datetime.combine(self.first_day, time(), zone)
        end = (
            None
            if self.last_day is None
            else datetime.combine(self.last_day + timedelta(days=1), time(), zone)
        )
        return start, end


@dataclass(frozen=True)
class Figures:
    """One listing's numbers, or the sum of several listings'."""

    submitted: int = 0
    online: int = 0
    paper: int = 0
    possible_duplicates: int = 0
    left_out: int = 0
    units: int = 0
    in_lease_up: int = 0
    leases_signed: int = 0

    @property
    def eligible(self) -> int:
        return self.submitted - self.left_out

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{
                field.name: getattr(self, field.name) + getattr(other, field.name)
                for field in fields(self)
            }
        )


@dataclass(frozen=True)
class ListingRow:
    listing: Listing
    figures: Figures


@dataclass(frozen=True)
class PreferenceRow:
    """The claims to one result list: a preference, or its veteran list (``V-COP``, the
    claims made as veterans, decided on separately)."""

    code: str
    preference: Preference | None
    veteran: bool
    claims: int
    confirmed: int
    invalidated: int

    @property
    def undecided(self) -> int:
        return self.claims - self.confirmed - self.invalidated


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    listings: tuple[ListingRow, ...]
    languages: tuple[tuple[str, int], ...]
    channels: tuple[tuple[str, int], ...]
    preferences: tuple[PreferenceRow, ...]
    # Where households stand now, in the statuses' order; only statuses someone is in.
    lease_statuses: tuple[tuple[str, int], ...]
    # Households that reached each stage or went beyond it, as a listing's dashboard counts.
    funnel: tuple[tuple[str, int], ...]

    @property
    def totals(self) -> Figures:
        return sum((row.figures for row in self.listings), Figures())


def staff_report(session: AnySession, filters: ReportFilters) -> Report:
    """Every listing the filters choose, newest deadline first, with its figures."""
    chosen = _listing_conditions(filters)
    listings = list(
        session.scalars(
            select(Listing).where(*chosen).order_by(Listing.application_due_at.desc(), Listing.id)
        )
    )
    ids = select(Listing.id).where(*chosen)
    counted = _counted_applications(filters, ids)
    per_listing: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    languages: dict[str, int] = defaultdict(int)
    channels: dict[str, int] = defaultdict(int)
    for listing_id, channel, language, count in session.execute(
        select(Application.listing_id, Application.channel, Application.language, func.count())
        .where(*counted)
        .group_by(Application.listing_id, Application.channel, Application.language)
    ):
        per_listing[listing_id]["submitted"] += count
        per_listing[listing_id][ApplicationChannel(channel).value] += count
        languages[language] += count
        channels[ApplicationChannel(channel).value] += count
    for listing_id, units in session.execute(
        select(Unit.listing_id, func.sum(Unit.unit_count))
        .where(Unit.listing_id.in_(ids))
        .group_by(Unit.listing_id)
    ):
        per_listing[listing_id]["units"] = int(units or 0)
    for listing_id, flagged in _possible_duplicates(session, ids, counted):
        per_listing[listing_id]["possible_duplicates"] = int(flagged)
    for listing_id, left_out in _left_out(session, ids, filters).items():
        per_listing[listing_id]["left_out"] = left_out
    statuses: dict[LeaseStatus, int] = defaultdict(int)
    for listing_id, status, count in _lease_up_statuses(session, ids, filters):
        per_listing[listing_id]["in_lease_up"] += count
        if status is LeaseStatus.LEASE_SIGNED:
            per_listing[listing_id]["leases_signed"] += count
        statuses[status] += count

    rows = [
        ListingRow(
            listing,
            Figures(
                **{
                    field.name: int(per_listing[listing.id][field.name])
                    for field in fields(Figures)
                }
            ),
        )
        for listing in listings
    ]
    if filters.basis is DateBasis.SUBMITTED and (filters.first_day or filters.last_day):
        # Listings with nothing in the range add only empty rows.
        rows = [row for row in rows if row.figures.submitted or row.figures.in_lease_up]
    return Report(
        filters=filters,
        listings=tuple(rows),
        languages=tuple(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        channels=tuple((channel.value, channels[channel.value]) for channel in ApplicationChannel),
        preferences=_preference_rows(session, counted),
        lease_statuses=tuple(
            (status.value, statuses[status]) for status in LeaseStatus if statuses[status]
        ),
        funnel=_funnel(session, ids, filters),
    )


def _listing_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Listing.status == filters.status
        if filters.status is not None
        else Listing.status.in_(PUBLIC_STATUSES)
    ]
    if filters.tenure is not None:
        conditions.append(Listing.tenure == filters.tenure)
    if filters.basis is DateBasis.DEADLINE:
        start, end = filters.moments()
        # A deadline at midnight closes the day before it, as the listing's page says.
        if start is not None:
            conditions.append(Listing.application_due_at > start)
        if end is not None:
            conditions.append(Listing.application_due_at <= end)
    return conditions


def _submitted_in_range(filters: ReportFilters) -> list[ColumnElement[bool]]:
    if filters.basis is not DateBasis.SUBMITTED:
        return []
    start, end = filters.moments()
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(Application.submitted_at >= start)
    if end is not None:
        conditions.append(Application.submitted_at < end)
    return conditions


def _counted_applications(filters: ReportFilters, ids: Select[Any]) -> list[ColumnElement[bool]]:
    return [
        Application.listing_id.in_(ids),
        Application.status == ApplicationStatus.SUBMITTED,
        *_submitted_in_range(filters),
    ]


def _possible_duplicates(
    session: AnySession, ids: Select[Any], counted: Sequence[ColumnElement[bool]]
) -> Iterable[tuple[int, int]]:
    """Counted applications that share a duplicate key with another submitted application of
    their listing: the groups of ``housing.applications.services.shared_duplicate_keys``,
    for every listing at once."""
    shared = (
        select(DuplicateKey.listing_id, DuplicateKey.rule, DuplicateKey.match_key)
        .join(Application, Application.id == DuplicateKey.application_id)
        .where(DuplicateKey.listing_id.in_(ids), Application.status == ApplicationStatus.SUBMITTED)
        .group_by(DuplicateKey.listing_id, DuplicateKey.rule, DuplicateKey.match_key)
        .having(func.count() > 1)
        .subquery()
    )
    return session.execute(
        select(DuplicateKey.listing_id, func.count(func.distinct(DuplicateKey.application_id)))
        .join(Application, Application.id == DuplicateKey.application_id)
        .join(
            shared,
            and_(
                shared.c.listing_id == DuplicateKey.listing_id,
                shared.c.rule == DuplicateKey.rule,
                shared.c.match_key == DuplicateKey.match_key,
            ),
        )
        .where(*counted)
        .group_by(DuplicateKey.listing_id)
    ).all()


def _left_out(session: AnySession, ids: Select[Any], filters: ReportFilters) -> dict[int, int]:
    """Applications left out because staff kept another of the household's, as
    ``left_out_as_duplicates`` finds them: a decision holds while its group has exactly the
    members it was made for. One statement reads every such group's present members."""
    rows = session.execute(
        select(
            DuplicateDecision.listing_id,
            DuplicateDecision.id,
            DuplicateDecision.members,
            DuplicateDecision.kept,
            Application.public_id,
            Application.submitted_at,
        )
        .join(
            DuplicateKey,
            and_(
                DuplicateKey.listing_id == DuplicateDecision.listing_id,
                DuplicateKey.rule == DuplicateDecision.rule,
                DuplicateKey.match_key == DuplicateDecision.match_key,
            ),
        )
        .join(Application, Application.id == DuplicateKey.application_id)
        .where(
            DuplicateDecision.listing_id.in_(ids),
            DuplicateDecision.kept != "",
            Application.status == ApplicationStatus.SUBMITTED,
        )
    ).all()
    groups: dict[int, tuple[int, list[str], str, dict[str, datetime | None]]] = {}
    for listing_id, decision_id, members, kept, public_id, submitted_at in rows:
        group = groups.setdefault(decision_id, (listing_id, list(members or []), kept, {}))
        group[3][public_id] = submitted_at
    start, end = filters.moments() if filters.basis is DateBasis.SUBMITTED else (None, None)
    left_out: dict[int, set[str]] = defaultdict(set)
    for listing_id, members, kept, present in groups.values():
        if sorted(present) != members:
            continue  # the group changed since: the decision no longer holds
        left_out[listing_id].update(
            public_id
            for public_id, submitted_at in present.items()
            if public_id != kept and _within(submitted_at, start, end)
        )
    return {listing_id: len(found) for listing_id, found in left_out.items()}


def _within(moment: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    if moment is None:
        return False
    return (start is None or moment >= start) and (end is None or moment < end)


def _preference_rows(
    session: AnySession, counted: Sequence[ColumnElement[bool]]
) -> tuple[PreferenceRow, ...]:
    """Claims per preference with staff's decisions on them; claims made as veterans are
    also counted on their own, with the decisions on the veteran status (``V-`` codes)."""
    decision = aliased(PreferenceDecision)
    veteran_decision = aliased(PreferenceDecision)
    as_veteran = PreferenceClaim.veteran.is_(True)

    def tally(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    totals: Sequence[Any] = session.execute(
        select(
            PreferenceClaim.preference_code,
            func.count(),
            tally(decision.valid.is_(True)),
            tally(decision.valid.is_(False)),
            tally(as_veteran),
            tally(and_(as_veteran, veteran_decision.valid.is_(True))),
            tally(and_(as_veteran, veteran_decision.valid.is_(False))),
        )
        .join(Application, Application.id == PreferenceClaim.application_id)
        .outerjoin(
            decision,
            and_(
                decision.application_id == PreferenceClaim.application_id,
                decision.preference_code == PreferenceClaim.preference_code,
            ),
        )
        .outerjoin(
            veteran_decision,
            and_(
                veteran_decision.application_id == PreferenceClaim.application_id,
                veteran_decision.preference_code
                == VETERAN_PREFIX + PreferenceClaim.preference_code,
            ),
        )
        .where(*counted)
        .group_by(PreferenceClaim.preference_code)
    ).all()
    if not totals:
        return ()
    catalogue = {
        preference.code: preference
        for preference in session.scalars(
            select(Preference).where(Preference.code.in_([row[0] for row in totals]))
        )
    }
    rows: list[PreferenceRow] = []
    for code, claims, valid, invalid, veterans, veterans_valid, veterans_invalid in totals:
        preference = catalogue.get(code)
        if veterans:
            rows.append(
                PreferenceRow(
                    VETERAN_PREFIX + code,
                    preference,
                    True,
                    int(veterans),
                    int(veterans_valid),
                    int(veterans_invalid),
                )
            )
        rows.append(PreferenceRow(code, preference, False, int(claims), int(valid), int(invalid)))
    # By preference name, each veteran list just before its preference (as results list them).
    return tuple(
        sorted(
            rows,
            key=lambda row: (
                (row.preference.name if row.preference else row.code).casefold(),
                row.code.removeprefix(VETERAN_PREFIX),
                not row.veteran,
            ),
        )
    )


def _lease_up_statuses(
    session: AnySession, ids: Select[Any], filters: ReportFilters
) -> Iterable[tuple[int, LeaseStatus, int]]:
    return session.execute(
        select(LeaseUpEntry.listing_id, LeaseUpEntry.status, func.count())
        .join(Application, Application.id == LeaseUpEntry.application_id)
        .where(LeaseUpEntry.listing_id.in_(ids), *_submitted_in_range(filters))
        .group_by(LeaseUpEntry.listing_id, LeaseUpEntry.status)
    ).all()


def _funnel(
    session: AnySession, ids: Select[Any], filters: ReportFilters
) -> tuple[tuple[str, int], ...]:
    """The furthest funnel stage each household's status history reached, counted; summed
    over the listings it equals their dashboards' funnels (``lease_up_funnel``)."""
    stage = case(
        *((LeaseUpEvent.to_status == status.value, index) for index, status in enumerate(FUNNEL)),
        else_=None,
    )
    furthest = (
        select(func.max(stage).label("stage"))
        .join(Application, Application.id == LeaseUpEvent.application_id)
        .where(
            LeaseUpEvent.listing_id.in_(ids),
            LeaseUpEvent.kind == "status",
            *_submitted_in_range(filters),
        )
        .group_by(LeaseUpEvent.listing_id, LeaseUpEvent.application_id)
        .subquery()
    )
    counted: Sequence[Any] = session.execute(
        select(furthest.c.stage, func.count())
        .where(furthest.c.stage.is_not(None))
        .group_by(furthest.c.stage)
    ).all()
    reached = {int(stage_index): int(count) for stage_index, count in counted}
    return tuple(
        (status.value, sum(count for at, count in reached.items() if at >= index))
        for index, status in enumerate(FUNNEL)
    )
