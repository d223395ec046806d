"""Kinds of job on real rq workers, real Redis and a real SMTP server: a listing's results going
out to thousands keep neither an export from finishing on the second of two workers nor a
household's later messages from going out, and a household hears of its results before it is
invited to send documents."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from housing.applications.models import Application
from housing.applications.outbox import queue_documents_requested
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.exports import services as exports
from housing.exports import tasks as export_tasks
from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
from housing.extensions import db
from housing.lottery import result_files
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from housing.notifications.models import Broadcast
from housing.notifications.tasks import send_after_commit
from tests import factories
from tests.conftest import free_port
from tests.lottery.synthetic import seed_lottery
from tests.lottery.test_worker import children_of
from tests.notifications import test_worker_delivery as outbox

own_database = outbox.own_database
sink = outbox.sink

pytestmark = pytest.mark.postgresql_only


class SlowSink(outbox.Sink):
    """A peer that takes ``delay`` seconds over each message, as a busy relay does."""

    delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink() -> Iterator[SlowSink]:
    handler = SlowSink()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


def published_results(own: outbox.OwnDatabase, entrants: int) -> tuple[int, int]:
    """A drawn lottery of ``entrants`` with email addresses, its results published and their
    broadcast handed to the queue (nothing delivered yet): the listing's id and the broadcast's."""
    with own.app.app_context():
        lottery_id = seed_lottery(entrants, emails=True)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
        send_after_commit()
        broadcast_id = db.session.scalars(select(Broadcast.id)).one()
    return listing_id, broadcast_id


class Workers:
    """Workers that run until stopped, as a service manager keeps them."""

    def __init__(self, own: outbox.OwnDatabase, mail_port: int, count: int) -> None:
        self.log = (own.storage / "workers.log").open("w")
        self.processes = [
            subprocess.Popen(
                [outbox.WORKER[0], "-m", "housing.worker"],
                cwd=PROJECT_ROOT,
                env={
                    **outbox.worker_environment(own, mail_port),
                    "STORAGE_FOLDER": str(own.app.extensions["storage"].root),
                },
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for _ in range(count)
        ]
        self.path = own.storage / "workers.log"

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def tail(self) -> str:
        self.log.flush()
        return self.path.read_text()[-3000:]

    def stop(self) -> None:
        """Kill them and their work horses at once: the test is over, whatever they held."""
        for process in self.processes:
            horses = children_of(process.pid)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            for horse in horses:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(horse, signal.SIGKILL)
            process.wait(timeout=30)
        self.log.close()


def files_made(app) -> bool:  # type: ignore[no-untyped-def]
    """Whether the published results' files are made (by a lottery job, taken first)."""
    with app.app_context():
        db.session.remove()
        files = db.session.scalars(
            select(LotteryRun.files).where(LotteryRun.published_at.is_not(None))
        ).one()
        return all(name in (files or {}) for name in result_files.wanted_files())


def wait_for(condition, what: str, workers: Workers, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert workers.alive(), workers.tail()
        assert time.monotonic() < deadline, f"{what} did not happen: {workers.tail()}"
        time.sleep(0.05)


ENTRANTS = 2500
# Messages the broadcast may deliver between the export's request and its file being ready.
PROMPT = 800


def test_an_export_finishes_on_the_second_worker_while_a_broadcast_runs(own_database, slow_sink):
    app = own_database.app
    slow_sink.delay = 0.002
    listing_id, _broadcast_id = published_results(own_database, ENTRANTS)
    with app.app_context():
        staff = factories.UserFactory.build(staff=True)
        db.session.add(staff)
        db.session.commit()
        staff_id = staff.id

    workers = Workers(own_database, slow_sink.port, 2)
    try:
        # Once the published results' files are made, so that the second worker is free.
        wait_for(
            lambda: len(slow_sink.messages) >= 100 and files_made(app),
            "the broadcast's start",
            workers,
        )
        received_when_asked = len(slow_sink.messages)
        with app.app_context(), app.test_request_context():
            export = exports.request_export(
                db.session,
                listing_id,
                db.session.get(type(staff), staff_id),
                ExportKind.APPLICATIONS,
                ExportFormat.CSV,
                utcnow(),
            )
            db.session.commit()
            export_id = export.id
            assert export_tasks.start(export_id)

        def settled() -> bool:
            with app.app_context():
                db.session.remove()
                state = db.session.get(Export, export_id).state
                return state in (ExportState.DONE, ExportState.FAILED)

        wait_for(settled, "the export", workers)
        received_when_done = len(slow_sink.messages)
        with app.app_context():
            assert db.session.get(Export, export_id).state is ExportState.DONE
    finally:
        workers.stop()
    # The export started at once, beside the broadcast, rather than after the broadcast's
    # waiting jobs: it was ready to download while a few hundred messages went out, and the
    # broadcast was still going.
    assert received_when_done - received_when_asked < PROMPT, (
        received_when_asked,
        received_when_done,
    )
    assert received_when_done < ENTRANTS


def _is_results(message, broadcast_id: int) -> bool:  # type: ignore[no-untyped-def]
    return str(message["Message-ID"]).startswith(f"<b{broadcast_id}-")


INVITED = 300


def test_a_household_hears_its_results_before_its_invitation_and_no_one_waits_for_the_broadcast(
    own_database, sink
):
    app = own_database.app
    listing_id, broadcast_id = published_results(own_database, INVITED)
    with app.app_context():
        applications = db.session.scalars(
            select(Application).where(Application.listing_id == listing_id).order_by(Application.id)
        ).all()
        # The broadcast has not begun: their results are not even written yet.
        invited = [applications[-1], applications[INVITED // 2]]
        addresses = {str(a.submitted_answers["applicant"]["email"]) for a in invited}
        for application in invited:
            queue_documents_requested(
                db.session,
                application,
                link=f"https://example.org/documents/{application.public_id}",
                due_at=utcnow() + timedelta(days=10),
                note="",
            )
            db.session.commit()
            send_after_commit()

    outbox.run_worker(own_database, sink.port)

    received = [(str(m["To"]), _is_results(m, broadcast_id)) for m in sink.messages]
    assert len([r for r in received if r[1]]) == INVITED  # everyone, once
    for address in addresses:
        theirs = [is_results for to, is_results in received if to == address]
        # The results first, once; then the invitation.
        assert theirs == [True, False], (address, theirs)
        invitation = received.index((address, False))
        # Not held until the broadcast reached them in its turn.
        assert invitation < 10, invitation
