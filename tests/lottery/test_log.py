"""The lottery log: hash-chained, append-only in the database, checked by a command."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from housing.db_types import utcnow
from housing.lottery.log import GENESIS, append, entry_hash, first_broken_link, head
from tests import factories


def write_entries(db_session, count: int = 4):  # type: ignore[no-untyped-def]
    listing = factories.ListingFactory()
    staff = factories.UserFactory(staff=True)
    now = utcnow()
    return [
        append(
            db_session,
            action,
            now + timedelta(seconds=number),
            listing_id=listing.id,
            actor=staff,
            detail={"number": number},
        )
        for number, action in enumerate(["preregister", "commit", "freeze", "draw"][:count])
    ]


def test_each_entry_carries_the_hash_of_the_one_before(db_session):
    entries = write_entries(db_session)
    assert entries[0].previous_hash == GENESIS
    for earlier, later in itertools.pairwise(entries):
        assert later.previous_hash == earlier.entry_hash
    last = entries[-1]
    assert last.entry_hash == entry_hash(
        last.previous_hash, last.listing_id, last.at, last.actor_id, last.action, last.detail
    )
    assert head(db_session) == last.entry_hash
    db_session.expire_all()
    assert first_broken_link(db_session) is None


def test_unknown_actions_are_refused(db_session):
    with pytest.raises(ValueError, match="Unknown lottery action"):
        append(db_session, "shuffle", utcnow())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE lottery_log SET action = 'draw'",
        "DELETE FROM lottery_log",
    ],
)
def test_the_database_refuses_changes_to_the_log(db_session, statement):
    write_entries(db_session, 2)
    savepoint = db_session.begin_nested()
    with pytest.raises(DatabaseError, match="append-only"):
        db_session.execute(text(statement))
    savepoint.rollback()


@pytest.mark.postgresql_only
def test_postgresql_refuses_truncate_too(db_session):
    write_entries(db_session, 1)
    savepoint = db_session.begin_nested()
    with pytest.raises(DatabaseError, match="append-only"):
        db_session.execute(text("TRUNCATE lottery_log"))
    savepoint.rollback()


def _disable_protection(db_session) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database owner's rights could do; inside the test's transaction."""
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE lottery_log DISABLE TRIGGER lottery_log_no_change"))
    else:
        db_session.execute(text("DROP TRIGGER lottery_log_no_update"))


def test_the_command_names_the_first_broken_link(db_session, runner):
    entries = write_entries(db_session)
    result = runner.invoke(args=["lottery", "verify-log"])
    assert result.exit_code == 0, result.output
    assert f"intact: 4 entries, head {entries[-1].entry_hash}" in result.output

    _disable_protection(db_session)
    db_session.execute(
        text("UPDATE lottery_log SET detail = :detail WHERE id = :id"),
        {"detail": '{"number": 99}', "id": entries[1].id},
    )
    db_session.expire_all()
    broken = runner.invoke(args=["lottery", "verify-log"])
    assert broken.exit_code == 1
    assert f"broken at entry {entries[1].id} (commit" in broken.output
