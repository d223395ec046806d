"""The periodic work runs from the project itself: each worker's scheduler keeps the sweep and
the resuming of draws going every 5 minutes, and where no worker runs, ``housing periodic``
(from a timer) runs every job that is due, once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing import jobs, worker
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery.draw import request_draw
from housing.lottery.freeze import freeze
from housing.lottery.models import LotteryStatus
from housing.notifications.models import MessageState, OutboundMessage
from housing.notifications.services import OUTBOX_KEY, queue_email
from tests import factories
from tests.applications.test_upload_expiry import worker_database
from tests.lottery.conftest import clock, lottery_listing, lottery_of, record_beacon
from tests.lottery.test_worker import own_database, worker_environment

__all__ = ["clock", "lottery_listing", "own_database", "worker_database"]  # fixtures, used by name

SWEEP = "housing.notifications.tasks.sweep"
RESUME = "housing.lottery.tasks.resume_stalled"


def test_the_sweep_and_the_resume_are_periodic_jobs_every_five_minutes():
    assert worker.PERIODIC[SWEEP] == worker.PERIODIC[RESUME] == 5 * 60


@pytest.mark.postgresql_only
def test_a_worker_schedules_the_sweep_and_the_resume_and_takes_only_its_queues(worker_database):
    app, url, prefix = worker_database
    with app.app_context():
        assert jobs.enqueue("housing.privacy.tasks.erase_due", queue_name=jobs.EXPORTS_QUEUE)
        assert jobs.enqueue("housing.alerts.tasks.erase_unconfirmed", queue_name=jobs.MAIL_QUEUE)
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst", "--queues", "mail"],
        cwd=PROJECT_ROOT,
        env=worker_environment(url, prefix),
        check=True,
        timeout=120,
    )
    with app.app_context():
        default = jobs.queue(jobs.DEFAULT_QUEUE)
        assert default is not None
        scheduled = {
            tuple(default.fetch_job(job_id).args)  # type: ignore[union-attr]
            for job_id in default.scheduled_job_registry.get_job_ids()
        }
        # A worker only for mail, and still the periodic jobs are scheduled (on the default
        # queue, for whichever worker takes it).
        assert {(SWEEP, 300), (RESUME, 300)} <= scheduled
        mail, exports = jobs.queue(jobs.MAIL_QUEUE), jobs.queue(jobs.EXPORTS_QUEUE)
        assert mail is not None and exports is not None
        assert mail.count == 0 and mail.finished_job_registry.count == 1
        assert [job.args[0] for job in exports.jobs] == ["housing.privacy.tasks.erase_due"]


def test_the_periodic_command_runs_what_is_due_once(
    app, runner, db_session, clock, lottery_listing, mailbox, monkeypatch, tmp_path
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    listing = lottery_listing
    # A draw whose worker died 20 minutes ago.
    staff = factories.UserFactory(staff=True)
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    lottery.draw_requested_at = utcnow() - timedelta(minutes=20)
    # A message whose job Redis lost 10 minutes ago.
    for message in db_session.scalars(select(OutboundMessage)):
        message.state = MessageState.SENT  # the setup's confirmations are not this test's
    with app.app_context():
        lost = queue_email(
            db_session,
            to="lost@example.org",
            template="confirm_email",
            language="en",
            context={"name": "L", "link": "https://example.org/confirm/l"},
        )
    lost.created_at = lost.next_attempt_at = utcnow() - timedelta(minutes=10)
    db_session.info.pop(OUTBOX_KEY, None)
    db_session.flush()

    first = runner.invoke(args=["periodic"])

    assert first.exit_code == 0, first.output
    assert f"{SWEEP}: done" in first.output and f"{RESUME}: done" in first.output
    assert f"{len(worker.PERIODIC)} periodic job(s) run, 0 failed." in first.output
    assert [str(message["To"]) for message in mailbox.messages] == ["lost@example.org"]
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWN
    with app.app_context():
        assert db.session.get(OutboundMessage, lost.id).state is MessageState.SENT

    # Nothing is due again so soon; ``--all`` runs everything anyway.
    again = runner.invoke(args=["periodic"])
    assert again.exit_code == 0, again.output
    assert "0 periodic job(s) run" in again.output
    forced = runner.invoke(args=["periodic", "--all"])
    assert f"{len(worker.PERIODIC)} periodic job(s) run, 0 failed." in forced.output
    assert len(mailbox.messages) == 1


def test_a_job_is_due_once_its_period_has_passed_give_or_take_a_minute():
    from housing.periodic import due

    periods = {"five": 300, "hourly": 3600}
    assert due(periods, {}, 10_000.0) == ["five", "hourly"]
    # A timer a little early still runs the five-minute job; the hourly one waits its hour.
    assert due(periods, {"five": 10_000.0, "hourly": 10_000.0}, 10_270.0) == ["five"]
    assert due(periods, {"five": 10_000.0, "hourly": 10_000.0}, 10_000.0 + 3545) == [
        "five",
        "hourly",
    ]
    assert due(periods, {"five": 10_000.0, "hourly": 10_000.0}, 10_100.0) == []
