"""Publishing a drawn version of the results, and the files kept for a published version."""

from __future__ import annotations

from datetime import datetime

from housing import jobs
from housing.accounts.models import User
from housing.db_types import AnySession
from housing.i18n import LOCALE_CODES
from housing.listings.models import ListingStatus
from housing.lottery import log, result_files
from housing.lottery.access import LotteryRefused, get_lottery
from housing.lottery.bundle import published_bundle
from housing.lottery.models import LotteryRun, LotteryStatus
from housing.lottery.verify import list_codes
from housing.lottery.wording import result_list_names
from housing.notifications.services import start_broadcast


def publish(session: AnySession, listing_id: int, actor: User | None, now: datetime) -> LotteryRun:
    """Publish the latest run; refused until the self-check passes."""
    lottery = get_lottery(session, listing_id, lock=True)
    run = lottery.current_run
    if lottery.status is LotteryStatus.PUBLISHED:
        raise LotteryRefused("already_published")
    if lottery.status is not LotteryStatus.DRAWN or run is None:
        raise LotteryRefused("not_drawn")
    if not (lottery.self_check or {}).get("passed"):
        log.append(
            session,
            "publish",
            now,
            listing_id=listing_id,
            actor=actor,
            detail={"refused": "self_check_failed", "run": run.number},
        )
        raise LotteryRefused("self_check_failed", logged=True)
    # The result hash covers the log's head and length as they stand before this entry, and
    # the publish entry below records that hash: log and bundle vouch for each other.
    head, length = log.head_and_length(session)
    run.bundle = published_bundle(run.bundle, head, length)
    run.result_sha256 = run.bundle["result_sha256"]
    run.audit_log_head, run.audit_log_length = head, length
    run.published_at = now
    lottery.status = LotteryStatus.PUBLISHED
    lottery.published_at = now
    lottery.listing.status = ListingStatus.RESULTS_PUBLISHED
    log.append(
        session,
        "publish",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"run": run.number, "result_sha256": run.result_sha256},
    )
    names = {code: result_list_names(lottery.listing, code) for code in LOCALE_CODES}
    start_broadcast(
        session,
        key=f"results:{run.id}",
        listing_id=listing_id,
        template="results_published",
        context={
            "run_id": run.id,
            # Each list's name in every language: each reader's message names it their way.
            "lists": [
                [list_code, {code: names[code].get(list_code, "") for code in names}]
                for list_code in list_codes(lottery.rules["preferences"])[:-1]
            ],
            "entrants": lottery.entrant_count,
            "published_on": now.isoformat(),
        },
    )
    # The bundle file and the PDFs, made once by a job rather than in readers' requests.
    jobs.enqueue_after_commit(
        session,
        result_files.WRITE_FILES,
        run.id,
        queue_name=jobs.LOTTERY_QUEUE,
        timeout=result_files.WRITE_FILES_TIMEOUT,
    )
    session.flush()
    return run
