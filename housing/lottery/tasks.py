"""The draw as a background job."""

from __future__ import annotations

from sqlalchemy import select

from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery import services
from housing.lottery.bundle import build_bundle
from housing.lottery.models import Lottery, LotteryStatus


def _progress(lottery_id: int, **steps: int) -> None:
    """Commit progress in a transaction of its own, so the staff page sees it now."""
    lottery = db.session.get(Lottery, lottery_id)
    if lottery is not None:
        lottery.progress = {**(lottery.progress or {}), **steps}
        db.session.commit()


def run_draw(lottery_id: int) -> None:
    """Draw a lottery that staff started. Safe to re-run: the draw is a pure function of the
    frozen manifest and the recorded seed inputs, and a lottery that already has its run
    (another worker finished it) is left as it is, so retries and crashes never make a
    second run."""
    lottery = db.session.get(Lottery, lottery_id)
    if lottery is None or lottery.status is not LotteryStatus.DRAWING:
        return
    assert lottery.manifest is not None and lottery.beacon is not None  # noqa: S101 - request_draw checked both
    listing_id = lottery.listing_id
    manifest = list(lottery.manifest)
    _progress(lottery_id, entrants_read=len(manifest))
    bundle = build_bundle(
        listing_id=str(listing_id),
        listing_name=lottery.listing.name,
        rules=lottery.rules,
        entrants=manifest,
        beacon=lottery.beacon,
        secrets=lottery.secrets,
    )
    _progress(lottery_id, tickets_computed=len(bundle["ranking"]))
    check = services.self_check(db.session, listing_id, bundle["ranking"])

    locked = db.session.scalars(
        select(Lottery).where(Lottery.id == lottery_id).with_for_update()
    ).one()
    if locked.status is not LotteryStatus.DRAWING:
        db.session.rollback()
        return
    services.record_run(db.session, locked, bundle, check, utcnow())
    locked.progress = {**(locked.progress or {}), "lists_written": len(bundle["lists"])}
    db.session.commit()
