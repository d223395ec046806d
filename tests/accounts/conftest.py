"""The portal's clock held still for throttle tests, and the portal run as in production (jobs
handed to rq on a real Redis) for the timing tests."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from redis import Redis

import housing.db_types
from housing import jobs
from housing.notifications.tasks import WAKE_KEY
from tests.lottery.drand_server import install
from tests.notifications.test_worker_delivery import REDIS_URL


class StillClock:
    """A wall clock that moves only when the test says so, so that waits of a few seconds are
    checked exactly, however slow the machine."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta) -> None:
        self.moment += by


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> StillClock:
    installed = StillClock()
    monkeypatch.setattr(housing.db_types, "datetime", install(installed))
    return installed


@pytest.fixture
def with_workers(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Redis]:
    """The portal configured with ``REDIS_URL``, as in production: jobs and deliveries go to rq
    queues of this test's own (no worker takes them), and are deleted afterwards."""
    prefix = f"accounts-{secrets.token_hex(4)}-"
    config = dataclasses.replace(app.config["HOUSING"], redis_url=REDIS_URL, queue_prefix=prefix)
    connection = Redis.from_url(REDIS_URL)
    monkeypatch.setitem(app.config, "HOUSING", config)
    monkeypatch.setitem(app.extensions, "redis", connection)
    try:
        yield connection
    finally:
        with app.app_context():
            for name in jobs.QUEUES:
                queue = jobs.queue(name)
                assert queue is not None
                queue.delete(delete_jobs=True)
        connection.delete(f"{prefix}{WAKE_KEY}")
        connection.close()
