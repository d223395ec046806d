"""Changing a listing's dates after approval: the deadline extended, applications closed early
or reopened, the lottery postponed.

Staff make these changes; a partner of the listing asks for one and staff apply or refuse it,
the same checks running again when they apply it. Every change has a reason, keeps a row of
its own (``ListingDateChange``), a version of the listing and a line in the activity log, and
is announced to the listing's applicants and unfinished drafts once the transaction commits.

What the lottery was registered with stays as it was: the entrants are not reopened once
frozen, a lottery is not moved once its draw has begun, and no date moves so that the
lottery's day comes before the beacon round its registered randomness rule names (the first
round at or after the freeze plus an hour, and the freeze comes after the deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from housing.accounts.models import Role, User
from housing.accounts.permissions import NotAllowed
from housing.audit.services import record
from housing.db_types import AnySession
from housing.listings.management import get_manageable_listing, record_change
from housing.listings.models import (
    NOT_YET_APPROVED,
    DateChangeKind,
    DateChangeState,
    Listing,
    ListingDateChange,
    ListingStatus,
    ListingType,
    Phase,
)
from housing.lottery.access import locked_lottery
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import required_round, round_time
from housing.schedule.outbox import announce

MAX_REASON = 2000
# Past these the lottery has been drawn (or the listing filled first come, first served).
PAST_THE_DRAW = frozenset(
    {
        ListingStatus.LOTTERY_RUN,
        ListingStatus.RESULTS_PUBLISHED,
        ListingStatus.LEASE_UP,
        ListingStatus.DONE,
    }
)
DEADLINE_KINDS = frozenset(
    {DateChangeKind.EXTEND_DEADLINE, DateChangeKind.CLOSE_EARLY, DateChangeKind.REOPEN}
)
# The kinds that take a new date from the one asking (closing early takes the moment).
DATED_KINDS = frozenset(
    {DateChangeKind.EXTEND_DEADLINE, DateChangeKind.REOPEN, DateChangeKind.POSTPONE_LOTTERY}
)


class DateChangeRefused(Exception):
    """The change cannot be made; ``code`` says why, ``detail`` holds what the wording needs.
    Nothing was changed."""

    code = "refused"

    def __init__(self, code: str | None = None, **detail: Any) -> None:
        if code is not None:
            self.code = code
        super().__init__(self.code)
        self.detail = detail


class WrongState(DateChangeRefused):
    """The listing is not where this change applies: ``not_approved``, ``not_open``,
    ``not_closed``, ``not_a_lottery`` or ``finished``."""


class ReasonMissing(DateChangeRefused):
    """No reason was given (``reason_required``), or one too long (``reason_too_long``)."""

    code = "reason_required"


class DateInPast(DateChangeRefused):
    code = "in_past"


class NotLater(DateChangeRefused):
    """A deadline extended or a lottery postponed to a date no later than the present one."""

    code = "not_later"


class EntrantsFrozen(DateChangeRefused):
    """The entrant list is frozen: the deadline can no longer move."""

    code = "frozen"


class DrawStarted(DateChangeRefused):
    code = "draw_started"


class RulesFixed(DateChangeRefused):
    """The change would leave the lottery's day before the beacon round its registered
    randomness rule names (``detail``: ``rule``, ``earliest``, ``lottery_at``)."""

    code = "rules_fixed"


class RequestDecided(DateChangeRefused):
    """The request was already applied or refused."""

    code = "already_decided"


class ChangeNotFound(LookupError):
    pass


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ReasonMissing()
    if len(reason) > MAX_REASON:
        raise ReasonMissing("reason_too_long", maximum=MAX_REASON)
    return reason


def _lottery(session: AnySession, listing: Listing, *, lock: bool) -> Lottery | None:
    """The listing's lottery, locked when the change may be applied: a freeze or a draw takes
    the same lock, so neither can slip in between the checks and the change."""
    if lock:
        return locked_lottery(session, Lottery.listing_id == listing.id)
    return session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first()


def _draw_started(listing: Listing, lottery: Lottery | None) -> bool:
    if listing.status in PAST_THE_DRAW:
        return True
    if lottery is None:
        return False
    drawing = {LotteryStatus.DRAWING, LotteryStatus.DRAWN, LotteryStatus.PUBLISHED}
    return lottery.status in drawing or bool(lottery.runs)


def state_refusal(
    listing: Listing, lottery: Lottery | None, kind: DateChangeKind, now: datetime
) -> DateChangeRefused | None:
    """Why the listing, as it stands, does not allow this kind of change; None when it does
    (the new date is checked apart, in ``check_change``)."""
    if listing.status in NOT_YET_APPROVED:
        return WrongState("not_approved")
    if kind is DateChangeKind.POSTPONE_LOTTERY:
        if listing.listing_type is not ListingType.LOTTERY:
            return WrongState("not_a_lottery")
        if _draw_started(listing, lottery):
            return DrawStarted()
        return None
    if lottery is not None and lottery.status is not LotteryStatus.PREREGISTERED:
        return EntrantsFrozen()
    if listing.status in PAST_THE_DRAW:
        return WrongState("finished")
    phase = listing.phase(now)
    if kind is DateChangeKind.CLOSE_EARLY and phase is not Phase.OPEN:
        return WrongState("not_open")
    if kind is DateChangeKind.REOPEN and phase is not Phase.CLOSED:
        return WrongState("not_closed")
    return None


def earliest_draw(lottery: Lottery, due_at: datetime) -> datetime | None:
    """The first moment the lottery can be drawn by its registered randomness rule: when the
    beacon publishes the round the rule names for the freeze (or, not frozen yet, for a freeze
    at the deadline, the earliest there can be). None for a rule with no schedule."""
    rule = lottery.rules.get("beacon") or {}
    if not {"genesis_time", "period_seconds", "delay_seconds"} <= set(rule):
        return None
    frozen_at = lottery.frozen_at or due_at
    beacon_round = required_round(rule, frozen_at.isoformat())
    return datetime.fromtimestamp(round_time(rule, beacon_round), UTC)


@dataclass(frozen=True)
class Outcome:
    """The listing's deadline and lottery date after a change."""

    due_at: datetime
    lottery_at: datetime | None

    def value_of(self, kind: DateChangeKind) -> datetime | None:
        return self.lottery_at if kind is DateChangeKind.POSTPONE_LOTTERY else self.due_at


def current_value(listing: Listing, kind: DateChangeKind) -> datetime | None:
    return (
        listing.lottery_at
        if kind is DateChangeKind.POSTPONE_LOTTERY
        else listing.application_due_at
    )


def check_change(
    listing: Listing,
    lottery: Lottery | None,
    kind: DateChangeKind,
    new_value: datetime | None,
    now: datetime,
) -> Outcome:
    """The dates the change would give, or the refusal (``DateChangeRefused``)."""
    refusal = state_refusal(listing, lottery, kind, now)
    if refusal is not None:
        raise refusal
    old = current_value(listing, kind)
    if kind is DateChangeKind.CLOSE_EARLY:
        new_value = now
    if new_value is None or new_value < now or (new_value == now and kind in DATED_KINDS):
        raise DateInPast()
    if old is not None and kind in DATED_KINDS - {DateChangeKind.REOPEN} and new_value <= old:
        raise NotLater(current=old, kind=kind)
    outcome = (
        Outcome(listing.application_due_at, new_value)
        if kind is DateChangeKind.POSTPONE_LOTTERY
        else Outcome(new_value, listing.lottery_at)
    )
    if lottery is not None and outcome.lottery_at is not None:
        earliest = earliest_draw(lottery, outcome.due_at)
        if earliest is not None and outcome.lottery_at < earliest:
            raise RulesFixed(
                rule=str(lottery.rules.get("randomness_rule", "")),
                earliest=earliest,
                lottery_at=outcome.lottery_at,
                due_at=outcome.due_at,
            )
    return outcome


def _staff(actor: User) -> None:
    if actor.role is not Role.STAFF:
        raise NotAllowed()


def apply_change(
    session: AnySession,
    actor: User,
    listing_id: int,
    kind: DateChangeKind,
    new_value: datetime | None,
    reason: str,
    now: datetime,
) -> ListingDateChange:
    """Staff change the dates now, for the reason given."""
    _staff(actor)
    reason = _checked_reason(reason)
    listing = get_manageable_listing(session, actor, listing_id)
    change = ListingDateChange(
        listing_id=listing.id,
        kind=kind,
        state=DateChangeState.REQUESTED,
        old_value=current_value(listing, kind),
        new_value=new_value,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=now,
    )
    _apply(session, actor, listing, change, now)
    return change


def extend_deadline(
    session: AnySession, actor: User, listing_id: int, due_at: datetime, reason: str, now: datetime
) -> ListingDateChange:
    """A later deadline, while the listing is open, or closed before its entrants are frozen
    (which opens it again)."""
    return apply_change(
        session, actor, listing_id, DateChangeKind.EXTEND_DEADLINE, due_at, reason, now
    )


def close_early(
    session: AnySession, actor: User, listing_id: int, reason: str, now: datetime
) -> ListingDateChange:
    """The deadline is now; only while the listing is open."""
    return apply_change(session, actor, listing_id, DateChangeKind.CLOSE_EARLY, None, reason, now)


def reopen(
    session: AnySession, actor: User, listing_id: int, due_at: datetime, reason: str, now: datetime
) -> ListingDateChange:
    """Applications open again until a deadline in the future, before the entrants are frozen."""
    return apply_change(session, actor, listing_id, DateChangeKind.REOPEN, due_at, reason, now)


def postpone_lottery(
    session: AnySession,
    actor: User,
    listing_id: int,
    lottery_at: datetime,
    reason: str,
    now: datetime,
) -> ListingDateChange:
    """A later lottery date, before the draw has begun."""
    return apply_change(
        session, actor, listing_id, DateChangeKind.POSTPONE_LOTTERY, lottery_at, reason, now
    )


def _apply(
    session: AnySession, actor: User, listing: Listing, change: ListingDateChange, now: datetime
) -> None:
    """Check the change against the listing as it stands, then make it: the listing's dates,
    the change's row, a version and an activity entry, and the announcement."""
    lottery = _lottery(session, listing, lock=True)
    outcome = check_change(listing, lottery, change.kind, change.new_value, now)
    old = current_value(listing, change.kind)
    new = outcome.value_of(change.kind)
    detail: dict[str, Any] = {}
    if change.kind is DateChangeKind.POSTPONE_LOTTERY:
        listing.lottery_at = new
        if listing.results_at is not None and old is not None and new is not None:
            # The results follow the lottery by as long as they did.
            listing.results_at += new - old
            detail["results_at"] = listing.results_at.isoformat()
    else:
        listing.application_due_at = outcome.due_at
        if change.kind is not DateChangeKind.CLOSE_EARLY and listing.status is ListingStatus.CLOSED:
            listing.status = ListingStatus.OPEN
    change.old_value = old
    change.new_value = new
    change.state = DateChangeState.APPLIED
    change.decided_by_id = actor.id
    change.decided_at = now
    if change.id is None:
        session.add(change)
    session.flush()
    record_change(
        session,
        listing,
        actor,
        f"listing.{change.kind.value}",
        {
            "change": change.id,
            "from": old.isoformat() if old else None,
            "to": new.isoformat() if new else None,
            "reason": change.reason,
            "requested_by": change.requested_by_id,
            **detail,
        },
    )
    announce(session, change)


def request_change(
    session: AnySession,
    actor: User,
    listing_id: int,
    kind: DateChangeKind,
    new_value: datetime | None,
    reason: str,
    now: datetime,
) -> ListingDateChange:
    """A partner of the listing asks staff for a change. Refused now as staff would refuse to
    apply it now; checked again when they apply it."""
    if actor.role is not Role.PARTNER:
        raise NotAllowed()
    reason = _checked_reason(reason)
    listing = get_manageable_listing(session, actor, listing_id)
    check_change(listing, _lottery(session, listing, lock=False), kind, new_value, now)
    change = ListingDateChange(
        listing_id=listing.id,
        kind=kind,
        state=DateChangeState.REQUESTED,
        old_value=current_value(listing, kind),
        new_value=None if kind is DateChangeKind.CLOSE_EARLY else new_value,
        reason=reason,
        requested_by_id=actor.id,
        requested_at=now,
    )
    session.add(change)
    session.flush()
    record(
        session,
        actor,
        "listing.date_change_requested",
        "listing",
        listing.id,
        {
            "change": change.id,
            "kind": kind.value,
            "to": change.new_value.isoformat() if change.new_value else None,
            "reason": reason,
        },
    )
    return change


def _pending(session: AnySession, actor: User, change_id: int) -> ListingDateChange:
    _staff(actor)
    change = session.get(ListingDateChange, change_id)
    if change is None:
        raise ChangeNotFound(change_id)
    if change.state is not DateChangeState.REQUESTED:
        raise RequestDecided()
    return change


def approve_request(
    session: AnySession, actor: User, change_id: int, now: datetime
) -> ListingDateChange:
    """Staff apply a partner's request, if the listing still allows it."""
    change = _pending(session, actor, change_id)
    listing = get_manageable_listing(session, actor, change.listing_id)
    _apply(session, actor, listing, change, now)
    return change


def refuse_request(
    session: AnySession, actor: User, change_id: int, reason: str, now: datetime
) -> ListingDateChange:
    """Staff refuse a partner's request, saying why; the partner sees it."""
    change = _pending(session, actor, change_id)
    reason = _checked_reason(reason)
    change.state = DateChangeState.REFUSED
    change.refusal_reason = reason
    change.decided_by_id = actor.id
    change.decided_at = now
    session.flush()
    record(
        session,
        actor,
        "listing.date_change_refused",
        "listing",
        change.listing_id,
        {"change": change.id, "kind": change.kind.value, "reason": reason},
    )
    return change
