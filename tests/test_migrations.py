"""The schema comes from the migrations: they match the models and run up and down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from housing import create_app
from housing.config import PROJECT_ROOT
from housing.extensions import db
from tests.conftest import create_postgres_database, drop_postgres_database, make_config

MIGRATIONS = str(PROJECT_ROOT / "migrations")


@pytest.fixture
def empty_app(database_kind, tmp_path) -> Iterator[Flask]:
    """An application on a database of its own, with no tables yet."""
    if database_kind == "sqlite":
        name, url = None, f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        name, url = create_postgres_database()
    application = create_app(make_config(url, tmp_path / "storage"))
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()
        if name:
            drop_postgres_database(name)


def revisions() -> list[str]:
    script = ScriptDirectory(MIGRATIONS)
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_head_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_revision_upgrades_and_downgrades(empty_app):
    steps = revisions()
    assert steps, "no migrations found"
    with empty_app.app_context():
        for revision in steps:
            upgrade(directory=MIGRATIONS, revision=revision)
        tables = set(inspect(db.engine).get_table_names())
        assert {"listings", "units", "ami_charts", "preferences"} <= tables
        for revision in reversed(steps):
            downgrade(
                directory=MIGRATIONS, revision=f"{revision}-1" if revision != steps[0] else "base"
            )
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)


def test_create_app_does_not_touch_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'untouched.sqlite3'}"
    create_app(make_config(url, tmp_path / "storage"))
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
