"""Applications left out of a lottery as duplicates of another from the same household: what
each freeze left out, telling those households, and finding them again by lottery number.

Each freeze and re-freeze records in its audit-log entry which applications it left out, so the
record says what the entrants were frozen with (a decision changed after a freeze counts only
at the next one), and a household is told only when its place changes from one freeze to the
next: once when it is left out, once when a re-freeze brings it back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from housing.applications import outbox
from housing.applications.models import Application, ApplicationStatus
from housing.db_types import AnySession
from housing.lottery.models import LotteryLogEntry
from housing.typed_numbers import typed_number

# The key of a freeze's log entry that lists the applications it left out as duplicates.
RECORD_KEY = "left_out_as_duplicates"
FREEZE_ACTIONS = ("freeze", "refreeze")


def left_out_at_last_freeze(session: AnySession, listing_id: int) -> set[str]:
    """The applications the latest freeze of the listing left out as duplicates, as its log
    entry records them; none before the first freeze."""
    detail = session.scalar(
        select(LotteryLogEntry.detail)
        .where(
            LotteryLogEntry.listing_id == listing_id,
            LotteryLogEntry.action.in_(FREEZE_ACTIONS),
        )
        .order_by(LotteryLogEntry.id.desc())
        .limit(1)
    )
    recorded = (detail or {}).get(RECORD_KEY) or []
    return {str(public_id) for public_id in recorded}


def tell_left_out(
    session: AnySession,
    listing_id: int,
    *,
    left_out: set[str],
    before: set[str],
    entrants: Iterable[str],
) -> int:
    """Tell each household whose application this freeze leaves out (and the previous one did
    not) that it is not entered, and each one a re-freeze brings back that it is entered again.
    The messages go through the outbox, so nothing is sent unless the freeze commits. Returns
    how many applications were told."""
    newly_left_out = left_out - before
    back_in = (before - left_out) & set(entrants)
    if not newly_left_out and not back_in:
        return 0
    applications = session.scalars(
        select(Application)
        .where(
            Application.listing_id == listing_id,
            Application.public_id.in_(sorted(newly_left_out | back_in)),
        )
        .order_by(Application.id)
    ).all()
    for application in applications:
        outbox.queue_duplicate_entry(session, application, entered=application.public_id in back_in)
    return len(applications)


def left_out_by_number(session: AnySession, listing_id: int, lottery_number: str) -> bool:
    """Whether this lottery number is a submitted application that the latest freeze left out
    as a duplicate of another application from the same household."""
    public_id = session.scalar(
        select(Application.public_id).where(
            Application.listing_id == listing_id,
            Application.lottery_number == typed_number(lottery_number),
            Application.status == ApplicationStatus.SUBMITTED,
        )
    )
    return public_id is not None and public_id in left_out_at_last_freeze(session, listing_id)
