"""Corrections after a draw: results retracted with a reason, and new versions written when
claims were decided after the draw. Earlier versions are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.listings.models import ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, get_lottery, locked_lottery
from housing.lottery.bundle import published_bundle, revised_bundle
from housing.lottery.draw import add_run, invalidations_of
from housing.lottery.models import Lottery, LotteryRun, LotteryStatus, RunKind
from housing.notifications.services import start_broadcast, withdraw_broadcasts


def retract(
    session: AnySession, listing_id: int, actor: User | None, now: datetime, *, reason: str
) -> LotteryRun:
    """Withdraw the latest results, with a reason shown beside them; they stay readable.
    The lottery goes back to frozen, to be re-frozen or drawn again."""
    reason = checked_reason(reason)
    lottery = get_lottery(session, listing_id, lock=True)
    run = lottery.current_run
    if lottery.status not in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED) or run is None:
        raise LotteryRefused("not_drawn")
    if lottery.status is LotteryStatus.PUBLISHED:
        # Results not yet sent stay unsent; everyone who was sent them hears why they went.
        withdraw_broadcasts(session, listing_id, "results_published")
        start_broadcast(
            session,
            key=f"retracted:{run.id}",
            listing_id=listing_id,
            template="results_retracted",
            context={"run_id": run.id, "reason": reason, "retracted_on": now.isoformat()},
        )
    for earlier in lottery.runs:  # the versions it replaced go with it
        if earlier.published_at is not None and earlier.retracted_at is None:
            earlier.retracted_at = now
            earlier.retraction_reason = reason
    run.retracted_at = now
    run.retraction_reason = reason
    lottery.status = LotteryStatus.FROZEN
    lottery.published_at = None
    lottery.self_check = None
    if lottery.listing.status in (ListingStatus.LOTTERY_RUN, ListingStatus.RESULTS_PUBLISHED):
        lottery.listing.status = ListingStatus.CLOSED
    log.append(
        session,
        "retract",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"run": run.number, "result_sha256": run.result_sha256, "reason": reason},
    )
    session.flush()
    return run


def revise(session: AnySession, lottery_id: int, now: datetime) -> LotteryRun | None:
    """Write a new version of the results with every claim decided since the last one (a
    job: at a million entrants it takes seconds). Decisions made while it runs set the flag
    again for the next job; with nothing new it writes nothing, so duplicated jobs are safe."""
    lottery = locked_lottery(session, Lottery.id == lottery_id)
    if lottery is None or not lottery.revision_pending:
        return None
    lottery.revision_pending = False
    if lottery.status not in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED):
        return None  # retracted meanwhile: the next draw takes the decisions in
    return _revise(session, lottery, None, now)


def _revise(
    session: AnySession, lottery: Lottery, actor: User | None, now: datetime
) -> LotteryRun | None:
    """A new version with the current invalidations. Its public record says only what kind of
    change it was; the reason, which may be about one household, stays in the log."""
    current = lottery.current_run
    assert current is not None  # noqa: S101 - a drawn lottery has a run
    previous = current.bundle  # holds the manifest too: no need to read the column again
    invalidations = invalidations_of(session, lottery.listing_id, previous["manifest"]["entrants"])
    if invalidations == previous.get("invalidations", []):
        return None
    bundle = revised_bundle(previous, invalidations, len(lottery.runs) + 1)
    publishing = lottery.status is LotteryStatus.PUBLISHED
    if publishing:
        bundle = published_bundle(bundle, *log.head_and_length(session))
    run = add_run(session, lottery, bundle, now, kind=RunKind.REVISION, reason="")
    detail: dict[str, Any] = {
        "run": run.number,
        "replaces": current.number,
        "result_sha256": run.result_sha256,
    }
    if publishing:
        run.published_at = now
        run.audit_log_head = bundle["audit_log"]["head"]
        run.audit_log_length = bundle["audit_log"]["length"]
        detail["published"] = True
    log.append(session, "revise", now, listing_id=lottery.listing_id, actor=actor, detail=detail)
    session.flush()
    return run
