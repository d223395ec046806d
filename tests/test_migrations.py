"""The schema comes from the migrations: they match the models and run up and down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from housing import create_app
from housing.config import PROJECT_ROOT
from housing.extensions import db
from tests.conftest import ADMIN_URL, make_config, postgres_database

MIGRATIONS = str(PROJECT_ROOT / "migrations")


@pytest.fixture
def empty_app(database_kind, tmp_path) -> Iterator[Flask]:
    """An application on a database of its own, with no tables yet; on PostgreSQL it connects
    as a role that owns nothing and the migrations run as the owner."""
    with ExitStack() as stack:
        if database_kind == "sqlite":
            url, owner_url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}", None
        else:
            database = stack.enter_context(postgres_database())
            url, owner_url = database.url, database.owner_url
        application = create_app(
            make_config(url, tmp_path / "storage", database_owner_url=owner_url)
        )
        try:
            yield application
        finally:
            with application.app_context():
                db.engine.dispose()


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


def _rights(app: Flask) -> dict[str, set[str]]:
    """What the app's role may do to each table, as the database says."""
    rights: dict[str, set[str]] = {}
    with app.app_context(), db.engine.connect() as connection:
        for table, right in connection.execute(
            text(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
                " WHERE grantee = current_user"
            )
        ):
            rights.setdefault(table, set()).add(right)
        later = connection.execute(
            text(
                "SELECT CASE defaclobjtype WHEN 'r' THEN '(later tables)'"
                " WHEN 'S' THEN '(later sequences)' END, acl.privilege_type"
                " FROM pg_default_acl, aclexplode(defaclacl) AS acl"
                " WHERE acl.grantee = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        )
        for kind, right in later:
            rights.setdefault(kind, set()).add(right)
    return rights


@pytest.mark.postgresql_only
def test_the_app_role_is_granted_its_rights_and_they_are_taken_back(empty_app):
    ordinary = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010_lease_up")
        assert _rights(empty_app) == {}
        upgrade(directory=MIGRATIONS, revision="0011_app_role")
        rights = _rights(empty_app)
        assert rights["lottery_log"] == {"SELECT", "INSERT"}
        assert rights["alembic_version"] == {"SELECT"}
        assert rights["listings"] == rights["applications"] == ordinary
        assert rights["(later tables)"] == ordinary
        assert rights["(later sequences)"] == {"USAGE"}
        downgrade(directory=MIGRATIONS, revision="0010_lease_up")
        assert _rights(empty_app) == {}


@pytest.mark.postgresql_only
def test_the_upgrade_stops_when_the_app_role_is_missing_or_could_act_as_the_owner(tmp_path, caplog):
    with postgres_database() as database:
        role = make_url(database.url).username
        for configured, reason in ((f"{role}_missing", "does not exist"), (role, "member")):
            caplog.clear()
            if configured == role:  # the role, memberships and all, is dropped on leaving
                with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                    admin.execute(f'GRANT postgres TO "{role}"')
            application = create_app(
                make_config(
                    database.url,
                    tmp_path,
                    database_owner_url=database.owner_url,
                    database_app_role=configured,
                )
            )
            with application.app_context(), pytest.raises(SystemExit):
                upgrade(directory=MIGRATIONS)
            assert reason in caplog.text
            with application.app_context():
                assert inspect(db.engine).get_table_names() == []  # nothing half done
                db.engine.dispose()


def test_create_app_does_not_touch_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'untouched.sqlite3'}"
    create_app(make_config(url, tmp_path / "storage"))
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
