"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Enum, event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes, stored in UTC and always read back as aware UTC values.

    SQLite has no time zones, so without this a value would come back naive there and aware
    on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


AnySession = Session | scoped_session[Any]
"""A plain session (jobs, scripts) or Flask-SQLAlchemy's request-scoped one."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def checked_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """An enum stored by value as a checked string, not a native PostgreSQL type."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


def use_sqlite_transactions(engine: Engine) -> None:
    """Make SQLite begin transactions when SQLAlchemy does.

    Python's sqlite3 module delays BEGIN until the first write and commits on its own before
    some statements, which breaks SAVEPOINTs and nested transactions; taking over BEGIN gives
    SQLite the same transaction behaviour as PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        writing = connection.get_execution_options().get(_WRITE_FIRST)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def ping_idle_connections(engine: Engine, idle_seconds: float = 1.0) -> None:
    """Check that a pooled connection still answers before it is lent, when it has been idle
    for more than ``idle_seconds``; a dead one (the database restarted) is replaced unseen.

    SQLAlchemy's ``pool_pre_ping`` does the same on every checkout, which costs three round
    trips per request on a busy server; a connection used a moment ago answered a moment ago.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
        if not alive:
            raise exc.DisconnectionError("the connection did not answer")


def read_without_transaction(session: AnySession) -> None:
    """Have the session's statements until the end of the request each run on their own, with
    no transaction around them, on PostgreSQL: a page that only reads then costs its queries'
    round trips alone, where a transaction adds a BEGIN and a ROLLBACK to each request. The
    connection goes back to the pool as it was. Only for requests that write nothing; it does
    nothing once the session holds a connection (its transaction has begun)."""
    plain = session() if isinstance(session, scoped_session) else session
    if plain.in_transaction():
        return
    bind = plain.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        plain.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


# SQLite lets one transaction write at a time and refuses, without waiting, one that read
# before another wrote; taking the write lock first makes it wait its turn instead.
_WRITE_FIRST = "housing_write_first"


def begin_writing(session: AnySession) -> None:
    """Begin the session's next transaction as a writer: on SQLite it waits for the write lock
    before reading anything (on PostgreSQL, row locks do that job)."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLAlchemy passes options of its users' own along; its typing lists only its own.
        options: Any = {_WRITE_FIRST: True}
        session.connection(execution_options=options)
