"""The app's database role owns no table: it may read the lottery log and add to it, and
nothing else, so no bug or intruder in the app can change, empty, unprotect or drop the log."""

from __future__ import annotations

import psycopg.errors
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from housing.lottery.log import first_broken_link, head_and_length
from tests.lottery.test_log import write_entries

pytestmark = pytest.mark.postgresql_only


def test_the_app_connects_as_a_role_that_owns_nothing(app, db_session):
    role, superuser = db_session.execute(
        text("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert role == app.config["HOUSING"].app_role
    assert not superuser
    owned = db_session.scalar(
        text(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
    )
    assert owned == 0
    owner = db_session.scalar(
        text("SELECT tableowner FROM pg_tables WHERE tablename = 'lottery_log'")
    )
    assert owner != role


def test_the_app_role_adds_to_the_log(db_session):
    entries = write_entries(db_session)
    db_session.expire_all()
    assert head_and_length(db_session)[0] == entries[-1].entry_hash
    assert first_broken_link(db_session) is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lottery_log SET action = 'draw'",
        "DELETE FROM lottery_log",
        "TRUNCATE lottery_log",
        "ALTER TABLE lottery_log DISABLE TRIGGER ALL",
        "ALTER TABLE lottery_log DISABLE TRIGGER lottery_log_no_change",
        "DROP TRIGGER lottery_log_no_change ON lottery_log",
        "DROP TRIGGER lottery_log_no_truncate ON lottery_log",
        "CREATE OR REPLACE FUNCTION lottery_log_append_only() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$",
        "ALTER TABLE lottery_log RENAME TO lottery_log_old",
        "DROP TABLE lottery_log",
    ],
)
def test_the_app_role_may_not(db_session, statement):
    """Refused for want of a right, before any trigger runs: were the role granted UPDATE,
    DELETE or TRUNCATE, the trigger would answer instead and this test would fail; were it the
    owner, the ALTER and DROP statements would succeed."""
    entries = write_entries(db_session, 2)
    savepoint = db_session.begin_nested()
    with pytest.raises(DBAPIError) as refused:
        db_session.execute(text(statement))
    savepoint.rollback()
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value
    db_session.expire_all()
    assert head_and_length(db_session)[0] == entries[-1].entry_hash


def test_the_rights_the_migrations_granted(app, owner_db_session):
    role = app.config["HOUSING"].app_role

    def may(table: str, right: str) -> bool:
        return bool(
            owner_db_session.scalar(
                text("SELECT has_table_privilege(:role, :table, :right)"),
                {"role": role, "table": table, "right": right},
            )
        )

    assert may("lottery_log", "SELECT") and may("lottery_log", "INSERT")
    assert not any(may("lottery_log", right) for right in ("UPDATE", "DELETE", "TRUNCATE"))
    assert all(may("listings", right) for right in ("SELECT", "INSERT", "UPDATE", "DELETE"))
    assert not may("listings", "TRUNCATE")
    assert may("alembic_version", "SELECT") and not may("alembic_version", "UPDATE")
    # A table a later migration creates, as the same owner, is granted without being named.
    owner_db_session.execute(text("CREATE TABLE later_feature (id serial PRIMARY KEY)"))
    assert may("later_feature", "UPDATE")
    assert owner_db_session.scalar(
        text("SELECT has_sequence_privilege(:role, 'later_feature_id_seq', 'USAGE')"),
        {"role": role},
    )
