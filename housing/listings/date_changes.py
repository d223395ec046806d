"""A listing's changes of dates after approval, as its pages read them: every change and
request on the dates page, partners' requests waiting for staff, and the changes applied for
the public page.

Making a change (checked against the lottery's registered rules, and announced to the
listing's applicants) is ``housing.schedule.services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from housing.db_types import AnySession
from housing.listings.models import DateChangeKind, DateChangeState, ListingDateChange


def changes_of(session: AnySession, listing_id: int) -> list[ListingDateChange]:
    """Every change and request of the listing, newest first."""
    return list(
        session.scalars(
            select(ListingDateChange)
            .where(ListingDateChange.listing_id == listing_id)
            .options(
                selectinload(ListingDateChange.requested_by),
                selectinload(ListingDateChange.decided_by),
            )
            .order_by(ListingDateChange.id.desc())
        )
    )


def pending_requests(session: AnySession, listing_id: int | None = None) -> list[ListingDateChange]:
    """Partners' requests staff have not decided, oldest first (all listings', or one's)."""
    query = (
        select(ListingDateChange)
        .where(ListingDateChange.state == DateChangeState.REQUESTED)
        .options(
            selectinload(ListingDateChange.listing), selectinload(ListingDateChange.requested_by)
        )
        .order_by(ListingDateChange.requested_at, ListingDateChange.id)
    )
    if listing_id is not None:
        query = query.where(ListingDateChange.listing_id == listing_id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class DateNotice:
    """A change the listing's public page tells residents about."""

    kind: DateChangeKind
    at: datetime
    old_value: datetime | None
    new_value: datetime | None
    reason: str


def public_notices(session: AnySession, listing_id: int) -> list[DateNotice]:
    """The changes applied to the listing's dates, newest first, as plain values (kept with
    the listing's copy for its pages)."""
    rows = session.execute(
        select(
            ListingDateChange.kind,
            ListingDateChange.decided_at,
            ListingDateChange.old_value,
            ListingDateChange.new_value,
            ListingDateChange.reason,
        )
        .where(
            ListingDateChange.listing_id == listing_id,
            ListingDateChange.state == DateChangeState.APPLIED,
        )
        .order_by(ListingDateChange.id.desc())
    ).all()
    return [
        DateNotice(row.kind, row.decided_at, row.old_value, row.new_value, row.reason)
        for row in rows
    ]
