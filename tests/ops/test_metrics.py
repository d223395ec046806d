"""``/metrics`` as Prometheus scrapes it, and as anyone else is refused it."""

from __future__ import annotations

import os
import secrets

import pytest
from prometheus_client.parser import text_string_to_metric_families

from housing import create_app, jobs
from housing.extensions import db
from housing.notifications.models import Channel, MessageState, OutboundMessage
from housing.ops.scrape import allowed
from tests.applications.helpers import open_listing, valid_answers
from tests.conftest import make_config
from tests.ops.helpers import empty

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")


def scrape(client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_and_submissions_are_counted(client, db_session):
    listing = open_listing()
    db_session.flush()
    before = scrape(client)
    assert client.get(f"/listings/{listing.id}").status_code == 200
    response = client.post(f"/api/v1/listings/{listing.id}/applications", json=valid_answers())
    assert response.status_code == 201, response.json
    after = scrape(client)

    route = "/listings/<int:listing_id>"
    labels = {"route": route, "method": "GET", "status": "200"}
    assert value(after, "housing_http_requests_total", **labels) == (
        value(before, "housing_http_requests_total", **labels) + 1
    )
    # The URL rule, never the path a visitor typed.
    routes = {dict(labels).get("route", "") for _name, labels in after}
    assert not any(part.isdigit() for route in routes for part in route.split("/"))
    duration = {"route": route, "method": "GET"}
    assert value(after, "housing_http_request_duration_seconds_count", **duration) == (
        value(before, "housing_http_request_duration_seconds_count", **duration) + 1
    )
    assert value(after, "housing_applications_submitted_total", channel="online") == (
        value(before, "housing_applications_submitted_total", channel="online") + 1
    )
    # No Redis configured: jobs run in-process, there are no queues to count.
    assert not any(key[0].startswith("housing_queue_") for key in after)


def message(number: int, state: MessageState) -> OutboundMessage:
    return OutboundMessage(
        idempotency_key=f"ops-{number}",
        channel=Channel.EMAIL,
        recipient=f"resident{number}@example.org",
        language="en",
        template="application_submitted",
        subject="Subject",
        body_text="Text",
        state=state,
    )


def test_the_outbox_backlog_is_counted_when_scraped(client, db_session):
    assert value(scrape(client), "housing_outbox_pending_messages") == 0
    db_session.add_all(message(number, MessageState.PENDING) for number in range(3))
    db_session.add(message(3, MessageState.SENT))
    db_session.add(message(4, MessageState.FAILED))
    db_session.flush()
    samples = scrape(client)
    assert value(samples, "housing_database_up") == 1
    assert value(samples, "housing_outbox_pending_messages") == 3


def test_other_addresses_are_told_there_is_no_such_page(client, db_session):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404
    assert "housing_" not in response.text


def test_allowed_addresses_and_networks():
    assert allowed("127.0.0.1", ("127.0.0.1", "::1"))
    assert allowed("::1", ("127.0.0.1", "::1"))
    assert allowed("10.1.2.3", ("10.0.0.0/8",))
    assert not allowed("10.1.2.3", ("127.0.0.1",))
    assert not allowed("not an address", ("0.0.0.0/0",))
    assert not allowed(None, ("0.0.0.0/0",))


@pytest.fixture
def redis_app(app, database_url, tmp_path):  # type: ignore[no-untyped-def]
    prefix = f"ops-{os.getpid()}-{secrets.token_hex(3)}-"
    application = create_app(
        make_config(database_url, tmp_path, redis_url=REDIS_URL, queue_prefix=prefix)
    )
    yield application
    with application.app_context():
        for name in jobs.QUEUES:
            queue = jobs.queue(name)
            assert queue is not None
            empty(queue)
        db.engine.dispose()


def test_queue_depths_and_failed_jobs_are_read_from_redis(redis_app):
    with redis_app.app_context():
        assert jobs.enqueue("housing.privacy.tasks.erase_due", queue_name=jobs.DEFAULT_QUEUE)
        assert jobs.enqueue("housing.privacy.tasks.erase_due", queue_name=jobs.DEFAULT_QUEUE)
        assert jobs.enqueue("housing.notifications.tasks.deliver_due", queue_name=jobs.MAIL_QUEUE)
        mail = jobs.queue(jobs.MAIL_QUEUE)
        assert mail is not None
        failed = mail.enqueue("housing.worker.run", "no.such.task")
        mail.failed_job_registry.add(failed, ttl=60, exc_string="gone")
    samples = scrape(redis_app.test_client())
    assert value(samples, "housing_redis_up") == 1
    # Every kind of job has its queue, listed even when empty.
    listed = {dict(labels)["queue"] for name, labels in samples if name == "housing_queue_jobs"}
    assert listed == {"mail", "lottery", "exports", "default", "broadcasts"}
    assert value(samples, "housing_queue_jobs", queue=jobs.DEFAULT_QUEUE) == 2
    assert value(samples, "housing_queue_jobs", queue=jobs.MAIL_QUEUE) == 2
    assert value(samples, "housing_queue_jobs", queue=jobs.EXPORTS_QUEUE) == 0
    assert value(samples, "housing_queue_failed_jobs", queue=jobs.DEFAULT_QUEUE) == 0
    assert value(samples, "housing_queue_failed_jobs", queue=jobs.MAIL_QUEUE) == 1


@pytest.mark.postgresql_only
def test_the_draw_job_is_timed(drawn_lottery):
    samples = scrape(drawn_lottery.app.test_client())
    assert value(samples, "housing_lottery_draw_duration_seconds_count") >= 1
    assert value(samples, "housing_lottery_draw_duration_seconds_sum") > 0
