"""Messages to applicants, recorded in the outbox in the same transaction as their cause."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from housing.accounts import tokens
from housing.accounts.emails import external_url
from housing.applications.models import Application, ApplicationStatus
from housing.db_types import AnySession
from housing.i18n import LANGUAGE_PARAMETER
from housing.listings.models import Listing, ListingStatus
from housing.notifications.contacts import contacts
from housing.notifications.models import Channel, MessageState, OutboundMessage
from housing.notifications.services import queue

# A link in an applicant's email opens their application without an account for this long.
ACCESS_LINK_AGE = timedelta(days=60)
ACCESS_PURPOSE = "application"


def access_token(application: Application) -> str:
    """Signed, expiring, and good for this one application of this one listing."""
    return tokens.make_token(
        ACCESS_PURPOSE, {"a": application.public_id, "l": application.listing_id}
    )


def read_access_token(token: str, listing_id: int) -> str:
    """The application's public id, if the token is genuine, fresh and for this listing."""
    payload = tokens.read_token(
        ACCESS_PURPOSE, token, max_age_seconds=int(ACCESS_LINK_AGE.total_seconds())
    )
    if payload.get("l") != listing_id or not isinstance(payload.get("a"), str):
        raise tokens.InvalidToken(ACCESS_PURPOSE)
    return str(payload["a"])


def access_link(application: Application) -> str:
    """Opens the application in the applicant's language, on any device."""
    return external_url(
        "applications.resume",
        listing_id=application.listing_id,
        token=access_token(application),
        **{LANGUAGE_PARAMETER: application.language},
    )


def _answers(application: Application) -> Mapping[str, Any]:
    """What the applicant last gave: the submitted answers, or the draft's."""
    return application.submitted_answers or application.answers or {}


def _context(application: Application, **extra: object) -> dict[str, Any]:
    you = _answers(application).get("applicant") or {}
    return {
        "listing_id": application.listing_id,
        # Kept only for an address the applicant's account confirmed (``services.queue``).
        "name": str(you.get("first_name") or ""),
        "application_number": application.public_id,
        "lottery_number": application.lottery_number,
        "link": access_link(application),
        **extra,
    }


def _queue(
    session: AnySession,
    application: Application,
    template: str,
    *,
    letter: bool = False,
    channels: frozenset[Channel] = frozenset(Channel),
    key: str | None = None,
    state: MessageState = MessageState.PENDING,
    render_now: bool = True,
    **extra: object,
) -> list[OutboundMessage]:
    """One message per channel the applicant hears on, in their language."""
    context = _context(application, **extra)
    return [
        queue(
            session,
            channel=channel,
            to=address,
            template=template,
            language=application.language,
            context=context,
            user_id=application.user_id,
            listing_id=application.listing_id,
            application_id=application.id,
            key=f"{key}-{channel.value}" if key else None,
            state=state,
            render_now=render_now,
        )
        for channel, address in contacts(_answers(application), letter=letter)
        if channel in channels
    ]


def queue_submitted(
    session: AnySession, application: Application, *, action: str, changed: bool
) -> list[OutboundMessage]:
    """Worded for what happened (``action``: "submitted", "edited" or "resubmitted"): changes
    are mentioned only when some were sent (``changed``)."""
    # Written when sent: a deadline rush submits thousands a minute, and the worker has time.
    return _queue(
        session,
        application,
        "application_submitted",
        updated=action == "edited" and changed,
        resubmitted=action == "resubmitted",
        changed=changed,
        render_now=False,
    )


def queue_withdrawn(
    session: AnySession, application: Application, *, discarded_changes: bool = False
) -> list[OutboundMessage]:
    """``discarded_changes``: the withdrawal discarded changes the applicant had not sent."""
    return _queue(
        session, application, "application_withdrawn", discarded_changes=discarded_changes
    )


def queue_resume_link(
    session: AnySession, application: Application, *, email_only: bool = False
) -> list[OutboundMessage]:
    channels = frozenset({Channel.EMAIL}) if email_only else frozenset(Channel)
    return _queue(session, application, "application_resume", channels=channels)


def queue_claim_decided(
    session: AnySession,
    application: Application,
    *,
    preference: str,
    valid: bool,
    reason: str,
    decided_at: datetime,
    veteran_status: bool = False,
) -> list[OutboundMessage]:
    """The applicant hears whether a preference they claimed (or the veteran status of that
    claim) was accepted, and why not."""
    return _queue(
        session,
        application,
        "claim_decided",
        letter=True,
        preference=preference,
        veteran_status=veteran_status,
        valid=valid,
        reason=reason,
        decided_on=decided_at.isoformat(),
    )


def queue_documents_requested(
    session: AnySession,
    application: Application,
    *,
    link: str,
    due_at: datetime,
    note: str,
) -> list[OutboundMessage]:
    """The household is invited to send documents and complete the detailed application."""
    return _queue(
        session,
        application,
        "documents_requested",
        letter=True,
        invitation=link,
        due_on=due_at.isoformat(),
        note=note,
    )


def queue_duplicate_entry(
    session: AnySession, application: Application, *, entered: bool
) -> list[OutboundMessage]:
    """The household hears that this application is not entered in the lottery because another
    application from the same household is, and whom to ask; or (``entered``) that a new freeze
    has entered it after all. Nothing about the other application is said: staff may be wrong
    about it being the same household."""
    return _queue(session, application, "duplicate_entry", letter=True, entered=entered)


def queue_lease_status(
    session: AnySession,
    application: Application,
    *,
    status: str,
    reason: str,
    position: int | None,
) -> list[OutboundMessage]:
    """The household hears where it stands in lease-up: approved, lease signed, on the
    waitlist (with its place), disqualified or removed (with the reason)."""
    return _queue(
        session,
        application,
        "lease_status",
        letter=True,
        status=status,
        reason=reason,
        position=position,
    )


# Drafts hear about the deadline once, this long before it, if left alone this long.
REMINDER_AHEAD = timedelta(hours=48)
REMINDER_QUIET = timedelta(hours=6)
REMINDER_PURPOSE = "reminders"


def stop_reminders_link(application: Application) -> str:
    token = tokens.make_token(REMINDER_PURPOSE, {"a": application.public_id})
    return external_url(
        "reminders.stop_reminders", token=token, **{LANGUAGE_PARAMETER: application.language}
    )


def read_stop_reminders_token(token: str) -> str:
    payload = tokens.read_token(
        REMINDER_PURPOSE, token, max_age_seconds=int(ACCESS_LINK_AGE.total_seconds())
    )
    if not isinstance(payload.get("a"), str):
        raise tokens.InvalidToken(REMINDER_PURPOSE)
    return str(payload["a"])


def queue_deadline_reminders(session: AnySession, now: datetime) -> list[OutboundMessage]:
    """Remind each unfinished draft of a listing whose deadline is less than two days away,
    once per deadline, once it has been left alone a while; an applicant who asked for no
    reminders gets a suppressed message. A sweep running beside this one writes none twice."""
    drafts = session.scalars(
        select(Application)
        .join(Listing, Listing.id == Application.listing_id)
        .where(
            Application.status == ApplicationStatus.DRAFT,
            Application.updated_at <= now - REMINDER_QUIET,
            Listing.status.in_((ListingStatus.APPROVED, ListingStatus.OPEN)),
            Listing.application_due_at > now,
            Listing.application_due_at <= now + REMINDER_AHEAD,
        )
        .order_by(Application.id)
    ).all()
    keys = {
        application.id: f"reminder-{application.id}-{application.listing.application_due_at:%Y%m%d%H%M}"
        for application in drafts
    }
    already = set(
        session.scalars(
            select(OutboundMessage.application_id).where(
                OutboundMessage.idempotency_key.in_(
                    [f"{key}-{channel.value}" for key in keys.values() for channel in Channel]
                )
            )
        )
    )
    queued: list[OutboundMessage] = []
    try:
        with session.begin_nested():
            for application in drafts:
                if application.id in already:
                    continue
                queued += _queue(
                    session,
                    application,
                    "deadline_reminder",
                    key=keys[application.id],
                    state=(
                        MessageState.SUPPRESSED
                        if application.reminders_stopped_at is not None
                        else MessageState.PENDING
                    ),
                    unsubscribe=stop_reminders_link(application),
                )
    except IntegrityError:
        return []  # another sweep wrote them first
    return queued


def reminded_application(session: AnySession, token: str) -> Application:
    """The application a stop-reminders link names; ``tokens.InvalidToken`` for a link that
    is not genuine or names none."""
    public_id = read_stop_reminders_token(token)
    application = session.scalars(
        select(Application).where(Application.public_id == public_id)
    ).first()
    if application is None:
        raise tokens.InvalidToken(REMINDER_PURPOSE)
    return application


def stop_reminders(session: AnySession, token: str, now: datetime) -> Application:
    """The applicant's wish, from the link in a reminder: no more reminders for this
    application."""
    application = reminded_application(session, token)
    if application.reminders_stopped_at is None:
        application.reminders_stopped_at = now
    return application
