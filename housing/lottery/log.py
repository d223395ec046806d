"""Appending to the lottery's hash-chained audit log, and checking the chain."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.lottery.models import LotteryLogEntry
from housing.lottery.verify import canonical_json

GENESIS = "0" * 64
_HASH = re.compile(r"[0-9a-f]{64}")
# Any constant: appends wait for each other so two of them cannot both follow the same entry.
_APPEND_LOCK = 7_301_001

ACTIONS = frozenset(
    {
        "preregister",
        "commit",
        "duplicate_decision",
        "preference_validation",
        "freeze",
        "refreeze",
        "seed_inputs",
        "draw",
        "self_check",
        "publish",
        "retract",
        "rerun",
        "revise",
    }
)


def entry_hash(
    previous_hash: str,
    listing_id: int | None,
    at: datetime,
    actor_id: int | None,
    action: str,
    detail: Mapping[str, Any],
) -> str:
    return hashlib.sha256(
        canonical_json(
            {
                "previous": previous_hash,
                "listing_id": listing_id,
                "at": at.isoformat(),
                "actor_id": actor_id,
                "action": action,
                "detail": detail,
            }
        )
    ).hexdigest()


def head(session: AnySession) -> str:
    latest = session.scalars(
        select(LotteryLogEntry.entry_hash).order_by(LotteryLogEntry.id.desc()).limit(1)
    ).first()
    return latest or GENESIS


def append(
    session: AnySession,
    action: str,
    now: datetime,
    *,
    listing_id: int | None = None,
    actor: User | None = None,
    actor_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> LotteryLogEntry:
    """Add an entry after the current head, in the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown lottery action {action!r}")
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    previous = head(session)
    at = now.replace(microsecond=(now.microsecond // 1000) * 1000)  # what every database keeps
    actor_id = actor.id if actor else actor_id
    content = dict(detail or {})
    entry = LotteryLogEntry(
        listing_id=listing_id,
        at=at,
        actor_id=actor_id,
        action=action,
        detail=content,
        previous_hash=previous,
        entry_hash=entry_hash(previous, listing_id, at, actor_id, action, content),
    )
    session.add(entry)
    session.flush()
    return entry


def append_many(
    session: AnySession,
    action: str,
    now: datetime,
    details: Sequence[Mapping[str, Any]],
    *,
    listing_id: int | None = None,
    actor: User | None = None,
) -> None:
    """Add one entry per detail after the current head, in their order and in the caller's
    transaction: one wait for the lock, one read of the head and one insert however many
    (a thousand decisions at once were three thousand statements one by one)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown lottery action {action!r}")
    if not details:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    previous = head(session)
    at = now.replace(microsecond=(now.microsecond // 1000) * 1000)
    actor_id = actor.id if actor else None
    rows = []
    for detail in details:
        content = dict(detail)
        entry = entry_hash(previous, listing_id, at, actor_id, action, content)
        rows.append(
            {
                "listing_id": listing_id,
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "detail": content,
                "previous_hash": previous,
                "entry_hash": entry,
            }
        )
        previous = entry
    # Rows of one insert take their ids in the order given: the chain follows the ids.
    session.execute(insert(LotteryLogEntry), rows)


def first_broken_link(session: AnySession, *, through: int | None = None) -> LotteryLogEntry | None:
    """The first entry whose stored hashes do not follow from its content and predecessor,
    among the first ``through`` entries (all of them when None)."""
    previous = GENESIS
    query = select(LotteryLogEntry).order_by(LotteryLogEntry.id)
    if through is not None:
        query = query.limit(through)
    entries = session.scalars(query.execution_options(yield_per=1000))
    try:
        for entry in entries:
            expected = entry_hash(
                previous, entry.listing_id, entry.at, entry.actor_id, entry.action, entry.detail
            )
            if entry.previous_hash != previous or entry.entry_hash != expected:
                return entry
            previous = entry.entry_hash
    finally:
        entries.close()  # a server-side cursor when streaming on PostgreSQL
    return None


def length(session: AnySession) -> int:
    """How many entries the log holds."""
    return session.scalar(select(func.count()).select_from(LotteryLogEntry)) or 0


def head_and_length(session: AnySession) -> tuple[str, int]:
    """The head's hash and the number of entries, read together (what a bundle publishes)."""
    row = session.execute(
        select(LotteryLogEntry.entry_hash, func.count().over())
        .order_by(LotteryLogEntry.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (GENESIS, 0)


def find_head(session: AnySession, head_hash: str) -> int | None:
    """Where the entry with this hash is in the log (1 for the first entry, 0 for the empty
    log's head), or None when no entry has it."""
    if head_hash == GENESIS:
        return 0
    entry_id = session.scalar(
        select(LotteryLogEntry.id).where(LotteryLogEntry.entry_hash == head_hash)
    )
    if entry_id is None:
        return None
    return session.scalar(
        select(func.count()).select_from(LotteryLogEntry).where(LotteryLogEntry.id <= entry_id)
    )


@dataclass(frozen=True)
class PublishedHead:
    """A head hash as a bundle publishes it, with the number of entries the log had then."""

    hash: str
    length: int | None = None

    def __str__(self) -> str:
        return self.hash if self.length is None else f"{self.hash}:{self.length}"


def parse_published_head(value: str) -> PublishedHead:
    """``HEAD`` or ``HEAD:LENGTH``; ValueError when it is neither."""
    head_hash, separator, count = value.strip().lower().partition(":")
    if not _HASH.fullmatch(head_hash):
        raise ValueError("a head is 64 hexadecimal characters")
    if not separator:
        return PublishedHead(head_hash)
    if not count.isascii() or not count.isdecimal():
        raise ValueError("the length after the colon is a whole number of entries")
    return PublishedHead(head_hash, int(count))


class HeadVerdict(enum.StrEnum):
    HELD = "held"  # at the published place, with an intact chain up to it
    MISSING = "missing"  # no entry has this hash any more: the log was cut short or rewritten
    BROKEN = "broken"  # the entry is there but the chain up to it does not hold
    MOVED = "moved"  # the entry is there, intact, but not at the published place


@dataclass(frozen=True)
class HeadCheck:
    verdict: HeadVerdict
    position: int | None = None
    broken: LotteryLogEntry | None = None


def check_published_head(session: AnySession, published: PublishedHead) -> HeadCheck:
    """Whether the log still holds a published head where it was, with an intact chain from
    the first entry up to it. Walks the chain up to the head."""
    position = find_head(session, published.hash)
    if position is None:
        return HeadCheck(HeadVerdict.MISSING)
    broken = first_broken_link(session, through=position)
    if broken is not None:
        return HeadCheck(HeadVerdict.BROKEN, position, broken)
    if published.length is not None and published.length != position:
        return HeadCheck(HeadVerdict.MOVED, position)
    return HeadCheck(HeadVerdict.HELD, position)
