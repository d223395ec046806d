"""Pages of a published version's lists, read from the ranks table a page at a time.

Every list is the master order filtered to its holders, so a page of any list is a walk of the
index on (run, master rank) from a cursor, keeping the rows that hold the list: no request
reads the whole bundle, and a million entrants cost what a hundred do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select

from housing.applications.models import Application
from housing.db_types import AnySession
from housing.lottery.lookup import look_up
from housing.lottery.models import LotteryRank, LotteryRun
from housing.lottery.verify import GENERAL_LIST

PAGE_SIZE = 100


@dataclass(frozen=True)
class Place:
    place: int
    master_rank: int
    lottery_number: str


@dataclass(frozen=True)
class ListPage:
    places: list[Place]
    # Whether holders of the list come before the first place shown, and after the last.
    earlier: bool
    later: bool


def _holds(code: str) -> ColumnElement[bool]:
    if code == GENERAL_LIST:
        return LotteryRank.master_rank.is_not(None)
    return LotteryRank.list_ranks[code].as_integer().is_not(None)


def list_page(
    session: AnySession,
    run_id: int,
    code: str,
    *,
    after: int | None = None,
    before: int | None = None,
    size: int | None = None,
) -> ListPage:
    """The ``size`` holders of list ``code`` that follow master rank ``after`` (from the start
    when neither cursor is given), or that precede master rank ``before`` (``before=0``: the
    list's last page)."""
    size = size or PAGE_SIZE
    place = (
        LotteryRank.master_rank
        if code == GENERAL_LIST
        else LotteryRank.list_ranks[code].as_integer()
    )
    query = (
        select(place, LotteryRank.master_rank, Application.lottery_number)
        .join(Application, Application.id == LotteryRank.application_id)
        .where(LotteryRank.run_id == run_id, _holds(code))
    )
    backwards = before is not None
    if before:
        query = query.where(LotteryRank.master_rank < before)
    elif after is not None:
        query = query.where(LotteryRank.master_rank > after)
    order = LotteryRank.master_rank.desc() if backwards else LotteryRank.master_rank
    rows: list[tuple[Any, int, str | None]] = [
        (row[0], row[1], row[2]) for row in session.execute(query.order_by(order).limit(size + 1))
    ]
    more = len(rows) > size
    del rows[size:]
    if backwards:
        rows.reverse()
    places = [Place(int(row[0]), row[1], row[2] or "") for row in rows]
    if not places:
        return ListPage([], earlier=False, later=False)
    if backwards:
        earlier, later = more, bool(before)
    else:
        earlier, later = places[0].place > 1, more
    return ListPage(places, earlier=earlier, later=later)


def list_length(session: AnySession, run_id: int, code: str) -> int:
    """How many hold the list: the place of its last holder, found from the end."""
    page = list_page(session, run_id, code, before=0, size=1)
    return page.places[-1].place if page.places else 0


@dataclass(frozen=True)
class ListView:
    """What a results page shows of one list: a page of it, how many hold it, and the entrant
    searched for by lottery number (``searched``; None when no entrant has that number),
    marked when it holds the list (``marked``: its master rank)."""

    page: ListPage
    length: int
    searched: LotteryRank | None = None
    marked: int | None = None


def list_view(
    session: AnySession,
    run: LotteryRun,
    code: str,
    *,
    number: str = "",
    after: int | None = None,
    before: int | None = None,
) -> ListView:
    """The page after ``after`` or before ``before``; with a lottery number that holds the
    list, the page that starts with it instead, the number marked."""
    searched = look_up(session, run, number) if number.isdecimal() else None
    marked = None
    if searched is not None and code in searched.list_ranks:
        marked = searched.master_rank
        after, before = searched.master_rank - 1, None
    return ListView(
        list_page(session, run.id, code, after=after, before=before),
        list_length(session, run.id, code),
        searched,
        marked,
    )
