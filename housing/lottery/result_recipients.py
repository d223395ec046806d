"""Who the published (or retracted) results go to, and what each of their messages says: every
entrant of the run, with their own places. Handed to the outbox's broadcasts when the app is
made (``housing.notifications.hooks``)."""

from __future__ import annotations

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import Application
from housing.db_types import AnySession
from housing.lottery.models import LotteryRank
from housing.notifications.broadcasts import Recipient
from housing.notifications.models import Broadcast


def results_recipients(
    session: AnySession, broadcast: Broadcast, after_id: int, limit: int
) -> list[Recipient]:
    """Every entrant of the published run, with their own places."""
    rows = session.execute(
        select(
            Application.id,
            Application.user_id,
            Application.language,
            Application.submitted_answers,
            Application.public_id,
            Application.lottery_number,
            LotteryRank.master_rank,
            LotteryRank.list_ranks,
            User.email,
            User.email_confirmed_at,
        )
        .join(LotteryRank, LotteryRank.application_id == Application.id)
        .outerjoin(User, User.id == Application.user_id)
        .where(LotteryRank.run_id == broadcast.context["run_id"], Application.id > after_id)
        .order_by(Application.id)
        .limit(limit)
    ).all()
    return [
        Recipient(
            application_id=row.id,
            user_id=row.user_id,
            language=row.language,
            answers=row.submitted_answers or {},
            context={
                "name": str(
                    ((row.submitted_answers or {}).get("applicant") or {}).get("first_name") or ""
                ),
                "application_number": row.public_id,
                "lottery_number": row.lottery_number,
                "master_rank": row.master_rank,
                "list_ranks": row.list_ranks,
            },
            confirmed_email=row.email if row.email_confirmed_at is not None else None,
        )
        for row in rows
    ]
