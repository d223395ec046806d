"""Where a household stands in lease-up. Pure: no Flask, no database."""

from __future__ import annotations

import enum


class LeaseStatus(enum.StrEnum):
    PROCESSING = "processing"
    INVITED = "invited"
    DOCUMENTS_RECEIVED = "documents_received"
    APPROVED = "approved"
    LEASE_SIGNED = "lease_signed"
    APPEALED = "appealed"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    DISQUALIFIED = "disqualified"
    REMOVED = "removed"


# A household in one of these statuses holds a unit while their case is worked.
HOLDING = frozenset(
    {
        LeaseStatus.PROCESSING,
        LeaseStatus.INVITED,
        LeaseStatus.DOCUMENTS_RECEIVED,
        LeaseStatus.APPROVED,
        LeaseStatus.LEASE_SIGNED,
        LeaseStatus.APPEALED,
    }
)
# These are out: they hold nothing and are not offered a unit again.
OUT = frozenset(
    {
        LeaseStatus.WITHDRAWN,
        LeaseStatus.DECLINED,
        LeaseStatus.DISQUALIFIED,
        LeaseStatus.REMOVED,
    }
)
# A change to one of these needs a reason the household can be told.
NEEDS_REASON = frozenset({LeaseStatus.DISQUALIFIED, LeaseStatus.REMOVED})
# The household hears of a change to one of these.
ANNOUNCED = frozenset(
    {
        LeaseStatus.APPROVED,
        LeaseStatus.LEASE_SIGNED,
        LeaseStatus.WAITLISTED,
        LeaseStatus.DISQUALIFIED,
        LeaseStatus.REMOVED,
    }
)
# The stages of the funnel, in order; each counts the households that reached it or beyond.
FUNNEL = (
    LeaseStatus.PROCESSING,
    LeaseStatus.INVITED,
    LeaseStatus.DOCUMENTS_RECEIVED,
    LeaseStatus.APPROVED,
    LeaseStatus.LEASE_SIGNED,
)


def allowed_from(current: LeaseStatus | None) -> frozenset[LeaseStatus]:
    """The statuses a household may move to from where it stands. An appeal only follows a
    disqualification; anything else may be corrected, and the history keeps every step."""
    every = frozenset(LeaseStatus) - {LeaseStatus.APPEALED}
    if current is LeaseStatus.DISQUALIFIED:
        return every - {current} | {LeaseStatus.APPEALED}
    return every - {current} if current is not None else every
