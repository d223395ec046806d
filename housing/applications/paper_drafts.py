"""Paper applications still being typed in, and setting aside one that will not be finished.

A clerk starts a draft for each paper form received. One started by mistake, typed twice or
left when the form turned out to be someone else's would hold up the lottery's freeze for good:
staff or the listing's partner set it aside with a reason. It is kept (who, when and why are
on the application and in its history), it can no longer be changed or submitted, and it is no
longer counted as being entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from housing.accounts.models import User
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    ApplicationVersion,
)
from housing.db_types import AnySession

MAX_REASON = 2000


class DiscardRefused(Exception):
    """Why a draft cannot be set aside: ``not_found``, ``not_paper_draft`` (submitted, online,
    or set aside already) or ``reason_missing``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PaperDraft:
    application: Application
    entered_by: str


def being_entered(listing_id: int) -> list[ColumnElement[bool]]:
    """The conditions of a paper draft still being typed in (what the freeze waits for)."""
    return [
        Application.listing_id == listing_id,
        Application.channel == ApplicationChannel.PAPER,
        Application.status == ApplicationStatus.DRAFT,
        Application.discarded_at.is_(None),
    ]


def count_being_entered(session: AnySession, listing_id: int) -> int:
    query = select(func.count()).select_from(Application).where(*being_entered(listing_id))
    return session.scalar(query) or 0


def paper_drafts(session: AnySession, listing_id: int) -> list[PaperDraft]:
    """The listing's paper drafts still being entered, the oldest first."""
    rows = session.scalars(
        select(Application)
        .where(*being_entered(listing_id))
        .order_by(Application.created_at, Application.id)
    ).all()
    clerks = _names(session, {row.entered_by_id for row in rows if row.entered_by_id})
    return [PaperDraft(row, clerks.get(row.entered_by_id or 0, "")) for row in rows]


def _names(session: AnySession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row.id: row.email
        for row in session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    }


def discard(
    session: AnySession,
    listing_id: int,
    public_id: str,
    actor: User,
    now: datetime,
    *,
    reason: str,
) -> Application:
    """Set a paper draft aside with a reason; ``DiscardRefused`` otherwise, and nothing
    changes."""
    reason = reason.strip()
    if not reason:
        raise DiscardRefused("reason_missing")
    application = session.scalars(
        select(Application)
        .where(Application.listing_id == listing_id, Application.public_id == public_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if application is None:
        raise DiscardRefused("not_found")
    if (
        application.channel is not ApplicationChannel.PAPER
        or application.status is not ApplicationStatus.DRAFT
        or application.discarded_at is not None
    ):
        raise DiscardRefused("not_paper_draft")
    application.discarded_at = now
    application.discarded_by_id = actor.id
    application.discard_reason = reason[:MAX_REASON]
    count = session.scalar(
        select(func.count())
        .select_from(ApplicationVersion)
        .where(ApplicationVersion.application_id == application.id)
    )
    session.add(
        ApplicationVersion(
            application_id=application.id,
            number=(count or 0) + 1,
            action="discarded",
            at=now,
            actor_id=actor.id,
            answers=application.answers,
        )
    )
    session.flush()
    return application
