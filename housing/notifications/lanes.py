"""A broadcast's delivery, in lanes of short steps that never take every worker.

A results broadcast to half a million entrants is hours of one worker's time. Handed to the
queue as hundreds of batch jobs, it took every worker until the last one ran, and an export
asked for meanwhile waited for all of them. Here a broadcast is delivered by lanes: each lane
is a chain of steps, one job at a time (queued or running), each writing the broadcast's next
chunk when nothing written is left and delivering for at most STEP_MESSAGES messages or
STEP_SECONDS, then queueing the lane's next step on the broadcasts queue, which workers take
last. So a worker on a step is free again within seconds, and takes any job of another kind
waiting before the next step.

How many lanes run at once (``lane_count``) follows the workers alive on Redis: every worker
that takes broadcasts, but one, when the other kinds of job have no worker of their own. Two
workers that take every queue run one lane, and an export asked for meanwhile starts at once
on the other; a city that adds workers dedicated to broadcasts (``housing worker --queues
broadcasts``) gets a lane for each. The steps of every lane take their messages from one pool
(the broadcasts' pending messages, a group at a time, rows another step holds skipped), so
lanes never take the same message.

A lane is a key in Redis naming the job of its step, taken only if free, so that a lane has
one step at a time however many callers start lanes. A worker killed in a step leaves its lane
taken for LANE_SECONDS at most; the sweep starts it again after that. Without Redis a
broadcast is written and delivered at once, in the request or command that caused it.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from uuid import uuid4

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import get_current_job, worker_registration
from sqlalchemy import exists, select

from housing import jobs
from housing.db_types import AnySession, utcnow
from housing.extensions import db
from housing.notifications import broadcasts, order, tasks
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage

log = logging.getLogger(__name__)

STEP = f"{__name__}.deliver_broadcasts"
LANE_KEY = "broadcast-lane"
# A step hands on to the next step of its lane after this many messages or seconds (checked
# between groups), so that the worker it holds is soon free for a job of another kind.
STEP_MESSAGES = tasks.BATCH
STEP_SECONDS = 20
# Seconds a step may run (rq's timeout): its limits, and one group to a slow peer.
STEP_TIMEOUT = 5 * 60
# A lane whose step vanished with its worker is free again after this.
LANE_SECONDS = STEP_TIMEOUT


@dataclass(frozen=True)
class Step:
    # The step stopped at one of its limits (or for a waiting drain): there may be more.
    more: bool
    # Messages wait for an earlier message of their application that another job is sending.
    held: bool


def start() -> int:
    """Queue a step on every free lane, as many lanes as the workers allow; the number of
    steps queued. Without Redis, write and deliver every broadcast here and now."""
    connection = jobs.redis_connection()
    if connection is None:
        deliver_step(seconds=None, limit=None, gives_way=False)
        return 0
    started = 0
    try:
        for lane in range(lane_count(connection)):
            job_id = uuid4().hex
            if not connection.set(_key(lane), job_id, nx=True, ex=LANE_SECONDS):
                continue  # its step is queued or running
            if _queue_step(lane, job_id):
                started += 1
            else:
                connection.delete(_key(lane))
    except RedisError:
        log.warning("Redis unavailable; broadcasts left for the sweep")
    return started


def deliver_broadcasts(lane: int) -> None:
    """A step of a lane: deliver, then queue the lane's next step, or free the lane when no
    broadcast has anything left. Safe to run twice: messages are claimed before they are sent,
    and a step whose lane another step has taken over since ends with its own work."""
    connection = jobs.redis_connection()
    if connection is None:  # run in-process: finish here
        deliver_step(seconds=None, limit=None, gives_way=False)
        return
    job = get_current_job()
    own = job.id if job is not None else None
    if own is not None:
        with suppress(RedisError):
            # Its wait in the queue counted against the lane's time; this step holds it now.
            if connection.get(_key(lane)) == own.encode():
                connection.expire(_key(lane), LANE_SECONDS)
    step = deliver_step(seconds=STEP_SECONDS, limit=STEP_MESSAGES, gives_way=True)
    try:
        _hand_on(connection, lane, own, step)
    except RedisError:
        log.warning("Redis unavailable; broadcast lane %s left for the sweep", lane)


def _hand_on(connection: Redis, lane: int, own: str | None, step: Step) -> None:
    key = _key(lane)
    holder = connection.get(key)
    if holder is not None and own is not None and holder != own.encode():
        return  # the lane was given up for lost and another step holds it now
    if (step.more or step.held) and lane < lane_count(connection):
        job_id = uuid4().hex
        connection.set(key, job_id, ex=LANE_SECONDS)
        # Held messages are tried again in a moment, not in a loop.
        delay = 0 if step.more else tasks.HOLD_SECONDS
        if _queue_step(lane, job_id, delay):
            start()  # lanes that more workers allow now
            return
    connection.delete(key)
    # A broadcast that began while this step was deciding found its lane taken: look again.
    if step.more or work_left(db.session):
        start()


def _queue_step(lane: int, job_id: str, delay: float = 0) -> bool:
    if delay:
        return jobs.enqueue_in(
            delay,
            STEP,
            lane,
            queue_name=jobs.BROADCASTS_QUEUE,
            job_id=job_id,
            timeout=STEP_TIMEOUT,
        )
    return jobs.enqueue(
        STEP, lane, queue_name=jobs.BROADCASTS_QUEUE, job_id=job_id, timeout=STEP_TIMEOUT
    )


def _key(lane: int) -> str:
    return f"{current_app.config['HOUSING'].queue_prefix}{LANE_KEY}:{lane}"


def lane_count(connection: Redis | None = None) -> int:
    """Lanes that may run at once: a lane for every live worker that takes broadcasts, but
    one when some other kind of job has no live worker that does not take broadcasts (that
    one stays free for it). Always at least one."""
    connection = connection or jobs.redis_connection()
    if connection is None:
        return 1
    takers = _live_workers(connection, jobs.BROADCASTS_QUEUE)
    keep_one = False
    for name in jobs.QUEUES:
        if name == jobs.BROADCASTS_QUEUE:
            continue
        serving = _live_workers(connection, name)
        if serving & takers and not serving - takers:
            keep_one = True
    return max(1, len(takers) - (1 if keep_one else 0))


def _live_workers(connection: Redis, name: str) -> set[str]:
    """The workers registered on a queue whose record has not expired (a killed worker's
    registration outlives it until rq cleans it up)."""
    queue = jobs.queue(name)
    if queue is None:
        return set()
    keys = sorted(worker_registration.get_keys(queue))
    if not keys:
        return set()
    with connection.pipeline() as pipeline:
        for key in keys:
            pipeline.exists(key)
        alive = pipeline.execute()
    return {key for key, present in zip(keys, alive, strict=True) if present}


def deliver_step(*, seconds: float | None, limit: int | None, gives_way: bool) -> Step:
    """Deliver broadcasts' messages a group at a time, oldest broadcast first, writing the next
    chunk when no written message is left, until ``limit`` messages or ``seconds`` (between
    groups), until a drain waits (``gives_way``), or until there is nothing left."""
    session = db.session
    plain = session()
    expire = plain.expire_on_commit
    plain.expire_on_commit = False  # the groups' rows, listings and broadcasts stay loaded
    stop = time.monotonic() + seconds if seconds is not None else None
    handled = 0
    # Held for an earlier message of their application: not taken again in this step.
    held: set[int] = set()
    batch = tasks.Batch()
    try:
        with tasks.Channels() as channels, tasks.Outcomes(session) as outcomes:
            while True:
                if handled and (
                    (limit is not None and handled >= limit)
                    or (stop is not None and time.monotonic() >= stop)
                    or (gives_way and tasks.drain_waiting())
                ):
                    session.commit()
                    return Step(more=True, held=bool(held))
                group = _next_group(session, held)
                if not group:
                    session.commit()
                    if _write_next_chunk(session):
                        continue
                    return Step(more=False, held=bool(held))
                ordered = order.in_cause_order(session, group, utcnow())
                batch.deliver(channels, outcomes, ordered, ordered.messages)
                outcomes.commit()
                held |= ordered.held
                handled += len(group)
    finally:
        plain.expire_on_commit = expire


def _next_group(session: AnySession, held: set[int]) -> list[OutboundMessage]:
    """The next messages of the broadcasts' pool, locked; those another step holds locked are
    skipped, so two lanes never take the same ones."""
    query = select(OutboundMessage).where(
        OutboundMessage.broadcast_id.is_not(None),
        OutboundMessage.state == MessageState.PENDING,
        OutboundMessage.channel != Channel.LETTER,
        OutboundMessage.next_attempt_at <= utcnow(),
    )
    if held:
        query = query.where(OutboundMessage.id.not_in(sorted(held)))
    return list(
        session.scalars(
            query.order_by(OutboundMessage.id)
            .limit(tasks.CLAIM_GROUP)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


def _write_next_chunk(session: AnySession) -> bool:
    """Write the next chunk of the oldest broadcast not yet written (committed); False when
    every broadcast is."""
    unfinished = session.scalars(
        select(Broadcast.id).where(Broadcast.finished_at.is_(None)).order_by(Broadcast.id)
    ).all()
    for broadcast_id in unfinished:
        written = broadcasts.write_chunk(session, broadcast_id)
        session.commit()
        if written is not None:
            return True
    session.commit()
    return False


def work_left(session: AnySession) -> bool:
    """Whether a broadcast has messages due or not yet written."""
    due = exists().where(
        OutboundMessage.broadcast_id.is_not(None),
        OutboundMessage.state == MessageState.PENDING,
        OutboundMessage.channel != Channel.LETTER,
        OutboundMessage.next_attempt_at <= utcnow(),
    )
    unwritten = exists().where(Broadcast.finished_at.is_(None))
    found = bool(session.scalar(select(due | unwritten)))
    session.commit()
    return found
