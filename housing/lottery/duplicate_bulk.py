"""Many groups of possible duplicates decided at once, the same way and with one reason: all
of them, or (when one cannot be decided so) none, saying which and why."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import Application
from housing.applications.rules import check_application
from housing.applications.services import listing_rules, local_date
from housing.db_types import AnySession
from housing.listings.models import Listing
from housing.lottery.access import LotteryRefused, checked_reason
from housing.lottery.duplicate_decisions import Standing, check_lottery_open, record_decisions
from housing.lottery.duplicate_lookup import (
    KEYS_PER_STATEMENT,
    Group,
    GroupKey,
    group_key,
    groups_around,
)

# At most this many groups in one bulk decision (a page holds far fewer).
MAX_BULK_GROUPS = 5000


class BulkAction(enum.StrEnum):
    # The group's earliest submitted application that is complete stays in; the others are
    # left out.
    KEEP_EARLIEST_COMPLETE = "keep_earliest_complete"
    # The group is not a duplicate: all stay in.
    DIFFERENT_HOUSEHOLDS = "different_households"


@dataclass(frozen=True)
class GroupRefusal:
    """Why one group of a bulk decision cannot be decided as asked."""

    value: str  # the group as the form named it
    code: str
    group: Group | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


class BulkRefused(Exception):
    """Some groups cannot be decided as asked, so none was: ``refusals`` says which and why."""

    def __init__(self, refusals: list[GroupRefusal]) -> None:
        super().__init__(", ".join(refusal.code for refusal in refusals))
        self.refusals = refusals


@dataclass(frozen=True)
class BulkOutcome:
    """Each group decided, with the application it keeps ("" for different households)."""

    decided: list[tuple[Group, str]]


def decide_duplicate_groups(
    session: AnySession,
    listing_id: int,
    values: Sequence[str],
    actor: User | None,
    now: datetime,
    *,
    action: BulkAction,
    reason: str,
) -> BulkOutcome:
    """Decide many groups (``values``: ``rule:key``, as the page names them) the same way
    with one reason, all or none: if any group cannot be decided as asked, nothing changes and
    ``BulkRefused`` says which and why. Each decision is logged as a single one is.

    "Keep the earliest complete application" keeps, in each group, the application another
    group already keeps, if there is one (the household's entry is chosen); otherwise its
    earliest submitted application that is complete and that no other group leaves out. The
    groups are decided in the order of their first submission, each seeing the decisions
    before it, so that overlapping groups agree."""
    reason = checked_reason(reason)
    if not values:
        raise LotteryRefused("no_groups_chosen")
    if len(values) > MAX_BULK_GROUPS:
        raise LotteryRefused("too_many_groups", maximum=MAX_BULK_GROUPS)
    check_lottery_open(session, listing_id)
    named = {value: group_key(value) for value in dict.fromkeys(values)}
    groups = groups_around(session, listing_id, [key for key in named.values() if key])
    refusals: list[GroupRefusal] = []
    chosen: list[Group] = []
    for value, key in named.items():
        group = groups.get(key) if key else None
        if group is None:
            refusals.append(GroupRefusal(value, "no_such_group"))
        else:
            chosen.append(group)
    chosen.sort(key=lambda group: group.order)
    standing = Standing.of(groups.values(), leaving_aside=[group.identity for group in chosen])
    complete = _Completeness(session, listing_id, now, chosen, action)
    decided: list[tuple[Group, str]] = []
    for group in chosen:
        if action is BulkAction.DIFFERENT_HOUSEHOLDS:
            decided.append((group, ""))
            continue
        kept, refusal = _earliest_complete(group, standing, complete, groups)
        if refusal is not None:
            refusals.append(refusal)
            continue
        standing.add(group, kept)
        decided.append((group, kept))
    if refusals:
        raise BulkRefused(refusals)
    record_decisions(session, listing_id, decided, reason, actor, now)
    return BulkOutcome(decided)


class _Completeness:
    """Whether an application's submitted answers pass the listing's submission check today,
    read for the chosen groups' applications in one statement."""

    def __init__(
        self,
        session: AnySession,
        listing_id: int,
        now: datetime,
        groups: Sequence[Group],
        action: BulkAction,
    ) -> None:
        self._answers: dict[str, Mapping[str, Any]] = {}
        self._known: dict[str, bool] = {}
        if action is not BulkAction.KEEP_EARLIEST_COMPLETE or not groups:
            return
        listing = session.get_one(Listing, listing_id)
        self._rules = listing_rules(listing)
        self._today = local_date(listing, now)
        ids = sorted({member.id for group in groups for member in group.members})
        for start in range(0, len(ids), KEYS_PER_STATEMENT):
            rows = session.execute(
                select(Application.public_id, Application.submitted_answers).where(
                    Application.id.in_(ids[start : start + KEYS_PER_STATEMENT])
                )
            )
            for public_id, answers in rows:
                self._answers[str(public_id)] = cast("Mapping[str, Any]", answers or {})

    def __call__(self, public_id: str) -> bool:
        known = self._known.get(public_id)
        if known is None:
            answers = self._answers.get(public_id, {})
            known = not check_application(answers, self._rules, self._today)
            self._known[public_id] = known
        return known


def _earliest_complete(
    group: Group, standing: Standing, complete: _Completeness, groups: Mapping[GroupKey, Group]
) -> tuple[str, GroupRefusal | None]:
    kept_elsewhere = standing.kept_elsewhere(group)
    if len(kept_elsewhere) > 1:
        return "", GroupRefusal(group.value, "kept_twice", group, {"numbers": kept_elsewhere})
    if kept_elsewhere:
        kept = kept_elsewhere[0]
    else:
        left_out = standing.left_out_elsewhere(group)
        kept = next(
            (
                member.public_id
                for member in group.members
                if member.public_id not in left_out and complete(member.public_id)
            ),
            "",
        )
        if not kept:
            return "", GroupRefusal(group.value, "no_complete_application", group)
    contradiction = standing.contradiction(group, kept)
    if contradiction is not None:
        shared, other = contradiction
        return "", GroupRefusal(
            group.value,
            "conflict_with_group",
            group,
            {
                "shared": shared,
                "kept": kept,
                "other_rule": other[0].value,
                "other_numbers": groups[other].numbers,
            },
        )
    return kept, None
