"""The draw as a background job."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from housing import jobs
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery.access import locked_lottery
from housing.lottery.bundle import build_bundle
from housing.lottery.corrections import revise
from housing.lottery.draw import EntrantFacts, draw_inputs, record_run, self_check
from housing.lottery.models import Lottery, LotteryStatus


def _progress(lottery_id: int, **steps: int) -> None:
    """Commit progress in a transaction of its own, so the staff page sees it now."""
    lottery = db.session.get(Lottery, lottery_id)
    if lottery is not None:
        lottery.progress = {**(lottery.progress or {}), **steps}
        db.session.commit()


def revise_results(lottery_id: int) -> None:
    """The job that writes a new version of the results after claims were decided."""
    revise(db.session, lottery_id, utcnow())
    db.session.commit()


def resume_draws(older_than: timedelta | None = None) -> int:
    """Hand every draw that was started and never finished to the queue again (its worker was
    killed), and every correction no version has yet; both jobs being idempotent, one still
    running elsewhere only costs time. With ``older_than``, only draws started at least that
    long ago."""
    query = select(Lottery.id).where(Lottery.status == LotteryStatus.DRAWING)
    if older_than is not None:
        query = query.where(Lottery.draw_requested_at <= utcnow() - older_than)
    started = db.session.scalars(query).all()
    pending = db.session.scalars(select(Lottery.id).where(Lottery.revision_pending)).all()
    db.session.rollback()
    return sum(
        jobs.enqueue("housing.lottery.tasks.run_draw", lottery_id) for lottery_id in started
    ) + sum(
        jobs.enqueue("housing.lottery.tasks.revise_results", lottery_id) for lottery_id in pending
    )


def run_draw(lottery_id: int, report: Callable[[str], None] | None = None) -> None:
    """Draw a lottery that staff started. Safe to re-run: the draw is a pure function of the
    frozen manifest and the recorded seed inputs, and a lottery that already has its run
    (another worker finished it) is left as it is, so retries and crashes never make a
    second run. ``report`` is told each step as it ends (the command line's progress bar)."""

    def done(step: str) -> None:
        if report is not None:
            report(step)

    lottery = db.session.get(Lottery, lottery_id)
    if lottery is None or lottery.status is not LotteryStatus.DRAWING:
        return
    assert lottery.manifest is not None and lottery.beacon is not None  # noqa: S101 - request_draw checked both
    listing_id = lottery.listing_id
    manifest = lottery.manifest
    inputs = draw_inputs(db.session, lottery)
    _progress(lottery_id, entrants_read=len(manifest))  # the session lets go of the manifest
    done("entrants_read")
    # Millions of small objects and none of them cyclic: the collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        bundle = build_bundle(entrants=manifest, **inputs)
        del manifest
        _progress(lottery_id, tickets_computed=len(bundle["ranking"]))
        done("tickets_computed")
        facts = EntrantFacts(db.session, listing_id)
        check = self_check(facts, bundle["ranking"])
        done("self_check")
        _record(lottery_id, bundle, check, facts)
    finally:
        if collecting:
            gc.enable()
    done("lists_written")


def _record(
    lottery_id: int, bundle: dict[str, Any], check: dict[str, Any], facts: EntrantFacts
) -> None:
    """Write the run in one transaction, unless another worker wrote it first."""
    locked = locked_lottery(db.session, Lottery.id == lottery_id)
    if locked is None or locked.status is not LotteryStatus.DRAWING:
        db.session.rollback()
        return
    record_run(db.session, locked, bundle, check, utcnow(), facts)
    locked.progress = {**(locked.progress or {}), "lists_written": len(bundle["lists"])}
    db.session.commit()
