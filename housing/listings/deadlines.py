"""Turning the dates and times a partner types, in the listing's time zone, into moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LAST_MOMENT = time(23, 59, 59, 999999)


def is_known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """A wall-clock date and time in the listing's zone, as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def due_moment(day: date, at: time | None, timezone: str) -> datetime:
    """A due date without a time ends at midnight in the listing's time zone."""
    return local_moment(day, at or LAST_MOMENT, timezone)


def local_parts(moment: datetime, timezone: str) -> tuple[date, time]:
    local = moment.astimezone(ZoneInfo(timezone))
    return local.date(), local.time().replace(tzinfo=None)
