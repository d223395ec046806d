"""Pooled connections: one the database dropped while it sat idle is replaced before it is lent."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError

from housing.db_types import ping_idle_connections
from tests.conftest import ADMIN_URL, ThrowawayDatabase

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def engine(throwaway_database: ThrowawayDatabase):  # type: ignore[no-untyped-def]
    engine = create_engine(throwaway_database.owner_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _end_server_process(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_ended_while_idle_is_replaced_unseen(engine) -> None:  # type: ignore[no-untyped-def]
    ping_idle_connections(engine, idle_seconds=0.05)
    _end_server_process(engine)
    time.sleep(0.1)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1


def test_without_the_ping_the_same_connection_fails(engine) -> None:  # type: ignore[no-untyped-def]
    """What the ping saves a request from: the guard above is what makes it pass."""
    _end_server_process(engine)
    time.sleep(0.1)
    with (
        pytest.raises(OperationalError),
        engine.connect() as connection,
    ):
        connection.execute(text("SELECT 1"))


def test_a_connection_used_a_moment_ago_is_lent_without_a_round_trip(engine) -> None:  # type: ignore[no-untyped-def]
    ping_idle_connections(engine, idle_seconds=60)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    for _ in range(3):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    assert pings == []


def _autocommit_of_each_statement(app):  # type: ignore[no-untyped-def]
    """Whether each statement the app's engine sends runs outside a transaction."""
    from housing.extensions import db

    seen: list[bool] = []

    def note(connection, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(bool(connection.connection.dbapi_connection.autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    return engine, note, seen


def test_public_pages_read_without_a_transaction_and_leave_none_behind(app) -> None:  # type: ignore[no-untyped-def]
    """The directory, a listing and the estimator send their statements with no BEGIN and no
    ROLLBACK around them (one round trip each instead of three); the connection they used goes
    back to the pool as it was, so the next request that writes gets its transaction."""
    from housing.extensions import db
    from housing.listings.models import Listing

    with app.app_context():
        listing_id = db.session.scalar(select(Listing.id).limit(1))
        db.session.rollback()
    engine, note, seen = _autocommit_of_each_statement(app)
    client = app.test_client()
    try:
        for url in (
            "/listings",
            "/eligibility?household_size=2&income=3000&income_period=month",
            *([f"/listings/{listing_id}"] if listing_id else []),
        ):
            assert client.get(url).status_code == 200
        assert seen and all(seen)
        seen.clear()
        with app.app_context(), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            assert connection.in_transaction()
        assert seen == [False]
    finally:
        event.remove(engine, "before_cursor_execute", note)
