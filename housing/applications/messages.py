"""Messages to applicants, recorded in the outbox in the same transaction as their cause."""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email

from housing.accounts import tokens
from housing.accounts.emails import external_url
from housing.applications.models import Application
from housing.db_types import AnySession
from housing.notifications.models import OutboundMessage
from housing.notifications.services import queue_email

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
    return external_url(
        "applications.resume",
        listing_id=application.listing_id,
        token=access_token(application),
    )


def _recipient(application: Application) -> str | None:
    """The applicant's email address, if it is one; a draft may still hold anything typed."""
    you = application.answers.get("applicant") or {}
    email = you.get("email")
    if you.get("no_email") or not isinstance(email, str) or not email.strip():
        return None
    try:
        return str(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _queue(
    session: AnySession, application: Application, template: str, **context: object
) -> OutboundMessage | None:
    recipient = _recipient(application)
    if recipient is None:
        return None
    you = application.answers.get("applicant") or {}
    return queue_email(
        session,
        to=recipient,
        template=template,
        language=application.language,
        context={
            "name": str(you.get("first_name") or ""),
            "listing_name": application.listing.name,
            "application_number": application.public_id,
            "lottery_number": application.lottery_number,
            "link": access_link(application),
            **context,
        },
        user_id=application.user_id,
    )


def queue_submitted(
    session: AnySession, application: Application, *, updated: bool
) -> OutboundMessage | None:
    return _queue(session, application, "application_submitted", updated=updated)


def queue_withdrawn(session: AnySession, application: Application) -> OutboundMessage | None:
    return _queue(session, application, "application_withdrawn")


def queue_resume_link(session: AnySession, application: Application) -> OutboundMessage | None:
    return _queue(session, application, "application_resume")
