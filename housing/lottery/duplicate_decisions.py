"""Staff decisions on groups of possible duplicates: different households, or one household
whose kept application stays in the lottery while the others are left out. One group at a
time here; many at once in ``duplicate_bulk``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import DuplicateDecision
from housing.applications.services import FlaggedSet, flagged_sets
from housing.db_types import AnySession
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, locked_lottery
from housing.lottery.duplicate_lookup import (
    Group,
    GroupKey,
    group_key,
    groups_around,
    members_by_key,
)
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
    Without the caller's groups, only the groups of decisions that keep one application are
    read (no other decision leaves anyone out)."""
    if groups is not None:
        return {
            public_id
            for group in groups
            if group.decision is not None and group.decision.kept
            for public_id in group.members
            if public_id != group.decision.kept
        }
    keeping = {
        (decision.rule, decision.match_key): decision
        for decision in session.scalars(
            select(DuplicateDecision).where(
                DuplicateDecision.listing_id == listing_id, DuplicateDecision.kept != ""
            )
        )
    }
    if not keeping:
        return set()
    left_out: set[str] = set()
    for key, members in members_by_key(session, listing_id, keeping).items():
        group = Group(key[0], key[1], members, keeping[key])
        if group.decision is not None:
            left_out.update(number for number in group.numbers if number != group.decision.kept)
    return left_out


@dataclass
class Standing:
    """Who the decisions of some groups keep in the lottery and leave out, by application
    number, and which groups say so."""

    kept_by: dict[str, set[GroupKey]] = field(default_factory=dict)
    left_out_by: dict[str, set[GroupKey]] = field(default_factory=dict)

    @classmethod
    def of(cls, groups: Iterable[Group], *, leaving_aside: Iterable[GroupKey] = ()) -> Standing:
        standing = cls()
        aside = set(leaving_aside)
        for group in groups:
            decision = group.decision
            if decision is not None and decision.kept and group.identity not in aside:
                standing.add(group, decision.kept)
        return standing

    def add(self, group: Group, kept: str) -> None:
        if not kept:
            return
        self.kept_by.setdefault(kept, set()).add(group.identity)
        for number in group.numbers:
            if number != kept:
                self.left_out_by.setdefault(number, set()).add(group.identity)

    def kept_elsewhere(self, group: Group) -> list[str]:
        """The group's applications another group keeps, in submission order."""
        return [
            member.public_id
            for member in group.members
            if self.kept_by.get(member.public_id, set()) - {group.identity}
        ]

    def left_out_elsewhere(self, group: Group) -> set[str]:
        return {
            member.public_id
            for member in group.members
            if self.left_out_by.get(member.public_id, set()) - {group.identity}
        }

    def contradiction(self, group: Group, kept: str) -> tuple[str, GroupKey] | None:
        """The application and the other group that keeping ``kept`` (empty: different
        households) would contradict, if any. One application can be in several groups (same
        email, same address): their decisions must agree, or a household could be left out
        altogether."""
        if not kept:
            return None
        for other in sorted(self.left_out_by.get(kept, set()) - {group.identity}):
            return kept, other
        for number in group.numbers:
            if number != kept:
                for other in sorted(self.kept_by.get(number, set()) - {group.identity}):
                    return number, other
        return None


def check_lottery_open(session: AnySession, listing_id: int) -> None:
    """Decisions are reversible until the draw (after the freeze one counts once the
    entrants are frozen again)."""
    lottery = locked_lottery(session, Lottery.listing_id == listing_id)
    if lottery is not None and lottery.status not in (
        LotteryStatus.PREREGISTERED,
        LotteryStatus.FROZEN,  # takes effect when the entrants are frozen again
    ):
        raise LotteryRefused("retract_first")


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
    until the draw; each decision is logged. Reads only the group and the groups that share
    an application with it."""
    reason = checked_reason(reason)
    check_lottery_open(session, listing_id)
    identity = group_key(f"{rule}:{key}")
    groups = groups_around(session, listing_id, [identity]) if identity else {}
    group = groups.get(identity) if identity else None
    if group is None:
        raise LotteryRefused("no_such_group")
    if kept and kept not in group.numbers:
        raise LotteryRefused("not_in_group")
    standing = Standing.of(groups.values(), leaving_aside=[group.identity])
    if standing.contradiction(group, kept) is not None:
        raise LotteryRefused("conflicting_decision")
    return record_decisions(session, listing_id, [(group, kept)], reason, actor, now)[0]


def record_decisions(
    session: AnySession,
    listing_id: int,
    decided: Sequence[tuple[Group, str]],
    reason: str,
    actor: User | None,
    now: datetime,
) -> list[DuplicateDecision]:
    """Write each group's decision (who decided, when and why) in one flush, then its entry in
    the audit log."""
    decisions = []
    for group, kept in decided:
        decision = group.recorded  # read with the group, whether or not it still holds
        if decision is None:
            decision = DuplicateDecision(
                listing_id=listing_id, rule=group.rule, match_key=group.key
            )
            session.add(decision)
        decision.members = group.numbers
        decision.kept = kept
        decision.reason = reason
        decision.decided_by = actor.id if actor is not None else None
        decision.decided_at = now
        decisions.append(decision)
    session.flush()
    log.append_many(
        session,
        "duplicate_decision",
        now,
        [
            {
                "rule": group.rule.value,
                "applications": group.numbers,
                "kept": kept or "all",
                "left_out": [number for number in group.numbers if kept and number != kept],
                "reason": reason,
            }
            for group, kept in decided
        ],
        listing_id=listing_id,
        actor=actor,
    )
    return decisions
