"""Appending to the lottery's hash-chained audit log, and checking the chain."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.lottery.models import LotteryLogEntry
from housing.lottery.verify import canonical_json

GENESIS = "0" * 64
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


def first_broken_link(session: AnySession) -> LotteryLogEntry | None:
    """The first entry whose stored hashes do not follow from its content and predecessor."""
    previous = GENESIS
    entries = session.scalars(
        select(LotteryLogEntry).order_by(LotteryLogEntry.id).execution_options(yield_per=1000)
    )
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
