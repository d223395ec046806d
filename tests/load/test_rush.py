"""A deadline rush through gunicorn, on a PostgreSQL and a Redis of the test's own: more
submissions than the server can take at once while residents browse, then Redis stopped in
the middle, then PostgreSQL restarted in the middle. Each resident keeps submitting (with the
same Idempotency-Key) until told; afterwards every application is stored once, as its resident
was told, with one confirmation; every confirmed draft save is there; and no request went
unanswered or met a server error other than a 503 that says when to come back.

Sizes are small so that the suite stays quick; ``bench/rush.py`` runs the same with thousands.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.load import harness

pytestmark = pytest.mark.postgresql_only


@pytest.fixture(scope="module")
def sink() -> Iterator[harness.MailSink]:
    with harness.MailSink() as mail:
        yield mail


@pytest.fixture(scope="module")
def servers(sink: harness.MailSink) -> Iterator[harness.Servers]:
    with harness.own_servers(sink.port) as own:
        yield own


@pytest.fixture
def listing_id(servers: harness.Servers, sink: harness.MailSink) -> int:
    sink.received.clear()
    return harness.create_listing(servers.database_url)


def check(result: harness.RushResult, servers: harness.Servers, listing_id: int) -> None:
    found = harness.stored(servers.database_url, listing_id)
    assert harness.problems(result, found) == [], harness.summary(result)
    assert len(found.applications) == len(result.residents)


def test_more_than_the_server_can_take_is_turned_away_with_retry_after_and_nothing_lost(
    servers, sink, listing_id
):
    # Two requests at a time per process and a short wait: 48 phones at once are too many.
    with harness.serving(
        servers, ADMISSION_ACTIVE="2", ADMISSION_WAIT_SECONDS="0.3", ADMISSION_MAX_WAITING="2"
    ) as portal:
        result = harness.rush(portal.port, listing_id, residents=160, concurrency=48, browsers=4)
        check(result, servers, listing_id)
        # The server was behind, and said so instead of leaving anyone waiting.
        assert result.submissions.statuses[503] > 0, harness.summary(result)
        assert result.browsing.statuses[200] > 0
        harness.wait_for_mail(sink.count, 160)
    assert harness.delivery_problems(sink, result) == []


def test_redis_stopped_during_the_rush_loses_no_application_and_no_confirmation(
    servers, sink, listing_id
):
    def outage() -> None:
        servers.redis.stop()
        time.sleep(2)
        servers.redis.start()

    with harness.serving(servers) as portal:
        result = harness.rush(
            portal.port, listing_id, residents=120, concurrency=12, fault=outage, fault_after=0.3
        )
        check(result, servers, listing_id)
        assert result.fault_at is not None
        # What never reached a worker waits in the database for the sweep.
        harness.sweep(portal.environment)
        harness.wait_for_mail(sink.count, 120)
    assert harness.delivery_problems(sink, result) == []


def test_postgresql_restarted_during_the_rush_commits_each_application_once(
    servers, sink, listing_id
):
    with harness.serving(servers) as portal:
        writers = harness.start_drafts(portal.port, listing_id, 6)
        result = harness.rush(
            portal.port,
            listing_id,
            residents=120,
            concurrency=12,
            writers=writers,
            draft_steps=20,
            fault=servers.postgres.restart,
            fault_after=0.3,
        )
        check(result, servers, listing_id)
        assert result.fault_at is not None
        # Requests caught by the restart were refused, clearly, and tried again.
        assert result.submissions.statuses[503] + result.drafts.statuses[503] > 0
        assert all(writer.confirmed_step == 19 for writer in writers)
        harness.sweep(portal.environment)
        if harness.wait_for_mail(sink.count, 120) < 120:
            # A worker cut off by the restart left its message half-sent: the sweep's turn.
            harness.sweep(portal.environment, stale=True)
            harness.wait_for_mail(sink.count, 120)
    # A worker cut off between sending and recording sends again, with the same Message-ID.
    assert harness.delivery_problems(sink, result, copies_allowed=True) == []
