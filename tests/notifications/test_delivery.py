"""Delivery through a real rq worker on real Redis, and what happens when Redis is away."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import delete

from housing import create_app, jobs
from housing.config import PROJECT_ROOT, MailConfig
from housing.db_types import utcnow
from housing.extensions import db
from housing.notifications import lanes, tasks
from housing.notifications.models import MessageState, OutboundMessage
from housing.notifications.services import queue_email
from housing.notifications.tasks import SWEEP_GRACE, deliver_message, send_after_commit, sweep
from tests.conftest import make_config

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def queued_app(database_url, tmp_path, smtp_server, app) -> Iterator[Flask]:
    """An app on the suite's database that hands jobs to Redis; rows it commits are removed."""
    prefix = f"test-{os.getpid()}-"
    application = create_app(
        make_config(
            database_url,
            tmp_path,
            redis_url=REDIS_URL,
            queue_prefix=prefix,
            mail=MailConfig(host="127.0.0.1", port=smtp_server[1]),
        )
    )
    yield application
    with application.app_context():
        db.session.execute(delete(OutboundMessage))
        db.session.commit()
        db.engine.dispose()
        for name in jobs.QUEUES:
            queue = jobs.queue(name)
            if queue is not None:
                queue.delete(delete_jobs=True)
        connection = jobs.redis_connection()
        assert connection is not None
        for key in connection.scan_iter(f"{prefix}*"):  # a drain's wake-up among them
            connection.delete(key)


def run_worker(database_url: str, port: int) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": f"test-{os.getpid()}-",
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(port),
        "SECRET_KEY": "worker-test",
    }
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        timeout=120,
    )


def new_message(to: str) -> int:
    message = queue_email(
        db.session,
        to=to,
        template="confirm_email",
        language="vi",
        context={"name": "Lan", "link": "https://example.org/x"},
    )
    db.session.commit()
    return message.id


def test_a_real_worker_delivers_once_even_when_the_job_runs_twice(
    queued_app, database_url, mailbox, smtp_server
):
    with queued_app.app_context():
        notifications = jobs.queue(jobs.MAIL_QUEUE)
        first = new_message("lan@example.org")
        send_after_commit()
        assert notifications.count == 1  # a drain is woken
        second = new_message("minh@example.org")
        send_after_commit()
        assert notifications.count == 1  # the waiting drain will find this one too
        assert jobs.enqueue(tasks.DRAIN, queue_name=jobs.MAIL_QUEUE)  # a duplicated job
        assert notifications.count == 2

    run_worker(database_url, smtp_server[1])

    assert sorted(m["To"] for m in mailbox.messages) == ["lan@example.org", "minh@example.org"]
    assert {m["Content-Language"] for m in mailbox.messages} == {"vi"}
    with queued_app.app_context():
        for message_id in (first, second):
            message = db.session.get(OutboundMessage, message_id)
            assert message.state is MessageState.SENT and message.attempts == 1
        # The drain that ran let the next message wake another.
        new_message("thu@example.org")
        send_after_commit()
        assert notifications.count == 1


def test_a_confirmation_does_not_wait_behind_a_broadcasts_steps(queued_app):
    with queued_app.app_context():
        mail = jobs.queue(jobs.MAIL_QUEUE)
        for lane in range(3):  # a listing's results on their way to every applicant
            assert jobs.enqueue(lanes.STEP, lane, queue_name=jobs.BROADCASTS_QUEUE)
        assert jobs.enqueue(tasks.SEND_BATCH, [1], queue_name=jobs.MAIL_QUEUE)  # a resend
        new_message("first@example.org")
        send_after_commit()
        # The drain waits first in the queue a worker takes first.
        assert [job.args[0] for job in mail.jobs] == [tasks.DRAIN, tasks.SEND_BATCH]
    assert jobs.queue_names(None)[0] == jobs.MAIL_QUEUE
    assert jobs.queue_names(None)[-1] == jobs.BROADCASTS_QUEUE


def test_with_redis_down_nothing_is_lost_and_the_sweep_sends_it_later(
    queued_app, database_url, mailbox, smtp_server, monkeypatch
):
    with queued_app.app_context():
        message_id = new_message("hoa@example.org")
        monkeypatch.setitem(
            queued_app.extensions,
            "redis",
            Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
        )
        assert (
            jobs.enqueue(
                "housing.notifications.tasks.deliver_message",
                message_id,
                queue_name=jobs.MAIL_QUEUE,
            )
            is False
        )
        assert db.session.get(OutboundMessage, message_id).state is MessageState.PENDING
        monkeypatch.delitem(queued_app.extensions, "redis")

        # The sweep leaves a message alone while its own job may still be on its way.
        assert sweep() == 0
        assert sweep(utcnow() + SWEEP_GRACE) == 1

    run_worker(database_url, smtp_server[1])
    assert [m["To"] for m in mailbox.messages] == ["hoa@example.org"]


def test_a_refused_address_is_marked_failed_not_retried(queued_app, mailbox):
    mailbox.refuse.add("bounce@example.org")
    with queued_app.app_context():
        message_id = new_message("bounce@example.org")
        deliver_message(message_id)
        message = db.session.get(OutboundMessage, message_id)
        assert message.state is MessageState.FAILED
        assert "550" in message.failure_reason
        deliver_message(message_id)
        assert db.session.get(OutboundMessage, message_id).attempts == 1


def test_an_unreachable_mail_server_is_retried_later(queued_app, monkeypatch):
    with queued_app.app_context():
        message_id = new_message("later@example.org")
        unreachable = dataclasses.replace(
            queued_app.config["HOUSING"], mail=MailConfig(host="127.0.0.1", port=1)
        )
        monkeypatch.setitem(queued_app.config, "HOUSING", unreachable)
        deliver_message(message_id)
        message = db.session.get(OutboundMessage, message_id)
        assert message.state is MessageState.PENDING
        assert message.attempts == 1
        assert message.next_attempt_at > message.created_at


def test_sign_in_limits_are_counted_in_redis_when_it_is_configured(queued_app):
    client = queued_app.test_client()
    page = client.get("/account/sign-in").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    statuses = [
        client.post(
            "/account/sign-in",
            data={"csrf_token": token, "email": "x@example.org", "password": "wrong password"},
        ).status_code
        for _ in range(11)
    ]
    assert statuses[-1] == 429
    # The limiter is one object per process; here its counters must be in the test's Redis.
    keys = list(Redis.from_url(REDIS_URL).scan_iter("LIMITS:LIMITER/*accounts.sign_in*"))
    assert keys, "the limiter should keep its counters in Redis"
    Redis.from_url(REDIS_URL).delete(*keys)
