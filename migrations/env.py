"""Alembic environment: the schema comes from these migrations, run through Flask-Migrate."""

from __future__ import annotations

from alembic import context
from flask import current_app
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from housing.config import Config
from housing.db_types import UTCDateTime

database = current_app.extensions["migrate"].db
target_metadata = database.metadata
settings: Config = current_app.config["HOUSING"]
# Revisions that grant the application's rights read the role's name from here.
context.config.attributes.setdefault("app_role", settings.app_role)


def render_item(kind: str, item: object, autogen_context: object) -> str | bool:
    """Migrations spell out plain SQLAlchemy types, so they never import application code."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_offline() -> None:
    context.configure(
        url=settings.migration_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if settings.database_owner_url is None:
        with database.engine.connect() as connection:
            _run(connection)
        return
    # The tables' owner, not the application's role: only the owner may change the schema.
    owner = create_engine(settings.database_owner_url, poolclass=NullPool)
    try:
        with owner.connect() as connection:
            _run(connection)
    finally:
        owner.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
