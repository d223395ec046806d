"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Enum, event
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
        connection.exec_driver_sql("BEGIN")
