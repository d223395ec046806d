"""Staff decisions on groups of possible duplicates: different households, or one household
whose kept application stays in the lottery while the others are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from housing.accounts.models import User
from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    DuplicateDecision,
)
from housing.applications.services import FlaggedSet, flagged_sets
from housing.db_types import AnySession
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, locked_lottery, sign_decision
from housing.lottery.models import Lottery, LotteryStatus


@dataclass(frozen=True)
class DuplicateGroup:
    """A group of possible duplicates and the decision on it that still holds, if any."""

    flagged: FlaggedSet
    decision: DuplicateDecision | None

    @property
    def members(self) -> list[str]:
        return sorted(application.public_id for application in self.flagged.applications)


def duplicate_groups(session: AnySession, listing_id: int) -> list[DuplicateGroup]:
    """Every flagged group, with the decision made for exactly its present members."""
    decisions = {
        (decision.rule, decision.match_key): decision
        for decision in session.scalars(
            select(DuplicateDecision).where(DuplicateDecision.listing_id == listing_id)
        )
    }
    groups = []
    for flagged in flagged_sets(session, listing_id):
        members = sorted(application.public_id for application in flagged.applications)
        decision = decisions.get((flagged.rule, flagged.key))
        holds = decision is not None and decision.members == members
        groups.append(DuplicateGroup(flagged, decision if holds else None))
    return groups


def left_out_as_duplicates(
    session: AnySession, listing_id: int, groups: Sequence[DuplicateGroup] | None = None
) -> set[str]:
    """Applications left out of the lottery because another of the household's stays in.
    The duplicate groups are read only when some decision keeps one application of a
    household (none leaves anyone out otherwise), unless the caller has them."""
    if groups is None:
        keeps_one = session.scalar(
            select(
                exists().where(
                    DuplicateDecision.listing_id == listing_id, DuplicateDecision.kept != ""
                )
            )
        )
        if not keeps_one:
            return set()
        groups = duplicate_groups(session, listing_id)
    return {
        public_id
        for group in groups
        if group.decision is not None and group.decision.kept
        for public_id in group.members
        if public_id != group.decision.kept
    }


def decide_duplicates(
    session: AnySession,
    listing_id: int,
    rule: str,
    key: str,
    actor: User | None,
    now: datetime,
    *,
    kept: str,
    reason: str,
) -> DuplicateDecision:
    """Resolve a group: different households (``kept`` empty: all stay in the lottery), or one
    household whose application ``kept`` stays in while the others are left out. Reversible
    until the draw (after the freeze it counts once the entrants are frozen again); each
    decision is logged."""
    reason = checked_reason(reason)
    lottery = locked_lottery(session, Lottery.listing_id == listing_id)
    if lottery is not None and lottery.status not in (
        LotteryStatus.PREREGISTERED,
        LotteryStatus.FROZEN,  # takes effect when the entrants are frozen again
    ):
        raise LotteryRefused("retract_first")
    groups = duplicate_groups(session, listing_id)
    group = next((g for g in groups if g.flagged.rule.value == rule and g.flagged.key == key), None)
    if group is None:
        raise LotteryRefused("no_such_group")
    if kept and kept not in group.members:
        raise LotteryRefused("not_in_group")
    # One application can be in several groups (same email, same address): their decisions
    # must agree, or a household could be left out altogether.
    kept_elsewhere: set[str] = set()
    left_out_elsewhere: set[str] = set()
    for other in groups:
        if other is not group and other.decision is not None and other.decision.kept:
            kept_elsewhere.add(other.decision.kept)
            left_out_elsewhere.update(m for m in other.members if m != other.decision.kept)
    leaving = {member for member in group.members if kept and member != kept}
    if (kept and kept in left_out_elsewhere) or leaving & kept_elsewhere:
        raise LotteryRefused("conflicting_decision")
    decision = session.scalars(
        select(DuplicateDecision).where(
            DuplicateDecision.listing_id == listing_id,
            DuplicateDecision.rule == DuplicateRule(rule),
            DuplicateDecision.match_key == key,
        )
    ).first()
    if decision is None:
        decision = DuplicateDecision(listing_id=listing_id, rule=DuplicateRule(rule), match_key=key)
        session.add(decision)
    decision.members = group.members
    decision.kept = kept
    sign_decision(session, decision, reason, actor, now)
    log.append(
        session,
        "duplicate_decision",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "rule": rule,
            "applications": group.members,
            "kept": kept or "all",
            "left_out": [member for member in group.members if kept and member != kept],
            "reason": reason,
        },
    )
    return decision
