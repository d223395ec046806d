"""Public listings as the public pages read them, loaded once per version of each listing.

A listing page, a directory page or the estimator needs a listing with its units, AMI charts,
preferences, events and documents: six queries and a few hundred ORM objects. They change
rarely, and every change a partner or staff makes raises the listing's version
(``Listing.version``, counted by SQLAlchemy on every update of the row, which
``management.record_change`` touches for a change to any part of the listing). So each request
reads only the ids and versions of the listings it shows, and takes the rest from a copy kept
in this process for that version, loaded once and detached from any session.

A few things reach the pages without raising the version: a unit leased during lease-up, a
correction to the preference catalogue's names, a lottery frozen. A kept copy is therefore also
renewed after ``KEEP_SECONDS``, the most the page cache already lets an anonymous reader's page
lag behind a change, and a change to any of them written by this process drops every copy at
once (``_forget_on_change``). Renewal reads a listing again; with a thousand open listings, all
of which the estimator reads, a shorter time would spend a large share of a worker on it.

Whether a listing is public is asked of the database on every request; a copy is never a
reason to show a listing that has been withdrawn. The copies are read-only: nothing writes to
them, and they are shared between a worker's threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, Select, event, select
from sqlalchemy.orm import Session, selectinload

from housing.db_types import AnySession
from housing.listings.eligibility import (
    Household,
    ListingResult,
    MissingIncomeLimit,
    UnitTerms,
    annual_income_limit,
    check_listing,
    fits_any_unit,
)
from housing.listings.models import Listing, Unit
from housing.listings.preferences import ListingPreference

T = TypeVar("T")

KEEP_SECONDS = 20.0
# More than the public listings of the largest city (the estimator reads every open one on
# each request, so fewer would be read again and again); the oldest copy goes first.
MAX_KEPT = 5000

# A listing's identity as far as its copies go: a deleted listing's id can be used again.
Key = tuple[int, datetime, int]


@dataclass(frozen=True)
class Snapshot:
    """One listing, detached and complete, with what the pages derive from its units."""

    listing: Listing
    # Each unit's eligibility terms, in the listing's unit order.
    terms: tuple[UnitTerms, ...]
    expires: float
    # What its pages derive from it that depends on nothing but the listing and the reader's
    # language (its facts rendered, its units' rows), made once each: {(what, locale): value}.
    derived: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False)

    def kept(self, what: str, locale: str, make: Callable[[], T]) -> T:
        key = (what, locale)
        if key not in self.derived:
            # Two threads may both make it; either result is the same.
            self.derived[key] = make()
        return cast(T, self.derived[key])

    # What no household can get past, whatever its other answers: the fewest and the most
    # people any deciding unit takes (the available units, or all when none is).
    fewest: int = 0
    most: int = 0
    # The highest income limit of any deciding unit, by household size, filled as asked.
    highest_limits: dict[int, Decimal] = field(default_factory=dict, compare=False)

    def eligibility(self, household: Household) -> ListingResult:
        from housing.listings.services import senior_requirement

        return check_listing(household, list(self.terms), senior_requirement(self.listing))

    def fits(self, household: Household) -> bool:
        """Whether the household fits one of the units (``check_listing``'s verdict), cheaply."""
        from housing.listings.services import senior_requirement

        return self.could_match(household) and fits_any_unit(
            household, self.terms, senior_requirement(self.listing)
        )

    def could_match(self, household: Household) -> bool:
        """False only when no deciding unit can fit this household: it is too small or too
        large for all of them, or earns more than every limit for its size. Cheap: the
        estimator checks every unit only of the listings this leaves."""
        if not self.terms:
            return False
        if household.size < self.fewest or household.size_counted_for_maximum > self.most:
            return False
        try:
            return household.annual_income <= self._highest_limit(household.size)
        except MissingIncomeLimit:
            return True  # the whole check says what is missing

    def _highest_limit(self, size: int) -> Decimal:
        limit = self.highest_limits.get(size)
        if limit is None:
            limit = self.highest_limits[size] = max(
                annual_income_limit(unit.income_limits, unit.ami_percent, size)
                for unit in _deciding(self.terms)
            )
        return limit


def _deciding(terms: Sequence[UnitTerms]) -> Sequence[UnitTerms]:
    return [unit for unit in terms if unit.available] or terms


class _Kept:
    def __init__(self) -> None:
        self._copies: OrderedDict[Key, Snapshot] = OrderedDict()
        self._neighborhoods: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()

    def get(self, key: Key, now: float) -> Snapshot | None:
        with self._lock:
            copy = self._copies.get(key)
            if copy is None or copy.expires <= now:
                return None
            self._copies.move_to_end(key)
            return copy

    def put(self, key: Key, copy: Snapshot) -> None:
        with self._lock:
            self._copies[key] = copy
            self._copies.move_to_end(key)
            while len(self._copies) > MAX_KEPT:
                self._copies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._neighborhoods = None

    def neighborhoods(self, now: float, read: Callable[[], list[str]]) -> list[str]:
        """The public listings' neighbourhoods (the directory's filter), read again after
        ``KEEP_SECONDS``."""
        with self._lock:
            if self._neighborhoods is not None and self._neighborhoods[0] > now:
                return self._neighborhoods[1]
        names = read()
        with self._lock:
            self._neighborhoods = (now + KEEP_SECONDS, names)
        return names


# Each database's copies: a process may serve several sites, each with its own database.
_STORES: WeakKeyDictionary[Engine, _Kept] = WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def _engine(session: AnySession) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def _kept(session: AnySession) -> _Kept:
    engine = _engine(session)
    store = _STORES.get(engine)
    if store is None:
        with _STORES_LOCK:
            store = _STORES.setdefault(engine, _Kept())
    return store


def forget_all(session: AnySession) -> None:
    """Drop every copy of this session's database."""
    _kept(session).clear()


def public_neighborhoods(session: AnySession, read: Callable[[], list[str]]) -> list[str]:
    return _kept(session).neighborhoods(time.monotonic(), read)


# What the kept copies are made of: a change to any of these in this process drops them all.
WATCHED_TABLES = frozenset(
    {
        "listings",
        "units",
        "listing_events",
        "listing_documents",
        "listing_preferences",
        "preferences",
        "ami_charts",
        "lotteries",
    }
)


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """A change written in this process shows on its next page at once; other processes see
    it by the listing's version, or after ``KEEP_SECONDS``."""
    for item in (*session.new, *session.dirty, *session.deleted):
        if getattr(item, "__tablename__", None) in WATCHED_TABLES:
            store = _STORES.get(_engine(session))
            if store is not None:
                store.clear()
            return


def _complete(query: Select[Any]) -> Select[Any]:
    return query.options(
        selectinload(Listing.units).selectinload(Unit.ami_chart),
        selectinload(Listing.preferences).selectinload(ListingPreference.preference),
        selectinload(Listing.events),
        selectinload(Listing.documents),
    )


def _detach(session: AnySession, listing: Listing) -> Snapshot:
    from housing.listings.services import unit_terms

    # The terms read each unit's AMI chart while it is still attached to the session.
    terms = tuple(unit_terms(unit) for unit in listing.units)
    objects: list[Any] = [listing, *listing.units, *listing.events, *listing.documents]
    objects += [unit.ami_chart for unit in listing.units]
    objects += [*listing.preferences, *(choice.preference for choice in listing.preferences)]
    for item in objects:
        if item in session:
            session.expunge(item)
    return made(listing, terms, time.monotonic() + KEEP_SECONDS)


def made(listing: Listing, terms: tuple[UnitTerms, ...], expires: float) -> Snapshot:
    """A copy of a listing whose units have these terms, with its quick test's bounds."""
    deciding = _deciding(terms)
    return Snapshot(
        listing,
        terms,
        expires,
        fewest=min((unit.effective_occupancy.minimum for unit in deciding), default=0),
        most=max((unit.effective_occupancy.maximum for unit in deciding), default=0),
    )


def snapshots(session: AnySession, keys: Sequence[Key]) -> list[Snapshot]:
    """The listings with these keys, in the same order: kept copies where they are current,
    the rest loaded in one round of queries."""
    now = time.monotonic()
    kept = _kept(session)
    found: dict[Key, Snapshot] = {}
    missing: list[Key] = []
    for key in keys:
        copy = kept.get(key, now)
        if copy is None:
            missing.append(key)
        else:
            found[key] = copy
    if missing:
        loaded = session.scalars(
            _complete(select(Listing).where(Listing.id.in_([key[0] for key in missing])))
        ).all()
        for listing in loaded:
            copy = _detach(session, listing)
            key = (listing.id, listing.created_at, listing.version)
            found[key] = copy
            kept.put(key, copy)
    # A listing changed between the two reads is shown as it is now, under its old key.
    by_id = {key[0]: copy for key, copy in found.items()}
    return [found.get(key) or by_id[key[0]] for key in keys if key in found or key[0] in by_id]


def keys_of(rows: Iterable[Any]) -> list[Key]:
    return [(row.id, row.created_at, row.version) for row in rows]


KEY_COLUMNS = (Listing.id, Listing.created_at, Listing.version)
