"""The outbox on real rq workers, real Redis and a real SMTP server, each test in a database of
its own (a worker is another process and sees only committed rows): results announced to many
applicants, submissions while Redis is away, and a worker killed in the middle of a batch."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from redis import Redis
from rq import worker_registration
from rq.job import Job
from sqlalchemy import func, select

from housing import create_app, jobs
from housing.applications.models import Application
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import LOCALE_CODES
from housing.lottery.models import Lottery
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from housing.notifications import lanes
from housing.notifications.models import Broadcast, MessageEvent, MessageState, OutboundMessage
from housing.notifications.services import OUTBOX_KEY, queue_email, resend
from housing.notifications.tasks import (
    STALE_SENDING,
    SWEEP_GRACE,
    send_after_commit,
    sweep,
)
from tests import factories
from tests.applications.helpers import name_for, open_listing, valid_answers
from tests.conftest import (
    RecordingHandler,
    create_postgres_database,
    drop_postgres_database,
    make_config,
)
from tests.lottery.synthetic import seed_lottery
from tests.lottery.test_worker import children_of

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")
# Nothing listens on port 1: Redis is "stopped", and says so at once.
STOPPED_REDIS_URL = "redis://127.0.0.1:1/0?socket_connect_timeout=0.2&socket_timeout=0.2"
DELIVER_BATCH = "housing.notifications.tasks.deliver_batch"
WRITE_BROADCAST = "housing.notifications.tasks.write_broadcast"
DRAIN = "housing.notifications.tasks.deliver_due"

pytestmark = pytest.mark.postgresql_only


# --- a database, queues and a mail server of the test's own ------------------------------------


@dataclass(frozen=True)
class OwnDatabase:
    app: Flask
    url: str
    prefix: str
    storage: Path


def forget_queues(prefix: str) -> None:
    """Delete this test's queues with every job they held or ran, the workers that served
    them (a killed one never says goodbye), and every other key under the prefix."""
    connection = jobs.redis_connection()
    assert connection is not None
    job_ids: set[str] = set()
    workers: set[str] = set()
    for name in jobs.QUEUES:
        queue = jobs.queue(name)
        assert queue is not None
        job_ids.update(queue.get_job_ids())
        for registry in (
            queue.started_job_registry,
            queue.finished_job_registry,
            queue.failed_job_registry,
            queue.deferred_job_registry,
            queue.scheduled_job_registry,
            queue.canceled_job_registry,
        ):
            job_ids.update(registry.get_job_ids(cleanup=False))
        workers.update(worker_registration.get_keys(queue))
        queue.delete(delete_jobs=True)
    if workers:
        connection.srem(worker_registration.REDIS_WORKER_KEYS, *workers)
    doomed = set(workers)
    for key in connection.scan_iter():
        name = key.decode()
        if prefix in name or any(job_id in name for job_id in job_ids):
            doomed.add(name)
        elif name.startswith("rq:worker:") and prefix in queues_served(connection, key):
            # A worker that stopped keeps its description a while.
            doomed.add(name)
    if doomed:
        connection.delete(*doomed)


def queues_served(connection: Redis, worker_key: bytes) -> str:
    if connection.type(worker_key) != b"hash":
        return ""
    return (connection.hget(worker_key, "queues") or b"").decode()


def let_go(app: Flask) -> None:
    """Close what an app opened: its database connections and its Redis client."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    connection = app.extensions.pop("redis", None)
    if connection is not None:
        connection.close()


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[OwnDatabase]:
    name, url = create_postgres_database()
    prefix = f"outbox-{os.getpid()}-{name[-6:]}-"
    app = create_app(make_config(url, tmp_path, redis_url=REDIS_URL, queue_prefix=prefix))
    try:
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
        yield OwnDatabase(app, url, prefix, tmp_path)
    finally:
        try:
            with app.app_context():
                forget_queues(prefix)
        finally:
            let_go(app)
            drop_postgres_database(name)


@contextmanager
def another_app(own: OwnDatabase, redis_url: str) -> Iterator[Flask]:
    """A second process of the site on the same database, with Redis at ``redis_url``."""
    app = create_app(
        make_config(own.url, own.storage, redis_url=redis_url, queue_prefix=own.prefix)
    )
    try:
        yield app
    finally:
        let_go(app)


class Sink(RecordingHandler):
    """An SMTP server's handler that keeps every message and counts connections. Given
    ``hold_mail``, it holds its answer to that MAIL command (counted over all connections)
    until ``release`` is set, as a slow peer would: ``holding`` says it got there."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        self.mails = 0
        self.hold_mail: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.port = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        self.mails += 1
        if self.mails == self.hold_mail:
            self.holding.set()
            # Never for ever: a test that fails must not leave the server stuck.
            for _ in range(600):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def recipients(self) -> Counter[str]:
        return Counter(str(message["To"]) for message in self.messages)


@pytest.fixture
def sink() -> Iterator[Sink]:
    handler = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


# --- workers ------------------------------------------------------------------------------------


def worker_environment(own: OwnDatabase, mail_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": own.url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": own.prefix,
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        "SECRET_KEY": "worker-test",
    }


WORKER = [sys.executable, "-m", "housing.worker", "--burst"]


def run_worker(own: OwnDatabase, mail_port: int) -> None:
    """One burst worker, until the queues are empty; every job it ran must have succeeded."""
    finished = subprocess.run(
        WORKER,
        cwd=PROJECT_ROOT,
        env=worker_environment(own, mail_port),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    with own.app.app_context():
        for name in jobs.QUEUES:
            queue = jobs.queue(name)
            assert queue is not None
            assert queue.count == 0, name
            failed = queue.failed_job_registry.get_job_ids()
            assert failed == [], f"{len(failed)} jobs failed: {errors_in(finished.stderr)}"


def errors_in(log: str) -> list[str]:
    """The distinct exceptions a worker's log reports, without their tracebacks."""
    return sorted(
        {line for line in log.splitlines() if re.match(r"[\w.]+(Error|Exception): ", line)}
    )


def jobs_that_ran(app: Flask) -> list[list[object]]:
    """The task and arguments of every job the queues finished, in no order."""
    ran: list[list[object]] = []
    with app.app_context():
        for name in jobs.QUEUES:
            queue = jobs.queue(name)
            assert queue is not None
            finished = Job.fetch_many(
                queue.finished_job_registry.get_job_ids(), connection=queue.connection
            )
            ran += [list(job.args) for job in finished if job is not None]
    return ran


def queued(app: Flask, name: str = jobs.MAIL_QUEUE) -> list[list[object]]:
    """The task and arguments of each job waiting in a queue, in order."""
    with app.app_context():
        queue = jobs.queue(name)
        assert queue is not None
        return [list(job.args) for job in queue.jobs]


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def states_of(ids: list[int]) -> dict[int, tuple[MessageState, int]]:
    rows = db.session.execute(
        select(OutboundMessage.id, OutboundMessage.state, OutboundMessage.attempts).where(
            OutboundMessage.id.in_(ids)
        )
    ).all()
    return {row.id: (row.state, row.attempts) for row in rows}


def events_of(message_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(MessageEvent.event)
            .where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.id)
        )
    )


# --- the tests ----------------------------------------------------------------------------------

ENTRANTS = 700
ENGLISH_SUBJECT = "Lottery results for Worker Court"


def test_results_for_many_applicants_go_out_in_batches_once_each(own_database, sink):
    app = own_database.app
    with app.app_context():
        lottery_id = seed_lottery(ENTRANTS, emails=True)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
        send_after_commit()
        broadcast_id = db.session.scalars(select(Broadcast.id)).one()
        applicants = {
            row.submitted_answers["applicant"]["email"]: (row.language, row.lottery_number)
            for row in db.session.execute(
                select(
                    Application.submitted_answers, Application.language, Application.lottery_number
                ).where(Application.listing_id == listing_id)
            )
        }
    assert len(applicants) == ENTRANTS
    # Publishing queues one step of the broadcast's lane, which writes the messages as it goes,
    # not one job per applicant; nothing waits in the fast lane.
    assert queued(app, jobs.BROADCASTS_QUEUE) == [[lanes.STEP, 0]]
    assert queued(app) == []

    run_worker(own_database, sink.port)

    # Everyone hears once, in their own language, with their own number.
    assert sink.recipients() == Counter(dict.fromkeys(applicants, 1))
    for message in sink.messages:
        language, lottery_number = applicants[str(message["To"])]
        assert message["Content-Language"] == language.replace("_", "-")
        if language == "en":
            assert message["Subject"] == ENGLISH_SUBJECT
        else:
            assert message["Subject"] != ENGLISH_SUBJECT, f"the {language} subject is English"
        assert lottery_number in plain_text(message), message["To"]
    assert {applicants[str(message["To"])][0] for message in sink.messages} == set(LOCALE_CODES)
    with app.app_context():
        counts = db.session.execute(
            select(OutboundMessage.state, OutboundMessage.attempts, func.count()).group_by(
                OutboundMessage.state, OutboundMessage.attempts
            )
        ).all()
        assert [tuple(row) for row in counts] == [(MessageState.SENT, 1, ENTRANTS)]
        message_ids = set(db.session.scalars(select(OutboundMessage.id)))
        broadcast = db.session.get(Broadcast, broadcast_id)
        assert broadcast.finished_at is not None
        assert broadcast.written == ENTRANTS
        last_application = db.session.scalar(
            select(func.max(Application.id)).where(Application.listing_id == listing_id)
        )
        assert broadcast.written_through == last_application

    # One lane (a single worker) of steps wrote and delivered everything, each step over one
    # SMTP connection; no other delivery job ran.
    ran = jobs_that_ran(app)
    steps = [args for args in ran if args[0] == lanes.STEP]
    assert steps and all(args == [lanes.STEP, 0] for args in steps)
    assert [args for args in ran if args[0] in (WRITE_BROADCAST, DELIVER_BATCH, DRAIN)] == []
    assert sink.connections == len(steps)
    assert len(message_ids) == ENTRANTS


def listing_in(own: OwnDatabase) -> int:
    """An open listing in the test's own database."""
    with own.app.app_context():
        factories.use_session(db.session)
        try:
            listing_id = int(open_listing().id)
            db.session.commit()
        finally:
            factories.use_session(None)
    return listing_id


SUBMITTERS = ("en", "es", "zh_Hant", "ar")


def test_with_redis_stopped_submissions_lose_no_notification(own_database, sink):
    listing_id = listing_in(own_database)

    numbers: dict[str, str] = {}
    with another_app(own_database, STOPPED_REDIS_URL) as stopped:
        client = stopped.test_client()
        for number, language in enumerate(SUBMITTERS):
            answers = valid_answers(language=language)
            email = f"redis-down-{number}@example.org"
            answers["applicant"].update(first_name=name_for(number), email=email)
            response = client.post(f"/api/v1/listings/{listing_id}/applications", json=answers)
            assert response.status_code == 201, response.text
            numbers[email] = response.json["application_number"]
        with stopped.app_context():
            confirmations = db.session.execute(
                select(OutboundMessage.id, OutboundMessage.recipient, OutboundMessage.state)
            ).all()
    assert sorted(row.recipient for row in confirmations) == sorted(numbers)
    assert {row.state for row in confirmations} == {MessageState.PENDING}
    # Nothing reached the real Redis, and nothing was delivered.
    assert queued(own_database.app) == []
    assert sink.messages == []

    with another_app(own_database, REDIS_URL) as restarted, restarted.app_context():
        # A message is left alone while its own job may still be on its way...
        assert sweep() == 0
        # ...and handed out once it is clearly lost.
        assert sweep(utcnow() + SWEEP_GRACE + timedelta(seconds=1)) == len(SUBMITTERS)
    assert queued(own_database.app) == [[DELIVER_BATCH, sorted(row.id for row in confirmations)]]

    run_worker(own_database, sink.port)

    assert sink.recipients() == Counter(dict.fromkeys(numbers, 1))
    for message in sink.messages:
        assert numbers[str(message["To"])] in plain_text(message)
    with own_database.app.app_context():
        assert set(states_of([row.id for row in confirmations]).values()) == {
            (MessageState.SENT, 1)
        }


def test_a_message_tried_again_goes_to_a_batch_job_at_once(own_database):
    """Even a broadcast's message, which the drain leaves to its broadcast's batch jobs."""
    with own_database.app.app_context():
        factories.use_session(db.session)
        try:
            staff = factories.UserFactory(staff=True)
            listing_id = open_listing().id
            db.session.commit()
        finally:
            factories.use_session(None)
        results = Broadcast(key="resend-test", listing_id=listing_id, template="results_published")
        db.session.add(results)
        db.session.flush()
        message = queue_email(
            db.session,
            to="again@example.org",
            template="confirm_email",
            language="en",
            context={"name": "A", "link": "https://example.org/a"},
        )
        message.broadcast_id = results.id
        message.state = MessageState.FAILED
        db.session.info.pop(OUTBOX_KEY, None)  # as if it had been written and had failed
        db.session.commit()

        message_id = message.id
        resend(db.session, message_id, staff)
        db.session.commit()
        send_after_commit()
    assert queued(own_database.app) == [[DELIVER_BATCH, [message_id]]]


def test_confirmations_written_while_redis_was_away_go_with_the_next_wake_up(own_database, sink):
    """Without waiting for the sweep: the first submission after Redis is back wakes a drain,
    and the drain sends everything due, the earlier confirmations too."""
    listing_id = listing_in(own_database)

    def submit(client, email: str) -> None:  # type: ignore[no-untyped-def]
        answers = valid_answers()
        answers["applicant"].update(email=email)
        response = client.post(f"/api/v1/listings/{listing_id}/applications", json=answers)
        assert response.status_code == 201, response.text

    with another_app(own_database, STOPPED_REDIS_URL) as stopped:
        for number in range(3):
            submit(stopped.test_client(), f"away-{number}@example.org")
    assert queued(own_database.app) == []

    submit(own_database.app.test_client(), "back@example.org")
    assert queued(own_database.app) == [[DRAIN]]
    run_worker(own_database, sink.port)

    expected = [f"away-{number}@example.org" for number in range(3)] + ["back@example.org"]
    assert sink.recipients() == Counter(dict.fromkeys(expected, 1))


MESSAGES = 300
HELD = 120


def test_a_worker_killed_mid_batch_sends_nothing_twice(own_database, sink):
    app = own_database.app
    sink.hold_mail = HELD
    with app.app_context():
        for number in range(MESSAGES):
            queue_email(
                db.session,
                to=f"killed-{number}@example.org",
                template="confirm_email",
                language=LOCALE_CODES[number % len(LOCALE_CODES)],
                context={"name": f"K{number}", "link": f"https://example.org/confirm/{number}"},
            )
        db.session.commit()
        send_after_commit()
        ids = sorted(db.session.scalars(select(OutboundMessage.id)))
        address = {
            row.id: row.recipient
            for row in db.session.execute(select(OutboundMessage.id, OutboundMessage.recipient))
        }
    assert queued(app) == [[DRAIN]]  # one job, which delivers them a batch at a time

    with (own_database.storage / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            WORKER,
            cwd=PROJECT_ROOT,
            env=worker_environment(own_database, sink.port),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            log.flush()
            reached = sink.holding.wait(timeout=60)
            assert reached, (own_database.storage / "worker.log").read_text()[-3000:]
            # The machine dies: the worker first (or it would start the next job), then the
            # work horse, which rq puts in a process group of its own.
            horses = children_of(worker.pid)
            os.killpg(worker.pid, signal.SIGKILL)
            for horse in horses:
                os.killpg(horse, signal.SIGKILL)
            assert horses, "the batch ran in no work horse"
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)

    # Everything before the held message went out and is recorded as sent; the held one is
    # "sending"; the rest never started.
    interrupted = ids[HELD - 1]
    assert sink.recipients() == Counter(address[i] for i in ids[: HELD - 1])
    with app.app_context():
        states = states_of(ids)
    assert [i for i in ids if states[i] == (MessageState.SENT, 1)] == ids[: HELD - 1]
    assert [i for i in ids if states[i] == (MessageState.SENDING, 1)] == [interrupted]
    assert [i for i in ids if states[i] == (MessageState.PENDING, 0)] == ids[HELD:]
    sink.release.set()

    with app.app_context():
        # The sweep gives the half-sent message back once it is stale, with the rest.
        later = utcnow() + STALE_SENDING + SWEEP_GRACE + timedelta(seconds=1)
        assert sweep(later) == MESSAGES - (HELD - 1)
    run_worker(own_database, sink.port)

    assert sink.recipients() == Counter(address.values())
    assert len({message["Message-ID"] for message in sink.messages}) == MESSAGES
    with app.app_context():
        states = states_of(ids)
        assert {states[i] for i in ids if i != interrupted} == {(MessageState.SENT, 1)}
        assert states[interrupted] == (MessageState.SENT, 2)
        assert events_of(interrupted) == ["interrupted", "sent"]
        assert events_of(ids[0]) == ["sent"]
