"""What the lottery says of a listing's applications, for their partner pages (handed to
``housing.applications.hooks`` when the app is made) and for a household's own copy of its
data: the lists the results publish, the published ranks, who is left out as a duplicate."""

from __future__ import annotations

from sqlalchemy import select

from housing.applications.hooks import ListingLottery, Ranking, Ranks, ResultList
from housing.applications.models import Application
from housing.db_types import AnySession
from housing.listings.models import Listing
from housing.lottery.duplicate_decisions import left_out_as_duplicates
from housing.lottery.lookup import published_run
from housing.lottery.models import LotteryRank, LotteryRun
from housing.lottery.verify import VETERAN_PREFIX, base_code, list_codes
from housing.lottery.wording import list_name, result_list_names


def listing_lottery(session: AnySession, listing: Listing, language: str) -> ListingLottery:
    run = published_run(session, listing.id)
    names = result_list_names(listing, language)
    return ListingLottery(
        lists=result_lists(listing),
        names=names,
        list_name=lambda code: list_name(code, names),
        ranking=_ranking(run) if run is not None else None,
        ranks_of=lambda application: ranks_in(session, application, run),
        left_out=frozenset(left_out_as_duplicates(session, listing.id)),
    )


def result_lists(listing: Listing) -> tuple[ResultList, ...]:
    """Each preference's list, and its veteran list's ahead of it where it has one ("V-COP"),
    as the listing's preferences stand; the general list holds everyone and is left out."""
    codes = list_codes(
        [
            {"code": choice.preference.code, "veteran_list": choice.veterans_first}
            for choice in listing.preferences
        ]
    )[:-1]
    return tuple(
        ResultList(code, base_code(code), code.startswith(VETERAN_PREFIX)) for code in codes
    )


def _ranking(run: LotteryRun) -> Ranking:
    return Ranking(
        select(LotteryRank.application_id, LotteryRank.master_rank.label("rank"))
        .where(LotteryRank.run_id == run.id)
        .subquery("ranks")
    )


def ranks_in(session: AnySession, application: Application, run: LotteryRun | None) -> Ranks | None:
    """The application's places in ``run`` (published results), None where it has none."""
    if run is None or run.published_at is None:
        return None
    rank = session.get(LotteryRank, (run.id, application.id))
    if rank is None:
        return None
    # In the order the results publish them: veteran lists ahead of their preference's own.
    order = list_codes(run.lottery.rules.get("preferences", []))[:-1]
    held = dict(rank.list_ranks or {})
    lists = [(code, held.pop(code)) for code in order if code in held]
    lists += sorted(held.items(), key=lambda item: (item[0] == "general", item[0]))
    return Ranks(
        version=run.number, published_at=run.published_at, master=rank.master_rank, lists=lists
    )


def application_ranks(session: AnySession, application: Application) -> Ranks | None:
    """The application's places in its listing's published results."""
    return ranks_in(session, application, published_run(session, application.listing_id))
