"""The lottery log: hash-chained, append-only in the database, checked by a command."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from housing.db_types import utcnow
from housing.lottery.log import (
    GENESIS,
    HeadVerdict,
    PublishedHead,
    append,
    check_published_head,
    entry_hash,
    find_head,
    first_broken_link,
    head,
    head_and_length,
    length,
    parse_published_head,
)
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
def test_the_database_refuses_changes_to_the_log(owner_db_session, statement):
    """Even the tables' owner is refused, by the triggers (the app's role is refused sooner:
    test_log_roles.py)."""
    write_entries(owner_db_session, 2)
    savepoint = owner_db_session.begin_nested()
    with pytest.raises(DatabaseError, match="append-only"):
        owner_db_session.execute(text(statement))
    savepoint.rollback()


@pytest.mark.postgresql_only
def test_postgresql_refuses_truncate_too(owner_db_session):
    write_entries(owner_db_session, 1)
    savepoint = owner_db_session.begin_nested()
    with pytest.raises(DatabaseError, match="append-only"):
        owner_db_session.execute(text("TRUNCATE lottery_log"))
    savepoint.rollback()


def _disable_protection(db_session, operation: str = "update") -> None:  # type: ignore[no-untyped-def]
    """What someone with the database owner's rights could do; inside the test's transaction."""
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE lottery_log DISABLE TRIGGER lottery_log_no_change"))
    else:
        db_session.execute(text(f"DROP TRIGGER lottery_log_no_{operation}"))


def test_the_command_names_the_first_broken_link(owner_db_session, app):
    runner = app.test_cli_runner()
    entries = write_entries(owner_db_session)
    result = runner.invoke(args=["lottery", "verify-log"])
    assert result.exit_code == 0, result.output
    assert f"intact: 4 entries, head {entries[-1].entry_hash}" in result.output

    _disable_protection(owner_db_session)
    owner_db_session.execute(
        text("UPDATE lottery_log SET detail = :detail WHERE id = :id"),
        {"detail": '{"number": 99}', "id": entries[1].id},
    )
    owner_db_session.expire_all()
    broken = runner.invoke(args=["lottery", "verify-log"])
    assert broken.exit_code == 1
    assert f"broken at entry {entries[1].id} (commit" in broken.output


def test_head_length_and_places(db_session):
    before_head, before = head_and_length(db_session)
    assert find_head(db_session, before_head) == before
    entries = write_entries(db_session)
    assert head_and_length(db_session) == (entries[-1].entry_hash, before + 4)
    assert length(db_session) == before + 4
    assert [find_head(db_session, entry.entry_hash) for entry in entries] == [
        before + 1,
        before + 2,
        before + 3,
        before + 4,
    ]
    assert find_head(db_session, GENESIS) == 0
    assert find_head(db_session, "f" * 64) is None


def test_published_heads_are_read_with_or_without_their_length():
    assert parse_published_head(" " + "AB" * 32 + " ") == PublishedHead("ab" * 32)
    assert parse_published_head("ab" * 32 + ":17") == PublishedHead("ab" * 32, 17)
    assert str(PublishedHead("ab" * 32, 17)) == "ab" * 32 + ":17"
    for wrong in [
        "",
        "ab" * 31,
        "zz" * 32,
        "ab" * 32 + ":",
        "ab" * 32 + ":-1",
        "ab" * 32 + ":\u0661",
    ]:
        with pytest.raises(ValueError):
            parse_published_head(wrong)


def test_a_published_head_is_held_moved_or_missing(db_session):
    entries = write_entries(db_session)
    _head, count = head_and_length(db_session)
    second = entries[1].entry_hash
    held = check_published_head(db_session, PublishedHead(second, count - 2))
    assert (held.verdict, held.position) == (HeadVerdict.HELD, count - 2)
    assert check_published_head(db_session, PublishedHead(second)).verdict is HeadVerdict.HELD
    moved = check_published_head(db_session, PublishedHead(second, count))
    assert (moved.verdict, moved.position) == (HeadVerdict.MOVED, count - 2)
    missing = check_published_head(db_session, PublishedHead("f" * 64, count))
    assert (missing.verdict, missing.position) == (HeadVerdict.MISSING, None)


def test_a_head_after_a_changed_entry_is_reported_broken(owner_db_session):
    entries = write_entries(owner_db_session)
    _disable_protection(owner_db_session)
    owner_db_session.execute(
        text("UPDATE lottery_log SET detail = :detail WHERE id = :id"),
        {"detail": '{"number": 99}', "id": entries[2].id},
    )
    owner_db_session.expire_all()
    before = check_published_head(owner_db_session, PublishedHead(entries[1].entry_hash))
    assert before.verdict is HeadVerdict.HELD
    after = check_published_head(owner_db_session, PublishedHead(entries[3].entry_hash))
    assert after.verdict is HeadVerdict.BROKEN
    assert after.broken is not None and after.broken.id == entries[2].id


def test_a_log_cut_short_is_caught_only_against_a_published_head(owner_db_session, app):
    """The chain of what is left is intact, so the plain check passes; the head a bundle
    published is gone, so the check against it fails."""
    runner = app.test_cli_runner()
    entries = write_entries(owner_db_session)
    published_head, count = head_and_length(owner_db_session)
    published = f"{published_head}:{count}"
    result = runner.invoke(args=["lottery", "verify-log", "--expect", published])
    assert result.exit_code == 0, result.output
    assert f"holds the published head {published_head} as entry {count}" in result.output

    _disable_protection(owner_db_session, "delete")
    owner_db_session.execute(text("DELETE FROM lottery_log WHERE id >= :id"), {"id": entries[2].id})
    owner_db_session.expire_all()
    plain = runner.invoke(args=["lottery", "verify-log"])
    assert plain.exit_code == 0, plain.output
    assert f"intact: {count - 2} entries, head {entries[1].entry_hash}" in plain.output

    cut = runner.invoke(args=["lottery", "verify-log", "--expect", published])
    assert cut.exit_code == 1
    assert f"no longer holds the published head {published_head}" in cut.output
    assert f"now has {count - 2} entries" in cut.output

    survivor = entries[1].entry_hash
    kept = runner.invoke(args=["lottery", "verify-log", "--expect", f"{survivor}:{count - 2}"])
    assert kept.exit_code == 0, kept.output
    moved = runner.invoke(args=["lottery", "verify-log", "--expect", f"{survivor}:{count}"])
    assert moved.exit_code == 1
    assert f"is entry {count - 2} of the lottery log, not entry {count}" in moved.output


def test_the_command_refuses_a_malformed_head(runner):
    result = runner.invoke(args=["lottery", "verify-log", "--expect", "not-a-hash"])
    assert result.exit_code == 2
    assert "64 hexadecimal characters" in result.output
