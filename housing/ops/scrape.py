"""``/metrics``: this process's counts (or, in multiprocess mode, every process's on the host),
and what is read at the moment of the scrape: queue depths and failed jobs from Redis, the
outbox backlog from the database.

Only the addresses in ``METRICS_ALLOW`` may read it; everyone else is told there is no such
page, as if it did not exist.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from flask import Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from housing import jobs
from housing.config import Config
from housing.extensions import db
from housing.metrics import PROCESS_METRICS
from housing.notifications.models import MessageState, OutboundMessage


class LiveCounts(Collector):
    """Read when scraped, in the scraping request's application context."""

    def collect(self) -> Iterator[Metric]:
        yield from self._outbox()
        yield from self._queues()

    def _outbox(self) -> Iterator[Metric]:
        """``housing_database_up`` 0 instead of the backlog when the database does not answer:
        the counts of the process are still worth a scrape."""
        up = GaugeMetricFamily("housing_database_up", "1 when the database answered this scrape.")
        try:
            backlog = db.session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.state == MessageState.PENDING)
            )
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        outbox = GaugeMetricFamily(
            "housing_outbox_pending_messages", "Messages waiting in the outbox to be sent."
        )
        outbox.add_metric([], backlog or 0)
        yield from (up, outbox)

    def _queues(self) -> Iterator[Metric]:
        """Nothing without Redis (jobs run in-process); ``housing_redis_up`` 0 when it is
        configured and not answering."""
        if jobs.redis_connection() is None:
            return
        up = GaugeMetricFamily("housing_redis_up", "1 when Redis answered this scrape.")
        depth = GaugeMetricFamily(
            "housing_queue_jobs", "Jobs waiting in each rq queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "housing_queue_failed_jobs",
            "Jobs in each rq queue's failed registry.",
            labels=["queue"],
        )
        try:
            for name in jobs.QUEUES:
                queue = jobs.queue(name)
                assert queue is not None  # noqa: S101 - a connection was just found
                depth.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
        except RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (up, depth, failed)


def allowed(address: str | None, allow: tuple[str, ...]) -> bool:
    if address is None:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(entry, strict=False) for entry in allow)


def metrics() -> Response:
    config: Config = current_app.config["HOUSING"]
    if not allowed(request.remote_addr, config.metrics_allow):
        abort(404)
    registry = CollectorRegistry()
    if config.metrics_folder is not None:
        MultiProcessCollector(registry, path=str(config.metrics_folder))
    else:
        for metric in PROCESS_METRICS:
            registry.register(metric)
    registry.register(LiveCounts())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
