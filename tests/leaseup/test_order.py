"""The order units are offered in, computed from ranks, shares, units and statuses."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from housing.leaseup.order import (
    ACCESSIBLE,
    Candidate,
    Role,
    ShareRule,
    UnitGroup,
    share_slots,
    work_list,
)
from housing.leaseup.statuses import HOLDING, OUT, LeaseStatus
from housing.listings.eligibility import Household, UnitTerms, UnitType

LIMITS = {(80, size): Decimal(60_000 + 10_000 * size) for size in range(1, 9)}
ONE_BED = UnitTerms(UnitType.ONE_BEDROOM, 80, LIMITS)
THREE_BED = UnitTerms(UnitType.THREE_BEDROOM, 80, LIMITS)


def candidate(n: int, lists: dict[str, int] | None = None, **kwargs: object) -> Candidate:
    return Candidate(id=n, master_rank=n, list_ranks={**(lists or {}), "general": n}, **kwargs)  # type: ignore[arg-type]


def ids(candidates: list[Candidate]) -> list[int]:
    return [c.id for c in candidates]


def test_each_preference_list_fills_its_share_then_the_general_list_fills_the_rest():
    # 10 units: COP 20% (2), DTHP 30% (3), general 5.
    people = [candidate(n) for n in range(1, 21)]
    people[9] = candidate(10, {"COP": 1})
    people[14] = candidate(15, {"COP": 2, "DTHP": 1})
    people[19] = candidate(20, {"DTHP": 2})
    work = work_list(
        [UnitGroup(1, ONE_BED, 10)],
        [ShareRule("COP", 20), ShareRule("DTHP", 30)],
        people,
    )
    placed = [(p.candidate.id, p.list_code) for p in work.placements]
    # COP takes its two; DTHP finds only one household left (15 is counted once, on COP) and
    # passes its two unfilled units to the general list, which takes 7.
    assert placed[:3] == [(10, "COP"), (15, "COP"), (20, "DTHP")]
    assert [fill.unfilled for fill in work.lists[:2]] == [0, 2]
    assert [code for _, code in placed[3:]] == ["general"] * 7
    assert ids(work.next_to_contact) == [10, 15, 20, 1, 2, 3, 4, 5, 6, 7]
    assert len(set(ids(work.next_to_contact))) == 10
    assert ids(work.waitlist)[:3] == [8, 9, 11]


def test_households_out_let_the_next_in_and_holders_keep_their_units():
    people = [candidate(n) for n in range(1, 8)]
    people[0] = candidate(1, status=LeaseStatus.DISQUALIFIED)
    people[2] = candidate(3, status=LeaseStatus.LEASE_SIGNED)
    # 6 was contacted out of order: it still holds a unit, so only one is left for 2.
    people[5] = candidate(6, status=LeaseStatus.PROCESSING)
    work = work_list([UnitGroup(1, ONE_BED, 3)], [], people)
    assert [(p.candidate.id, p.role) for p in work.placements] == [
        (3, Role.HOLDING),
        (6, Role.HOLDING),
        (2, Role.NEXT),
    ]
    assert work.leased == 1 and not work.filled  # one unit is still to be offered
    assert ids(work.waitlist) == [4, 5, 7]
    assert work.waitlist_position(5) == 2


def test_units_are_matched_to_household_size_and_income():
    big = Household(size=5, annual_income=Decimal(50_000))
    rich = Household(size=1, annual_income=Decimal(500_000))
    single = Household(size=1, annual_income=Decimal(30_000))
    people = [
        candidate(1, household=big),
        candidate(2, household=rich),
        candidate(3, household=single),
        candidate(4, household=single),
    ]
    work = work_list(
        [UnitGroup(1, ONE_BED, 1), UnitGroup(3, THREE_BED, 1)],
        [],
        people,
        household=lambda c: c.household,
    )
    placed = [(p.candidate.id, p.role, p.unit_key) for p in work.placements]
    # The family of five gets the three-bedroom; the household over the income limit fits
    # neither; the next single person gets the one-bedroom.
    assert placed == [(1, Role.NEXT, 3), (2, Role.NO_UNIT, None), (3, Role.NEXT, 1)]
    assert ids(work.waitlist) == [2, 4]


def test_a_unit_that_frees_up_goes_to_the_first_on_the_waitlist():
    people = [candidate(n, status=LeaseStatus.LEASE_SIGNED) for n in (1, 2)]
    people += [
        candidate(3, status=LeaseStatus.WAITLISTED),
        candidate(4, status=LeaseStatus.WAITLISTED),
    ]
    full = work_list([UnitGroup(1, ONE_BED, 2)], [], people)
    assert full.filled and not full.next_to_contact
    reopened = work_list([UnitGroup(1, ONE_BED, 2)], [], people, reopened={1: 1})
    assert ids(reopened.next_to_contact) == [3]
    assert ids(reopened.waitlist) == [4]


def test_shares_round_to_the_nearest_unit():
    assert share_slots(5, 40) == 2
    assert share_slots(5, 30) == 2  # 1.5 rounds up
    assert share_slots(3, 10) == 0


statuses = st.sampled_from([None, *LeaseStatus])


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=12),
    share=st.integers(min_value=1, max_value=100),
    people=st.lists(st.tuples(st.booleans(), statuses), max_size=30),
)
def test_nobody_is_counted_twice_and_units_are_never_over_given(units, share, people):
    candidates = [
        candidate(n, {"COP": n} if on_cop else {}, status=status)
        for n, (on_cop, status) in enumerate(people, start=1)
    ]
    work = work_list([UnitGroup(1, ONE_BED, units)], [ShareRule("COP", share)], candidates)
    placed = ids([p.candidate for p in work.placements])
    assert len(placed) == len(set(placed))
    assert not set(placed) & set(ids(work.waitlist))
    holders = [c for c in candidates if c.status in HOLDING]
    assert work.holding == len(holders)  # a holder is never dropped
    offered = len(work.next_to_contact)
    assert offered == max(
        0,
        min(
            units - len(holders),
            sum(1 for c in candidates if c.status not in HOLDING and c.status not in OUT),
        ),
    )
    for candidate_ in work.next_to_contact:
        assert candidate_.status not in OUT
    # The waitlist keeps the general order.
    ranks = [c.master_rank for c in work.waitlist]
    assert ranks == sorted(ranks)


def test_a_household_counts_on_the_list_that_reached_it():
    # List A fills 2 of 10 units. Y is third on A but first overall: the general list reaches
    # Y. Once Y is being processed, it must not take a place from Z, second on A.
    x, z, y = candidate(2, {"A": 1}), candidate(50, {"A": 2}), candidate(1, {"A": 3})
    others = [candidate(n) for n in range(3, 20)]
    work = work_list([UnitGroup(1, ONE_BED, 10)], [ShareRule("A", 20)], [x, z, y, *others])
    reached = {p.candidate.id: p.list_code for p in work.placements}
    assert reached[2] == "A" and reached[50] == "A" and reached[1] == "general"
    x = candidate(2, {"A": 1}, status=LeaseStatus.PROCESSING, list_code="A")
    y = candidate(1, {"A": 3}, status=LeaseStatus.PROCESSING, list_code="general")
    work = work_list([UnitGroup(1, ONE_BED, 10)], [ShareRule("A", 20)], [x, z, y, *others])
    assert 50 in ids(work.next_to_contact)


def test_a_preference_share_is_served_from_its_veteran_list_first():
    # COP has 3 of 10 units. Veterans with COP (V-COP) come first, in their own order, even
    # when they rank lower overall; then the other COP holders; the general list fills the rest.
    veteran_a, veteran_b = candidate(9, {"V-COP": 1}), candidate(12, {"V-COP": 2})
    plain = [candidate(n, {"COP": place}) for place, n in enumerate((1, 4, 6), start=1)]
    others = [candidate(n) for n in (2, 3, 5, 7, 8, 10, 11, 13)]
    rules = [ShareRule("COP", 30, veteran_list=True)]
    work = work_list([UnitGroup(1, ONE_BED, 10)], rules, [*others, *plain, veteran_b, veteran_a])
    placed = [(p.candidate.id, p.list_code) for p in work.placements]
    assert placed[:3] == [(9, "V-COP"), (12, "V-COP"), (1, "COP")]
    assert [fill.code for fill in work.lists] == ["COP", "general"]
    assert work.lists[0].offered == 3
    assert [code for _id, code in placed[3:]] == ["general"] * 7
    # A veteran already holding a unit through V-COP counts against COP's share.
    held = candidate(9, {"V-COP": 1}, status=LeaseStatus.PROCESSING, list_code="V-COP")
    work = work_list([UnitGroup(1, ONE_BED, 10)], rules, [*others, *plain, veteran_b, held])
    assert work.lists[0].held == 1
    assert [(p.candidate.id, p.list_code) for p in work.placements][:3] == [
        (9, "V-COP"),
        (12, "V-COP"),
        (1, "COP"),
    ]


@settings(max_examples=200, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=15),
    share=st.integers(min_value=1, max_value=100),
    claims=st.lists(st.sampled_from(["none", "COP", "V-COP"]), max_size=30),
)
def test_within_a_share_every_veteran_list_holder_is_served_before_the_base_list(
    units, share, claims
):
    # Lists as the draw makes them: the master order filtered to each list's holders, numbered
    # 1, 2, 3... inside each list; a household holds V-COP or COP, never both.
    places: dict[str, int] = {}
    candidates = []
    for n, held in enumerate(claims, start=1):
        lists = {}
        if held != "none":
            places[held] = places.get(held, 0) + 1
            lists[held] = places[held]
        candidates.append(candidate(n, lists))
    work = work_list(
        [UnitGroup(1, ONE_BED, units)], [ShareRule("COP", share, veteran_list=True)], candidates
    )
    through_share = [
        (p.candidate, p.list_code) for p in work.placements if p.list_code in ("V-COP", "COP")
    ]
    veterans = sorted((c for c in candidates if "V-COP" in c.list_ranks), key=lambda c: c.id)
    plain = sorted((c for c in candidates if "COP" in c.list_ranks), key=lambda c: c.id)
    # The share takes, in order, the V-COP list then the COP list, each in its own order...
    expected = [(c, "V-COP") for c in veterans] + [(c, "COP") for c in plain]
    assert through_share == expected[: share_slots(units, share)]
    # ...and a household is counted once, on the list that reached it.
    placed = ids([p.candidate for p in work.placements])
    assert len(placed) == len(set(placed))
    assert len(placed) == min(units, len(candidates))


MOBILITY = frozenset({"mobility"})


def test_an_accessible_unit_goes_first_to_the_household_that_needs_it():
    # Three one-bedrooms, one built for wheelchairs. Household 5 asked for a mobility unit: it
    # is offered that unit ahead of 1 to 4; they share the other two in ranked order.
    people = [candidate(n, needs=MOBILITY if n == 5 else frozenset()) for n in range(1, 8)]
    groups = [UnitGroup(1, ONE_BED, 2), UnitGroup(2, ONE_BED, 1, MOBILITY)]
    work = work_list(groups, [], people)
    placed = [(p.candidate.id, p.list_code, p.unit_key) for p in work.placements]
    assert placed == [(5, ACCESSIBLE, 2), (1, "general", 1), (2, "general", 1)]
    assert ids(work.waitlist)[:2] == [3, 4]


def test_nobody_needing_it_the_accessible_unit_is_offered_last_to_others():
    people = [candidate(n) for n in range(1, 8)]
    groups = [UnitGroup(2, ONE_BED, 1, MOBILITY), UnitGroup(1, ONE_BED, 2)]
    work = work_list(groups, [], people)
    # The plain units go first, so the accessible one stays free as long as possible.
    assert [(p.candidate.id, p.unit_key) for p in work.placements] == [(1, 1), (2, 1), (3, 2)]


def test_a_household_an_accessible_unit_reached_counts_on_its_preference_share():
    # COP has 2 of 10 units. Household 30 is first on COP and needs a mobility unit: it takes
    # the accessible unit and one of COP's two places; COP's second place goes to 31.
    cop = [
        candidate(30, {"COP": 1}, needs=MOBILITY),
        candidate(31, {"COP": 2}),
        candidate(32, {"COP": 3}),
    ]
    people = [*cop, *(candidate(n) for n in range(1, 20))]
    groups = [UnitGroup(1, ONE_BED, 9), UnitGroup(2, ONE_BED, 1, MOBILITY)]
    work = work_list(groups, [ShareRule("COP", 20)], people)
    reached = {p.candidate.id: p.list_code for p in work.placements}
    assert reached[30] == ACCESSIBLE and reached[31] == "COP" and 32 not in reached
    assert work.lists[0].held == 1 and work.lists[0].offered == 1
    # Once it holds the unit, it keeps it and still counts on COP.
    held = candidate(
        30,
        {"COP": 1},
        needs=MOBILITY,
        status=LeaseStatus.PROCESSING,
        unit_key=2,
        list_code=ACCESSIBLE,
    )
    again = work_list(groups, [ShareRule("COP", 20)], [held, *cop[1:], *people[3:]])
    assert next((p.candidate.id, p.role, p.unit_key) for p in again.placements) == (
        30,
        Role.HOLDING,
        2,
    )
    assert again.lists[0].held == 1 and 32 not in ids(again.next_to_contact)


features = st.frozensets(st.sampled_from(["mobility", "vision", "hearing"]), max_size=2)


@settings(max_examples=300, deadline=None)
@given(
    plain_units=st.integers(min_value=0, max_value=6),
    accessible=st.lists(st.tuples(features, st.integers(min_value=1, max_value=3)), max_size=3),
    people=st.lists(st.tuples(features, statuses, st.booleans()), max_size=25),
    share=st.integers(min_value=1, max_value=100),
)
def test_an_accessible_unit_never_goes_to_others_while_a_household_needing_it_waits(
    plain_units, accessible, people, share
):
    groups = [UnitGroup(1, ONE_BED, plain_units)] + [
        UnitGroup(n, ONE_BED, count, feats) for n, (feats, count) in enumerate(accessible, start=2)
    ]
    holders = [
        candidate(
            n,
            {"COP": n} if on_cop else {},
            needs=needs,
            status=status,
            unit_key=None,
            list_code=None,
        )
        for n, (needs, status, on_cop) in enumerate(people, start=1)
    ]
    work = work_list(groups, [ShareRule("COP", share)], holders)
    by_key = {group.key: group for group in groups}
    waiting = set(ids(work.waitlist))
    placed = [p for p in work.placements if p.unit_key is not None]
    # Never more units given than a group has.
    for group in groups:
        assert sum(1 for p in placed if p.unit_key == group.key) <= group.count
    for placement in placed:
        group = by_key[placement.unit_key]
        if not group.features or placement.role is not Role.NEXT:
            continue
        if placement.candidate.needs & group.features:
            assert placement.list_code == ACCESSIBLE
            continue
        # Given to a household that does not need it: nobody who needs it is waiting.
        assert not [c for c in holders if c.id in waiting and c.needs & group.features]
    # Those an accessible unit reached are reached in the order of the general ranking.
    reached = [
        p.candidate.master_rank for p in placed if p.list_code == ACCESSIBLE and p.role is Role.NEXT
    ]
    assert reached == sorted(reached)
