"""Reading and locking a listing's lottery, and the refusal every lottery step raises.

Each step takes a session, checks the lottery is in the right state, writes a hash-chained log
entry in the same transaction and flushes; the caller commits.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from housing.accounts.models import User
from housing.applications.models import (
    DuplicateDecision,
    PreferenceDecision,
)
from housing.db_types import AnySession
from housing.lottery.models import Lottery

MAX_REASON = 2000
HEX_DIGITS = re.compile(r"[0-9a-f]+")


class LotteryRefused(Exception):
    """The lottery is not in a state that allows this; ``code`` says why. A ``logged`` refusal
    has written its own audit-log entry, which the caller commits rather than rolls back."""

    def __init__(self, code: str, *, logged: bool = False, **detail: Any) -> None:
        super().__init__(code)
        self.code = code
        self.logged = logged
        self.detail = detail


def locked_lottery(session: AnySession, condition: ColumnElement[bool]) -> Lottery | None:
    """The lottery row, locked until the transaction ends and read afresh: another transaction
    may just have changed it."""
    return session.scalars(
        select(Lottery).where(condition).with_for_update().execution_options(populate_existing=True)
    ).first()


def get_lottery(session: AnySession, listing_id: int, *, lock: bool = False) -> Lottery:
    condition = Lottery.listing_id == listing_id
    if lock:
        lottery = locked_lottery(session, condition)
    else:
        lottery = session.scalars(select(Lottery).where(condition)).first()
    if lottery is None:
        raise LotteryRefused("not_preregistered")
    return lottery


def checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise LotteryRefused("reason_required")
    if len(reason) > MAX_REASON:
        raise LotteryRefused("reason_too_long", maximum=MAX_REASON)
    return reason


def sign_decision(
    session: AnySession,
    decision: DuplicateDecision | PreferenceDecision,
    reason: str,
    actor: User | None,
    now: datetime,
) -> None:
    """Who decided, when and why; written now, before the log entry that records it."""
    decision.reason = reason
    decision.decided_by = actor.id if actor is not None else None
    decision.decided_at = now
    session.flush()


def drawn_since_freeze(lottery: Lottery) -> bool:
    """A run was drawn from the present manifest and seed inputs: to draw again, freeze again."""
    frozen_at = lottery.frozen_at
    return frozen_at is not None and any(run.created_at >= frozen_at for run in lottery.runs)
