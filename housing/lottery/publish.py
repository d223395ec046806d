"""Publishing a drawn version of the results, and the files kept for a published version."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.i18n import LOCALE_CODES
from housing.listings.models import Listing, ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, get_lottery
from housing.lottery.models import LotteryRun, LotteryStatus
from housing.notifications.services import start_broadcast
from housing.storage import Storage, StorageError


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
    run.bundle = {**run.bundle, "audit_log_head": log.head(session)}
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
    names = {code: preference_names(lottery.listing, code) for code in LOCALE_CODES}
    start_broadcast(
        session,
        key=f"results:{run.id}",
        listing_id=listing_id,
        template="results_published",
        context={
            "run_id": run.id,
            # Each list's name in every language: each reader's message names it their way.
            "lists": [
                [entry["code"], {code: names[code].get(entry["code"], "") for code in names}]
                for entry in lottery.rules["preferences"]
            ],
            "entrants": lottery.entrant_count,
            "published_on": now.isoformat(),
        },
    )
    session.flush()
    return run


def preference_names(listing: Listing, language: str = "en") -> dict[str, str]:
    return {
        choice.preference.code: choice.preference.localized("name", language)
        for choice in listing.preferences
    }


def kept_file(
    session: AnySession,
    storage: Storage,
    run: LotteryRun,
    name: str,
    make: Callable[[], bytes],
    *,
    suffix: str,
) -> BinaryIO:
    """A published version's file (its bundle, a PDF), made on first request and kept in
    storage: a version never changes once published, and a million entrants take seconds to
    lay out. One request makes it; one arriving meanwhile waits on the row lock and then reads
    that copy. The caller commits."""
    for attempt in ("kept", "made meanwhile"):
        key = (run.files or {}).get(name)
        if key:
            try:
                return storage.open(key)
            except StorageError:
                pass  # made again below
        if attempt == "kept":
            session.scalars(
                select(LotteryRun)
                .where(LotteryRun.id == run.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
    data = make()
    run.files = {**(run.files or {}), name: storage.save(io.BytesIO(data), suffix=suffix)}
    session.flush()
    return io.BytesIO(data)
