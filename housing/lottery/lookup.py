"""Published results, and an entrant's place in them by lottery number."""

from __future__ import annotations

from sqlalchemy import select

from housing.applications.models import (
    Application,
)
from housing.db_types import AnySession
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus
from housing.typed_numbers import typed_number


def published_runs(session: AnySession, listing_id: int) -> list[LotteryRun]:
    """Every version of the results that was ever published, newest first."""
    lottery = session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None:
        return []
    return [run for run in reversed(lottery.runs) if run.published_at is not None]


def published_run(session: AnySession, listing_id: int) -> LotteryRun | None:
    lottery = session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None or lottery.status is not LotteryStatus.PUBLISHED:
        return None
    return lottery.current_run


def look_up(session: AnySession, run: LotteryRun, lottery_number: str) -> LotteryRank | None:
    return session.scalars(
        select(LotteryRank)
        .join(Application, Application.id == LotteryRank.application_id)
        .where(
            LotteryRank.run_id == run.id,
            Application.lottery_number == typed_number(lottery_number),
            Application.listing_id == run.lottery.listing_id,
        )
    ).first()
