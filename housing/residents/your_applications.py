"""Where each of a resident's applications stands, for the list on their account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from housing.accounts.models import User
from housing.applications.models import Application, ApplicationStatus
from housing.applications.services import applications_of, can_change
from housing.db_types import AnySession
from housing.leaseup.models import DocumentRequest, LeaseUpEntry
from housing.leaseup.statuses import LeaseStatus
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus


@dataclass(frozen=True)
class LotteryResult:
    # None when the application is not among the published entrants (left out).
    rank: int | None
    entrants: int | None
    list_ranks: dict[str, int]


@dataclass(frozen=True)
class ApplicationRow:
    application: Application
    # A draft that can still be finished (the listing takes applications).
    can_resume: bool
    result: LotteryResult | None
    lease_status: LeaseStatus | None
    # Documents asked for and not sent yet: until when.
    documents_due_at: datetime | None


def _results(session: AnySession, applications: list[Application]) -> dict[int, LotteryResult]:
    """Each submitted application's place in its listing's published lottery, read in the
    same few statements however many listings the applications are on."""
    submitted = [found for found in applications if found.submitted_at]
    listing_ids = {found.listing_id for found in submitted}
    if not listing_ids:
        return {}
    published: dict[int, tuple[Lottery, LotteryRun]] = {}
    for lottery in session.scalars(
        select(Lottery)
        .where(Lottery.listing_id.in_(listing_ids), Lottery.status == LotteryStatus.PUBLISHED)
        .options(selectinload(Lottery.runs))
    ):
        run = lottery.current_run
        if run is not None:
            published[lottery.listing_id] = (lottery, run)
    mine = [found for found in submitted if found.listing_id in published]
    if not mine:
        return {}
    # Only the current version of each listing's results: an application is ranked in every
    # version of its own listing's results, and in no other listing's.
    ranks = {
        rank.application_id: rank
        for rank in session.scalars(
            select(LotteryRank).where(
                LotteryRank.run_id.in_([run.id for _lottery, run in published.values()]),
                LotteryRank.application_id.in_([found.id for found in mine]),
            )
        )
    }
    results: dict[int, LotteryResult] = {}
    for found in mine:
        lottery, _run = published[found.listing_id]
        rank = ranks.get(found.id)
        results[found.id] = LotteryResult(
            rank=rank.master_rank if rank else None,
            entrants=lottery.entrant_count,
            list_ranks=dict(rank.list_ranks) if rank else {},
        )
    return results


def application_rows(session: AnySession, user: User, now: datetime) -> list[ApplicationRow]:
    """Every application of the account, newest first, with what is asked of it now."""
    applications = [found for found in applications_of(session, user) if found.erased_at is None]
    ids = [found.id for found in applications]
    results = _results(session, applications)
    entries = {
        entry.application_id: entry
        for entry in session.scalars(
            select(LeaseUpEntry).where(LeaseUpEntry.application_id.in_(ids))
        )
    }
    requests: dict[int, DocumentRequest] = {}
    for asked in session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.application_id.in_(ids))
        .order_by(DocumentRequest.created_at, DocumentRequest.id)
    ):
        requests[asked.application_id] = asked  # the latest one stays
    rows = []
    for application in applications:
        entry = entries.get(application.id)
        latest = requests.get(application.id)
        rows.append(
            ApplicationRow(
                application=application,
                can_resume=(
                    application.status is ApplicationStatus.DRAFT and can_change(application, now)
                ),
                result=results.get(application.id),
                lease_status=entry.status if entry else None,
                documents_due_at=(
                    latest.due_at if latest is not None and latest.is_open(now) else None
                ),
            )
        )
    return rows
