"""The draw, a correction, and a published version's files, as background jobs."""

from __future__ import annotations

import gc
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from housing import jobs
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery import result_files
from housing.lottery.access import locked_lottery
from housing.lottery.bundle import build_bundle
from housing.lottery.corrections import revise
from housing.lottery.draw import draw_inputs, record_run, row_ids_of
from housing.lottery.freeze import frozen_manifest
from housing.lottery.models import Lottery, LotteryRun, LotteryStatus
from housing.metrics import DRAW_SECONDS

log = logging.getLogger(__name__)

# The first half of the two-number name of each PostgreSQL advisory lock a job holds; the
# second half is the lottery's or the run's id.
DRAW_LOCK = 0x4C4F5401
FILES_LOCK = 0x4C4F5402


@contextmanager
def claimed(namespace: int, object_id: int) -> Iterator[bool]:
    """Whether this job holds the work on ``object_id`` for as long as it runs: on PostgreSQL
    an advisory lock on a connection of its own, which a second job fails to take (it then
    returns at once) and which the server lets go when the holder ends, however it ends: its
    connection closes with the process, and keepalives close it within two minutes when the
    worker's machine is gone. SQLite (the embedded default) runs jobs in the process that asks
    for them, one at a time, and needs no claim."""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    connection = db.engine.connect()
    held = False
    try:
        connection.execute(
            text(
                "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; "
                "SET tcp_keepalives_count = 6"
            )
        )
        held = bool(
            connection.scalar(
                text("SELECT pg_try_advisory_lock(:namespace, :id)"),
                {"namespace": namespace, "id": object_id},
            )
        )
        connection.commit()  # the lock is the session's, not the transaction's
        yield held
    finally:
        try:
            if held:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:namespace, :id)"),
                    {"namespace": namespace, "id": object_id},
                )
                connection.commit()
        except SQLAlchemyError:
            # No pooled connection may keep the lock: closing this one lets it go.
            connection.invalidate()
        connection.close()


def _progress(lottery_id: int, **steps: int) -> None:
    """Commit progress in a transaction of its own, so the staff page sees it now."""
    lottery = db.session.get(Lottery, lottery_id)
    if lottery is not None:
        lottery.progress = {**(lottery.progress or {}), **steps}
        db.session.commit()


def revise_results(lottery_id: int) -> None:
    """The job that writes a new version of the results after claims were decided; one
    published at once gets its files made by the files job, handed over after the commit."""
    run = revise(db.session, lottery_id, utcnow())
    published = run.id if run is not None and run.published_at is not None else None
    db.session.commit()
    if published is not None:
        start_result_files(published)


def resume_draws(older_than: timedelta | None = None) -> int:
    """Hand every draw that was started and never finished to the queue again (its worker was
    killed), every correction no version has yet, and every published version whose files
    are not all made; each job being idempotent and claiming its work first, a duplicate of
    one still running elsewhere returns at once. With ``older_than``, only draws started at
    least that long ago."""
    query = select(Lottery.id).where(Lottery.status == LotteryStatus.DRAWING)
    if older_than is not None:
        query = query.where(Lottery.draw_requested_at <= utcnow() - older_than)
    started = db.session.scalars(query).all()
    pending = db.session.scalars(select(Lottery.id).where(Lottery.revision_pending)).all()
    unfiled = [
        run_id
        for run_id, files in db.session.execute(
            select(LotteryRun.id, LotteryRun.files).where(LotteryRun.published_at.is_not(None))
        )
        if any(name not in (files or {}) for name in result_files.wanted_files())
    ]
    db.session.rollback()
    return (
        sum(
            jobs.enqueue(
                "housing.lottery.tasks.run_draw", lottery_id, queue_name=jobs.LOTTERY_QUEUE
            )
            for lottery_id in started
        )
        + sum(
            jobs.enqueue(
                "housing.lottery.tasks.revise_results", lottery_id, queue_name=jobs.LOTTERY_QUEUE
            )
            for lottery_id in pending
        )
        + sum(start_result_files(run_id) for run_id in unfiled)
    )


# A draw started this long ago and still not finished has lost its worker.
RESUME_AFTER = timedelta(minutes=10)


def resume_stalled() -> int:
    """The periodic run of ``resume_draws``: only draws started at least RESUME_AFTER ago, so
    that one running now is not handed out again (which would cost its second job a query)."""
    return resume_draws(RESUME_AFTER)


def start_result_files(run_id: int) -> bool:
    """Hand a committed, published version to the job that makes its files; False when Redis
    did not take it (the sweep will)."""
    return jobs.enqueue(
        result_files.WRITE_FILES,
        run_id,
        queue_name=jobs.LOTTERY_QUEUE,
        timeout=result_files.WRITE_FILES_TIMEOUT,
    )


def write_result_files(run_id: int) -> None:
    """Make and store a published version's files (its bundle, then the PDF in each language)
    and record each on the version as soon as it is stored. Safe to re-run and to run twice:
    a file already recorded is not made again, a second job for the same version returns at
    once, and one that dies leaves the files it finished for the next to skip."""
    storage = current_app.extensions["storage"]
    with claimed(FILES_LOCK, run_id) as holding:
        if not holding:
            return
        for name in result_files.wanted_files():
            run = db.session.get(LotteryRun, run_id, populate_existing=True)
            if run is None or run.published_at is None:
                db.session.rollback()
                return
            kept = result_files.stored_file(storage, run, name)
            if kept is not None:
                kept.close()
                db.session.rollback()
                continue
            with tempfile.TemporaryFile() as made:
                result_files.write_file(db.session, run, name, made)
                made.seek(0)
                key = storage.save(
                    made, suffix=".json" if name == result_files.BUNDLE_FILE else ".pdf"
                )
            result_files.record_file(db.session, storage, run_id, name, key)
            db.session.commit()


def run_draw(lottery_id: int, report: Callable[[str], None] | None = None) -> None:
    """Draw a lottery that staff started. Safe to re-run: the draw is a pure function of the
    frozen manifest and the recorded seed inputs, and a lottery that already has its run
    (another worker finished it) is left as it is, so retries and crashes never make a
    second run. The draw is claimed before anything is read: a duplicate job (a retry, the
    sweep, a second worker's start) finds it held and returns without computing it again.
    ``report`` is told each step as it ends (the command line's progress bar)."""

    with claimed(DRAW_LOCK, lottery_id) as holding:
        if holding:
            with DRAW_SECONDS.time():
                _draw(lottery_id, report)


def _draw(lottery_id: int, report: Callable[[str], None] | None) -> None:
    def done(step: str) -> None:
        if report is not None:
            report(step)

    # Read after the claim: a job that held it until a moment ago may have finished.
    lottery = db.session.get(Lottery, lottery_id, populate_existing=True)
    if lottery is None or lottery.status is not LotteryStatus.DRAWING:
        db.session.rollback()
        return
    # Millions of small objects and none of them cyclic: the collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _draw_and_record(lottery, done)  # its objects all go as it returns, before the collector
    finally:
        if collecting:
            gc.enable()
    # The self-check is counted while the ranks are written, in their transaction.
    done("lists_written")
    done("self_check")


def _draw_and_record(lottery: Lottery, done: Callable[[str], None]) -> None:
    """Read the frozen entrants, draw, and write the run: the millions of objects this makes
    are held here only."""
    assert lottery.manifest_sha256 is not None and lottery.beacon is not None  # noqa: S101 - request_draw checked both
    lottery_id, listing_id = lottery.id, lottery.listing_id
    manifest = frozen_manifest(db.session, lottery)
    inputs = draw_inputs(db.session, lottery, manifest.entrants)
    _progress(lottery_id, entrants_read=len(manifest.entrants))
    done("entrants_read")
    bundle = build_bundle(
        entrants=manifest.entrants,
        frozen_manifest=True,
        manifest_sha256=manifest.sha256,
        **inputs,
    )
    _progress(lottery_id, tickets_computed=len(bundle["ranking"]))
    done("tickets_computed")
    row_ids = row_ids_of(db.session, listing_id)
    _record(lottery_id, bundle, row_ids, manifest.text)


def _record(
    lottery_id: int, bundle: dict[str, Any], row_ids: dict[str, int], manifest_text: str | None
) -> None:
    """Write the run in one transaction, unless another worker wrote it first."""
    locked = locked_lottery(db.session, Lottery.id == lottery_id)
    if locked is None or locked.status is not LotteryStatus.DRAWING:
        db.session.rollback()
        return
    bind = db.session.get_bind()
    record_run(
        db.session,
        locked,
        bundle,
        utcnow(),
        row_ids,
        manifest_text=manifest_text,
        # The job's own session has only read the applications, all committed, which a
        # second connection sees as well; a caller's transaction running the job in-process
        # may hold applications only it sees.
        count_apart=bind if isinstance(bind, Engine) else None,
    )
    locked.progress = {**(locked.progress or {}), "lists_written": len(bundle["lists"])}
    db.session.commit()
