"""A broadcast's batches on a real rq worker, real Redis and a real SMTP server: a confirmation
written while they wait goes out before them, and a worker killed in the middle of a group it
claimed sends nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing import jobs
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import LOCALE_CODES
from housing.notifications import lanes, tasks
from housing.notifications.models import Broadcast, MessageState, OutboundMessage
from housing.notifications.services import OUTBOX_KEY, queue_email
from housing.notifications.tasks import BATCH, CLAIM_GROUP, STALE_SENDING, SWEEP_GRACE, sweep
from tests.lottery.test_worker import children_of
from tests.notifications import test_worker_delivery as outbox

# The outbox's worker tests lend their fixtures (a database, queues and a mail server of the
# test's own) and helpers.
own_database = outbox.own_database
sink = outbox.sink
DELIVER_BATCH = outbox.DELIVER_BATCH
DRAIN = outbox.DRAIN

pytestmark = pytest.mark.postgresql_only


def _write(own: outbox.OwnDatabase, count: int, prefix: str) -> list[int]:
    """Messages of a broadcast (which the drain leaves to its batch jobs), committed, their
    delivery not yet asked for."""
    listing_id = outbox.listing_in(own)
    with own.app.app_context():
        # Written already: the sweep has no chunk left to write.
        results = Broadcast(
            key=prefix, listing_id=listing_id, template="results_published", finished_at=utcnow()
        )
        db.session.add(results)
        db.session.flush()
        messages = [
            queue_email(
                db.session,
                to=f"{prefix}-{number}@example.org",
                template="confirm_email",
                language=LOCALE_CODES[number % len(LOCALE_CODES)],
                context={"name": f"B{number}", "link": f"https://example.org/confirm/{number}"},
            )
            for number in range(count)
        ]
        for message in messages:
            message.broadcast_id = results.id
        ids = [message.id for message in messages]
        db.session.info.pop(OUTBOX_KEY, None)
        db.session.commit()
    return ids


def test_a_confirmation_goes_out_before_the_broadcast_steps_already_waiting(
    own_database,
    sink,
):
    app = own_database.app
    broadcast = _write(own_database, 2 * BATCH + 10, "results")
    with app.app_context():
        assert lanes.start() == 1
    assert outbox.queued(app, jobs.BROADCASTS_QUEUE) == [[lanes.STEP, 0]]

    # A resident submits while the broadcast's batches wait: the request wakes a drain.
    with app.app_context():
        queue_email(
            db.session,
            to="confirmation@example.org",
            template="confirm_email",
            language="es",
            context={"name": "Rosa", "link": "https://example.org/confirm/rosa"},
        )
        db.session.commit()
        tasks.send_after_commit()
    assert outbox.queued(app) == [[DRAIN]]

    outbox.run_worker(own_database, sink.port)

    assert str(sink.messages[0]["To"]) == "confirmation@example.org"
    assert len(sink.messages) == len(broadcast) + 1
    assert sink.recipients()["confirmation@example.org"] == 1


HELD = CLAIM_GROUP + 20  # the worker dies sending the 20th message of its second group


def test_a_worker_killed_in_a_claimed_group_sends_nothing_twice(
    own_database,
    sink,
):
    app = own_database.app
    count = 3 * CLAIM_GROUP
    ids = sorted(_write(own_database, count, "killed"))
    with app.app_context():
        address = dict(
            db.session.execute(select(OutboundMessage.id, OutboundMessage.recipient)).all()
        )
        assert tasks.send(ids)
    assert outbox.queued(app) == [[DELIVER_BATCH, ids]]
    sink.hold_mail = HELD

    with (own_database.storage / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            outbox.WORKER,
            cwd=PROJECT_ROOT,
            env=outbox.worker_environment(own_database, sink.port),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            reached = sink.holding.wait(timeout=60)
            assert reached, (own_database.storage / "worker.log").read_text()[-3000:]
            horses = children_of(worker.pid)
            os.killpg(worker.pid, signal.SIGKILL)
            for horse in horses:
                os.killpg(horse, signal.SIGKILL)
            assert horses, "the batch ran in no work horse"
        finally:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)

    # Sent and marked: everything before the held message. Claimed and waiting for the sweep:
    # the held one and the rest of its group. Never touched: the groups after it.
    held = ids[HELD - 1]
    group_end = 2 * CLAIM_GROUP
    assert sink.recipients() == Counter(address[i] for i in ids[: HELD - 1])
    with app.app_context():
        states = outbox.states_of(ids)
    assert [i for i in ids if states[i] == (MessageState.SENT, 1)] == ids[: HELD - 1]
    assert [i for i in ids if states[i] == (MessageState.SENDING, 1)] == ids[HELD - 1 : group_end]
    assert [i for i in ids if states[i] == (MessageState.PENDING, 0)] == ids[group_end:]
    sink.release.set()

    with app.app_context():
        later = utcnow() + STALE_SENDING + SWEEP_GRACE + timedelta(seconds=1)
        assert sweep(later) == count - (HELD - 1)
    outbox.run_worker(own_database, sink.port)

    # Each address got its message once: none of those marked sent was sent again.
    assert sink.recipients() == Counter(address.values())
    with app.app_context():
        states = outbox.states_of(ids)
        assert {states[i] for i in ids[: HELD - 1]} == {(MessageState.SENT, 1)}
        assert {states[i] for i in ids[HELD - 1 : group_end]} == {(MessageState.SENT, 2)}
        assert {states[i] for i in ids[group_end:]} == {(MessageState.SENT, 1)}
        assert outbox.events_of(held) == ["interrupted", "sent"]
        assert outbox.events_of(ids[0]) == ["sent"]


def test_each_outcome_commits_itself_before_the_next_message_is_handed_over(own_database):
    """On the app's own engine an outcome is its own transaction: another connection sees it
    at once, with nothing left for the batch's session to commit."""
    app = own_database.app
    with app.app_context():
        message = queue_email(
            db.session,
            to="outcome@example.org",
            template="confirm_email",
            language="en",
            context={"name": "O", "link": "https://example.org/confirm/o"},
        )
        message.state, message.attempts = MessageState.SENDING, 1
        db.session.info.pop(OUTBOX_KEY, None)
        db.session.commit()
        message_id = message.id
        now = utcnow()
        with tasks.Outcomes(db.session) as outcomes:
            sent = {"state": MessageState.SENT, "sent_at": now, "provider_id": "<o@example.org>"}
            outcomes.record(message_id, 1, sent, ("sent", "<o@example.org>"), now)
            # Not this attempt's any more: left as it is, and not logged.
            outcomes.record(message_id, 2, {"state": MessageState.FAILED}, ("failed", "x"), now)
            with db.engine.connect() as other:
                state, provider = other.execute(
                    select(OutboundMessage.state, OutboundMessage.provider_id).where(
                        OutboundMessage.id == message_id
                    )
                ).one()
            assert not db.session.new and not db.session.dirty
        db.session.rollback()
        assert (state, provider) == (MessageState.SENT, "<o@example.org>")
        assert outbox.events_of(message_id) == ["sent"]


def test_a_batch_sees_a_drain_waiting_while_its_wake_flag_is_up(own_database):
    app = own_database.app
    with app.app_context():
        assert not tasks.drain_waiting()
        assert tasks.wake()  # a drain is queued, its flag raised
        assert tasks.drain_waiting()
        tasks.deliver_due()  # the drain starts: the flag comes down
        assert not tasks.drain_waiting()
