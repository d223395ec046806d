"""Background jobs: rq workers when Redis is configured, otherwise run in-process.

Jobs are named by dotted path and take only ids, so they can be re-run safely. Callers enqueue
only after their transaction has committed.
"""

from __future__ import annotations

import importlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

# A queue for each kind of job, so that one kind never waits behind another's backlog. A worker
# takes the next job from the first of its queues that has one, in this order.
# Confirmations, account emails, messages staff send again: what a person is waiting for.
MAIL_QUEUE = "mail"
# Draws, new versions of the results and their files.
LOTTERY_QUEUE = "lottery"
EXPORTS_QUEUE = "exports"
# The periodic jobs and whatever names no kind.
DEFAULT_QUEUE = "default"
# A broadcast's steps (``notifications.lanes``): many, each short, and never on every worker.
BROADCASTS_QUEUE = "broadcasts"
QUEUES = (MAIL_QUEUE, LOTTERY_QUEUE, EXPORTS_QUEUE, DEFAULT_QUEUE, BROADCASTS_QUEUE)
# Jobs a transaction asked for, enqueued once it has committed (``enqueue_committed``).
AFTER_COMMIT_KEY = "jobs_after_commit"


def redis_connection() -> Redis | None:
    config = current_app.config["HOUSING"]
    if config.redis_url is None:
        return None
    connection = current_app.extensions.get("redis")
    if connection is None:
        connection = Redis.from_url(config.redis_url)
        current_app.extensions["redis"] = connection
    return connection


def redis_available() -> bool:
    """False only when Redis is configured and not answering (without Redis, jobs run here)."""
    connection = redis_connection()
    if connection is None:
        return True
    try:
        connection.ping()
    except RedisError:
        return False
    return True


def queue_names(chosen: str | None) -> tuple[str, ...]:
    """The queues a worker takes, in the order of ``QUEUES``: every one, or those named in
    ``chosen`` ("mail,exports"). Refuses (ValueError) a name that is not a queue."""
    if not chosen:
        return QUEUES
    names = {name.strip() for name in chosen.split(",") if name.strip()}
    unknown = sorted(names - set(QUEUES))
    if unknown or not names:
        raise ValueError(
            f"unknown queue {', '.join(unknown) or repr(chosen)}: choose among {', '.join(QUEUES)}"
        )
    return tuple(name for name in QUEUES if name in names)


def queue(name: str = DEFAULT_QUEUE) -> Queue | None:
    connection = redis_connection()
    if connection is None:
        return None
    prefix = current_app.config["HOUSING"].queue_prefix
    return Queue(f"{prefix}{name}", connection=connection)


def resolve(path: str) -> Any:
    module_name, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def enqueue(
    path: str,
    *args: Any,
    queue_name: str = DEFAULT_QUEUE,
    job_id: str | None = None,
    timeout: int | None = None,
    first: bool = False,
) -> bool:
    """Run ``path(*args)`` in the background; True when it was handed over or done.
    ``timeout`` (seconds) replaces rq's default of three minutes for long jobs; ``first`` puts
    the job ahead of those already waiting.

    ``queue_name`` names the job's kind (``QUEUES``); callers name it even when it is
    ``DEFAULT_QUEUE``.

    Without Redis the job runs here and now. With Redis down the job is not lost: what it
    would do is still recorded in the database, and the periodic sweep enqueues it again.
    """
    target = queue(queue_name)
    if target is None:
        resolve(path)(*args)
        return True
    try:
        target.enqueue(
            "housing.worker.run",
            path,
            *args,
            job_id=job_id,
            job_timeout=timeout,
            at_front=first,
        )
    except RedisError:
        log.warning("Redis unavailable; %s%r left for the sweep", path, args)
        return False
    return True


def enqueue_in(
    seconds: float,
    path: str,
    *args: Any,
    queue_name: str = DEFAULT_QUEUE,
    job_id: str | None = None,
    timeout: int | None = None,
) -> bool:
    """Have rq's scheduler put ``path(*args)`` on ``queue_name`` in ``seconds``. False without
    Redis, or when it did not answer: the caller decides what then."""
    target = queue(queue_name)
    if target is None:
        return False
    try:
        target.enqueue_in(
            timedelta(seconds=seconds),
            "housing.worker.run",
            path,
            *args,
            job_id=job_id,
            job_timeout=timeout,
        )
    except RedisError:
        log.warning("Redis unavailable; %s%r not scheduled", path, args)
        return False
    return True


def every(path: str, seconds: int) -> bool:
    """Have rq's scheduler run ``path()`` (through ``housing.worker.run_periodic``) at the
    start of the next period of ``seconds``, unless a worker already did: the first to claim
    the period in Redis schedules it. Each run calls this before it works, so the runs go on
    from period to period even when one is killed; every worker calls it as it starts, so the
    series starts again after Redis lost it. True when this call scheduled the run."""
    target = queue()
    if target is None:
        return False
    period = int(time.time()) // seconds + 1
    prefix = current_app.config["HOUSING"].queue_prefix
    claim = f"{prefix}periodic:{path}:{period}"
    try:
        if not target.connection.set(claim, 1, nx=True, ex=2 * seconds):
            return False
        target.enqueue_at(
            datetime.fromtimestamp(period * seconds, UTC),
            "housing.worker.run_periodic",
            path,
            seconds,
        )
    except RedisError:
        log.warning("Redis unavailable; %s not scheduled", path)
        return False
    return True


def enqueue_after_commit(
    session: Any,
    path: str,
    *args: Any,
    queue_name: str = DEFAULT_QUEUE,
    timeout: int | None = None,
) -> None:
    """Have ``path(*args)`` enqueued on ``queue_name`` when the session's transaction has
    committed: the boundary that commits calls ``enqueue_committed`` (``send_after_commit``
    does)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append((path, args, queue_name, timeout))


def enqueue_committed(session: Any) -> None:
    """Enqueue the jobs the committed transaction asked for. One Redis did not take is left
    for the sweep, which finds its work in the database."""
    for path, args, queue_name, timeout in session.info.pop(AFTER_COMMIT_KEY, []):
        enqueue(path, *args, queue_name=queue_name, timeout=timeout)
