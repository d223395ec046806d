"""The order in which a listing's units are offered. Pure: no Flask, no database.

Units are offered list by list. Each preference list, in the listing's order, fills its share
of the units from its own ranking; the share it cannot fill rolls down to the next list, and the
general ranking fills whatever is left. Where a preference has a veteran list (``V-COP``), its
share is served from that list first, then from the preference's own list. A household is
counted once, on the first list that reaches it, and is offered a unit only if one that is still
free fits its size and income.

Nothing here is typed by anyone: who to contact next follows from the ranking, the units and
the statuses recorded so far. Households already holding a unit (being processed, approved,
leased...) are counted first, so that contacting someone out of order never takes a unit from
the household ahead of them on the same list; households that are out (withdrawn, declined,
disqualified, removed) hold nothing and let the next one in.

Accessible units go first to the households that need them (Section 504 of the Rehabilitation
Act; DAHLIA's mobility, vision and hearing priorities): before the lists share the units, each
accessible unit is offered, in the order of the general ranking, to households whose
application asked for one of its features, and only the accessible units none of them takes
are offered to others. Such a household counts against the share of the first preference list
that ranks it, as if that list had reached it. Units without features are offered first to
everyone else, so that an accessible unit is not used while another fits.

Once every unit is held, the households still in form the waitlist, in the order of the general
ranking. A unit that comes free again afterwards goes down the waitlist in that order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from housing.leaseup.statuses import HOLDING, OUT, LeaseStatus
from housing.listings.eligibility import Household, MissingIncomeLimit, UnitTerms, check_unit
from housing.lottery.verify import veteran_list_code


@dataclass(frozen=True)
class UnitGroup:
    """Identical units: ``key`` names the group, ``count`` how many units it has, and
    ``features`` the accessibility features they are built with (``mobility``, ``vision``,
    ``hearing``; none for most units)."""

    key: int
    terms: UnitTerms
    count: int
    features: frozenset[str] = frozenset()


# The list code of a household an accessible unit reached because it needs its features.
ACCESSIBLE = "accessible"


@dataclass(frozen=True)
class ShareRule:
    """A preference and the percent of units its lists may fill (None: whatever is left)."""

    code: str
    share_percent: int | None
    # Its share is served from its veteran list first ("V-" + code), then from its own.
    veteran_list: bool = False

    @property
    def list_codes(self) -> tuple[str, ...]:
        """The lists that fill this share, in the order they are served."""
        if self.veteran_list:
            return (veteran_list_code(self.code), self.code)
        return (self.code,)


@dataclass(slots=True)
class Candidate:
    """An entrant of the published results, with what lease-up has recorded about them."""

    id: int
    master_rank: int
    list_ranks: Mapping[str, int]
    household: Household | None = None
    status: LeaseStatus | None = None
    unit_key: int | None = None  # the unit group a holding household was given, if any
    list_code: str | None = None  # the list that reached a holding household
    # The accessibility features the application asked for (``mobility``, ``vision``...).
    needs: frozenset[str] = frozenset()


WAITLIST = "waitlist"  # the list a unit that came free again is offered through
# Households passed over for want of a fitting unit that the work list names; the rest wait.
MOST_PASSED_OVER = 50


class Role(enum.StrEnum):
    HOLDING = "holding"  # holds a unit: their case is being worked
    NEXT = "next"  # to be contacted now: a unit is free for them
    NO_UNIT = "no_unit"  # reached, but no free unit fits their size and income


@dataclass(frozen=True)
class Placement:
    candidate: Candidate
    list_code: str
    role: Role
    unit_key: int | None


@dataclass
class ListFill:
    code: str
    share_percent: int | None
    slots: int
    held: int = 0
    offered: int = 0
    unfilled: int = 0  # the part of the share that rolled down to the next list


@dataclass
class WorkList:
    units_total: int
    lists: list[ListFill]
    placements: list[Placement] = field(default_factory=list)
    waitlist: list[Candidate] = field(default_factory=list)
    _positions: dict[int, int] | None = field(default=None, repr=False)

    @property
    def next_to_contact(self) -> list[Candidate]:
        return [p.candidate for p in self.placements if p.role is Role.NEXT]

    @property
    def holding(self) -> int:
        return sum(1 for p in self.placements if p.role is Role.HOLDING)

    @property
    def leased(self) -> int:
        return sum(
            1
            for p in self.placements
            if p.role is Role.HOLDING and p.candidate.status is LeaseStatus.LEASE_SIGNED
        )

    @property
    def filled(self) -> bool:
        """Every unit is held or leased: who is left waits on the waitlist."""
        return self.holding >= self.units_total

    def waitlist_position(self, candidate_id: int) -> int | None:
        if self._positions is None:
            self._positions = {c.id: n for n, c in enumerate(self.waitlist, start=1)}
        return self._positions.get(candidate_id)


def share_slots(units_total: int, percent: int) -> int:
    """A share of units, rounded to the nearest whole unit (halves up)."""
    exact = Decimal(units_total * percent) / 100
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def _fits(household: Household | None, terms: UnitTerms) -> bool:
    # A household whose answers do not say enough (an incomplete paper application) is not
    # kept from a unit here; the agent checks it by hand.
    if household is None:
        return True
    try:
        return check_unit(household, terms).is_match
    except MissingIncomeLimit:  # a chart without this household size: checked by hand
        return True


class _Units:
    def __init__(
        self,
        groups: Sequence[UnitGroup],
        household: Callable[[Candidate], Household | None],
    ) -> None:
        self.groups = list(groups)
        self.free = {group.key: group.count for group in groups}
        self.household = household

    @property
    def left(self) -> int:
        return sum(self.free.values())

    def take(self, candidate: Candidate, wanted: int | None = None) -> int | None:
        """A free unit that fits the household: one it needs none of the features of first
        (an accessible unit is used for others only when nothing else fits)."""
        if wanted is not None and self.free.get(wanted, 0) > 0:
            self.free[wanted] -= 1
            return wanted
        if self.left == 0:
            return None
        household = self.household(candidate)
        for plain in (True, False):
            for group in self.groups:
                if (not group.features) is not plain or self.free[group.key] == 0:
                    continue
                if _fits(household, group.terms):
                    self.free[group.key] -= 1
                    return group.key
        return None

    def take_accessible(self, candidate: Candidate) -> int | None:
        """A free accessible unit with a feature the household needs, if one fits it."""
        household = None
        for group in self.groups:
            if self.free[group.key] == 0 or not (group.features & candidate.needs):
                continue
            household = household or self.household(candidate)
            if _fits(household, group.terms):
                self.free[group.key] -= 1
                return group.key
        return None

    @property
    def accessible_left(self) -> int:
        return sum(self.free[group.key] for group in self.groups if group.features)

    def take_any(self) -> int | None:
        for group in self.groups:
            if self.free[group.key] > 0:
                self.free[group.key] -= 1
                return group.key
        return None


def _ranking(candidates: Sequence[Candidate], codes: Sequence[str]) -> list[tuple[Candidate, str]]:
    """Who a share reaches, in order, each with the list that reaches them: each list in turn,
    in its own ranking; someone on two of them only on the first."""
    ranking: list[tuple[Candidate, str]] = []
    seen: set[int] = set()
    for code in codes:
        on_list = [c for c in candidates if code in c.list_ranks and c.id not in seen]
        on_list.sort(key=lambda c: (c.list_ranks[code], c.master_rank))
        ranking.extend((candidate, code) for candidate in on_list)
        seen.update(candidate.id for candidate in on_list)
    return ranking


def work_list(
    groups: Sequence[UnitGroup],
    shares: Sequence[ShareRule],
    candidates: Sequence[Candidate],
    *,
    general: str = "general",
    household: Callable[[Candidate], Household | None] = lambda candidate: candidate.household,
    reopened: Mapping[int, int] | None = None,
) -> WorkList:
    """Who holds which unit through which list, who to contact next, and the waitlist.
    ``household`` gives a candidate's household when a unit is matched to it; it is asked
    only for the households the offers reach."""
    total = sum(group.count for group in groups)
    reopened = reopened or {}
    units = _Units(
        [UnitGroup(g.key, g.terms, g.count + reopened.get(g.key, 0), g.features) for g in groups],
        household,
    )
    rankings = [_ranking(candidates, rule.list_codes) for rule in shares]
    rankings.append([(c, general) for c in sorted(candidates, key=lambda c: c.master_rank)])
    fills = [
        ListFill(rule.code, rule.share_percent, share_slots(total, rule.share_percent))
        if rule.share_percent is not None
        else ListFill(rule.code, None, total)
        for rule in shares
    ]
    fills.append(ListFill(general, None, total))
    result = WorkList(units.left, fills)
    counted: set[int] = set()

    # First those who already hold a unit, each on the list that reached them (or, when that
    # is not recorded, the first list that ranks them), counted against that list's share.
    share_of = {code: rule.code for rule in shares for code in rule.list_codes}
    share_of[general] = general

    def first_list(candidate: Candidate) -> ListFill:
        """The fill of the first list that ranks the candidate (the general one for most)."""
        for fill, rule in zip(fills, shares, strict=False):
            if any(code in candidate.list_ranks for code in rule.list_codes):
                return fill
        return fills[-1]

    # Households an accessible unit reached hold it first, whatever list ranks them.
    for holder, _general in rankings[-1]:
        if holder.status in HOLDING and holder.list_code == ACCESSIBLE:
            counted.add(holder.id)
            first_list(holder).held += 1
            unit = units.take(holder, holder.unit_key)
            if unit is None:
                unit = units.take_any()
            result.placements.append(Placement(holder, ACCESSIBLE, Role.HOLDING, unit))
    for fill, ranking in zip(fills, rankings, strict=True):
        for candidate, list_code in ranking:
            if candidate.id in counted or candidate.status not in HOLDING:
                continue
            reached_by = general if candidate.list_code == WAITLIST else candidate.list_code
            if reached_by not in share_of:
                reached_by = None
            if reached_by is not None and share_of[reached_by] != fill.code:
                continue
            counted.add(candidate.id)
            fill.held += 1
            unit = units.take(candidate, candidate.unit_key)
            if unit is None:
                unit = units.take_any()
            result.placements.append(
                Placement(candidate, reached_by or list_code, Role.HOLDING, unit)
            )

    # Then the accessible units still free, to the households that need them, in the order
    # of the general ranking; each counts against the first list that ranks it.
    for candidate, _general in rankings[-1]:
        if units.accessible_left == 0:
            break
        if not candidate.needs or candidate.id in counted or candidate.status in OUT:
            continue
        unit = units.take_accessible(candidate)
        if unit is not None:
            counted.add(candidate.id)
            first_list(candidate).held += 1
            result.placements.append(Placement(candidate, ACCESSIBLE, Role.NEXT, unit))

    # Then the free units, list by list; what a list cannot fill rolls down.
    free_total = max(0, total - len(counted))
    carried = 0
    passed_over = 0
    for index, (fill, ranking) in enumerate(zip(fills, rankings, strict=True)):
        is_general = index == len(fills) - 1
        room = free_total if is_general else max(0, fill.slots + carried - fill.held)
        room = min(room, free_total)
        for candidate, list_code in ranking:
            if fill.offered >= room or units.left == 0:
                break
            if candidate.id in counted or candidate.status in OUT:
                continue
            unit = units.take(candidate)
            if unit is None:
                if is_general and passed_over < MOST_PASSED_OVER:
                    passed_over += 1
                    result.placements.append(Placement(candidate, list_code, Role.NO_UNIT, None))
                continue
            counted.add(candidate.id)
            fill.offered += 1
            result.placements.append(Placement(candidate, list_code, Role.NEXT, unit))
        free_total -= fill.offered
        fill.unfilled = room - fill.offered
        carried = fill.unfilled
    # Units that came free again after lease-up go down the waitlist, in its order.
    for candidate, _general in rankings[-1]:
        if units.left == 0:
            break
        if candidate.id in counted or candidate.status in OUT:
            continue
        unit = units.take(candidate)
        if unit is not None:
            counted.add(candidate.id)
            result.placements.append(Placement(candidate, WAITLIST, Role.NEXT, unit))
    # Passed over after the last household offered a unit: they simply wait.
    while result.placements and result.placements[-1].role is Role.NO_UNIT:
        result.placements.pop()

    # Everyone still in and not reached waits, in the order of the general ranking.
    result.waitlist = [
        candidate
        for candidate, _general in rankings[-1]
        if candidate.id not in counted and candidate.status not in OUT
    ]
    return result
