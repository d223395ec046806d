"""Telling people that a listing's dates changed: every submitted application of the listing,
and every unfinished draft whose applicant gave an email address or a phone number, one
message each per change, in the language of their application.

A change is announced as a broadcast (``notifications.broadcasts``): written with the change,
its messages written by a job a chunk at a time after the commit, each rendered when sent.
Who it goes to (``recipients``) is handed to the outbox when the app is made
(``housing.notifications.hooks``).
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from housing.accounts.models import User
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.outbox import access_link
from housing.db_types import AnySession
from housing.listings.models import ListingDateChange
from housing.notifications.broadcasts import Recipient
from housing.notifications.contacts import contacts
from housing.notifications.models import Broadcast
from housing.notifications.services import start_broadcast

TEMPLATE = "listing_dates_changed"


def announce(session: AnySession, change: ListingDateChange) -> Broadcast:
    """The change's announcement, written in its transaction; once per change."""
    return start_broadcast(
        session,
        key=f"dates:{change.id}",
        listing_id=change.listing_id,
        template=TEMPLATE,
        context={
            "change": change.kind.value,
            "old_at": change.old_value.isoformat() if change.old_value else None,
            "new_at": change.new_value.isoformat() if change.new_value else None,
            "reason": change.reason,
        },
    )


def recipients(
    session: AnySession, broadcast: Broadcast, after_id: int, limit: int
) -> list[Recipient]:
    """The listing's submitted applications and its drafts begun online (not set aside), a
    chunk in application-id order. A draft is told only at an email address or a phone: a
    letter is for those whose application is in."""
    rows = session.execute(
        select(
            Application.id,
            Application.user_id,
            Application.language,
            Application.status,
            Application.public_id,
            Application.listing_id,
            Application.answers,
            Application.submitted_answers,
            User.email,
            User.email_confirmed_at,
        )
        .outerjoin(User, User.id == Application.user_id)
        .where(
            Application.listing_id == broadcast.listing_id,
            Application.id > after_id,
            or_(
                Application.status == ApplicationStatus.SUBMITTED,
                and_(
                    Application.status == ApplicationStatus.DRAFT,
                    Application.channel == ApplicationChannel.ONLINE,
                    Application.discarded_at.is_(None),
                ),
            ),
        )
        .order_by(Application.id)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        draft = row.status is ApplicationStatus.DRAFT
        answers = (row.answers if draft else row.submitted_answers) or {}
        if draft and not contacts(answers, letter=False):
            continue
        you = answers.get("applicant") or {}
        context: dict[str, object] = {
            "name": str(you.get("first_name") or ""),
            "application_number": row.public_id,
            "draft": draft,
        }
        if draft:
            context["link"] = access_link(
                Application(
                    public_id=row.public_id, listing_id=row.listing_id, language=row.language
                )
            )
        found.append(
            Recipient(
                application_id=row.id,
                user_id=row.user_id,
                language=row.language,
                answers=answers,
                context=context,
                confirmed_email=row.email if row.email_confirmed_at is not None else None,
            )
        )
    # Drafts with no address at the end of a chunk still move the broadcast past them: an
    # entry with no answers is written as no message.
    if rows and (not found or found[-1].application_id != rows[-1].id):
        found.append(
            Recipient(
                application_id=rows[-1].id, user_id=None, language="en", answers={}, context={}
            )
        )
    return found
