"""What the partner pages of a listing's applications show that only the lottery knows.

Applications comes before the lottery and imports none of it. Its partner pages show what the
lottery made of each application: its ranks in the published results, the result lists it can
be found by, whether staff left it out as a duplicate. The lottery hands applications a
function when the app is made (see ``housing.blueprints``); the pages call it and hand what it
gives to the table (``table``) and to the template of one application's record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Subquery

from housing.applications.models import Application
from housing.db_types import AnySession
from housing.listings.models import Listing


@dataclass(frozen=True)
class ResultList:
    """A list the results publish, as the table filters by it: the claims of one preference,
    or only those made as a veteran (the preference's veteran list)."""

    code: str  # as the results name it: "COP", "V-COP"
    preference: str  # the preference whose claims it holds
    veteran: bool


@dataclass(frozen=True)
class Ranking:
    """The published results' overall ranks, for the table to sort by and show: ``rows`` has
    an ``application_id`` and a ``rank`` column, one row for each ranked application."""

    rows: Subquery


@dataclass(frozen=True)
class Ranks:
    """One application's places in the published results."""

    version: int
    published_at: datetime
    master: int
    # (list code, place), in the order of the published lists.
    lists: list[tuple[str, int]]


@dataclass(frozen=True)
class ListingLottery:
    """What the lottery says of one listing's applications, in the reader's language."""

    # Every list the results publish but the general one (which holds everyone), in order.
    lists: tuple[ResultList, ...]
    # Each preference's name, and its veteran list's where it has one, by code.
    names: Mapping[str, str]
    # Any result list's name by its code, the general list's too.
    list_name: Callable[[str], str]
    # The published results' ranks; None until results are published.
    ranking: Ranking | None
    # One application's places in the published results; None where it has none.
    ranks_of: Callable[[Application], Ranks | None]
    # The application numbers staff left out of the lottery as duplicates.
    left_out: frozenset[str]

    @property
    def published(self) -> bool:
        return self.ranking is not None


ListingLotteryOf = Callable[[AnySession, Listing, str], ListingLottery]


@dataclass
class ApplicationHooks:
    listing_lottery: ListingLotteryOf | None = None


def _hooks(app: Flask) -> ApplicationHooks:
    return cast(
        ApplicationHooks, app.extensions.setdefault("application_hooks", ApplicationHooks())
    )


def set_listing_lottery(app: Flask, provide: ListingLotteryOf) -> None:
    _hooks(app).listing_lottery = provide


def listing_lottery(session: AnySession, listing: Listing, language: str) -> ListingLottery:
    """What the lottery says of ``listing``'s applications, its names in ``language``."""
    provide = _hooks(current_app).listing_lottery
    if provide is None:
        raise RuntimeError("no package gave applications what the lottery says of them")
    return provide(session, listing, language)
