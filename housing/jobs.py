"""Background jobs: rq workers when Redis is configured, otherwise run in-process.

Jobs are named by dotted path and take only ids, so they can be re-run safely. Callers enqueue
only after their transaction has committed.
"""

from __future__ import annotations

import importlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
# Jobs a transaction asked for, enqueued once it has committed (``enqueue_committed``).
AFTER_COMMIT_KEY = "jobs_after_commit"
NOTIFICATIONS_QUEUE = "notifications"
QUEUES = (NOTIFICATIONS_QUEUE, DEFAULT_QUEUE)


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


def enqueue_after_commit(session: Any, path: str, *args: Any, timeout: int | None = None) -> None:
    """Have ``path(*args)`` enqueued when the session's transaction has committed: the
    boundary that commits calls ``enqueue_committed`` (``send_after_commit`` does)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append((path, args, timeout))


def enqueue_committed(session: Any) -> None:
    """Enqueue the jobs the committed transaction asked for. One Redis did not take is left
    for the sweep, which finds its work in the database."""
    for path, args, timeout in session.info.pop(AFTER_COMMIT_KEY, []):
        enqueue(path, *args, timeout=timeout)
