"""Work lists kept between requests, so that a lease-up page reads every rank of a listing's
results only when something the order depends on has changed.

A work list follows from its inputs alone: the published version of the results (its id and
result hash name the ranking), the preference shares, the unit groups with their terms and
reopenings, the statuses recorded so far, the day (ages count by it), and the households of the
applications the offers reached. A page reads all of these but the ranking, which is the slow
part (100,000 ranks take more than a second), and reuses the kept work list when they are the
ones it was computed from. Any change (a status, a unit, a reopening, a new version of the
results, a changed application that an offer reached, the next day) computes it again. Each
process keeps the ones it used last, up to a number of entrants in all (100,000 entrants take
about 27 MB); nothing here is shared between processes or hosts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from housing.leaseup.order import ShareRule, UnitGroup, WorkList

# Each kept list holds an object per entrant; the most kept in one process, in all.
MOST_ENTRANTS = 200_000


@dataclass(frozen=True)
class WorkInputs:
    """What a work list was computed from, apart from the households it read."""

    # The version of the results: its id, hash and time of publication name its ranking.
    run_id: int
    result_sha256: str
    published_at: datetime | None
    shares: tuple[ShareRule, ...]
    groups: tuple[UnitGroup, ...]
    # Unit terms compare without their chart's limits, so the limits are compared here.
    income_limits: tuple[Any, ...]
    reopened: tuple[tuple[int, int], ...]
    # Each entry's application, status, unit and list.
    statuses: tuple[tuple[int, str, int | None, str], ...]
    today: date


@dataclass(frozen=True)
class KeptWork:
    inputs: WorkInputs
    work: WorkList
    # The applications whose households the offers read, each with when it last changed.
    households_read: dict[int, datetime | None]
    entrants: int


class KeptWorkLists:
    """The work lists of the listings used last, up to ``most_entrants`` entrants in all (the
    latest one is kept whatever its size)."""

    def __init__(self, most_entrants: int = MOST_ENTRANTS) -> None:
        self._most_entrants = most_entrants
        self._kept: OrderedDict[int, KeptWork] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, listing_id: int, inputs: WorkInputs) -> KeptWork | None:
        """The listing's kept work list if it was computed from ``inputs``."""
        with self._lock:
            kept = self._kept.get(listing_id)
            if kept is None or kept.inputs != inputs:
                return None
            self._kept.move_to_end(listing_id)
            return kept

    def keep(self, listing_id: int, kept: KeptWork) -> None:
        with self._lock:
            self._kept[listing_id] = kept
            self._kept.move_to_end(listing_id)
            held = sum(each.entrants for each in self._kept.values())
            while held > self._most_entrants and len(self._kept) > 1:
                _listing_id, dropped = self._kept.popitem(last=False)
                held -= dropped.entrants


KEPT = KeptWorkLists()
