"""Applications made before an account, with its address, attached to it at the owner's word.

An application made without an account carries only the email address it gave. Once that
address is confirmed for an account, the account is offered each such application, by listing
name and application number only; one is attached when the owner asks for it and then opens
the link emailed to that address. The link is signed, expires, and works once: it is for an
application no account holds yet, so once used it is spent. The resident's account pages
offer the applications and take the link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from housing.accounts import tokens
from housing.accounts.addresses import normalize_email
from housing.accounts.models import Role, User
from housing.applications.models import Application
from housing.audit.services import record
from housing.db_types import AnySession
from housing.notifications.models import OutboundMessage
from housing.notifications.services import queue_email

PURPOSE = "attach"
LINK_MAX_AGE = int(timedelta(days=1).total_seconds())


class AttachRefused(Exception):
    """The application cannot be attached; ``code`` says why (the pages word it for the
    resident)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Offer:
    """What an account is shown of an application before the emailed link confirms it."""

    public_id: str
    listing_name: str


def _offered(session: AnySession, user: User) -> list[Application]:
    if user.role is not Role.APPLICANT or user.email_confirmed_at is None:
        return []
    held = select(Application.listing_id).where(Application.user_id == user.id)
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.user_id.is_(None),
                Application.erased_at.is_(None),
                func.lower(Application.contact_email) == normalize_email(user.email),
                # One application per account and listing: one it holds already is not offered.
                Application.listing_id.not_in(held),
            )
            .options(selectinload(Application.listing))
            .order_by(Application.created_at.desc())
            .limit(20)
        )
    )


def offers_for(session: AnySession, user: User) -> list[Offer]:
    """Applications made with this account's confirmed address that no account holds."""
    return [Offer(found.public_id, found.listing.name) for found in _offered(session, user)]


def queue_attach_link(
    session: AnySession, user: User, public_id: str, link_for: Callable[[str], str]
) -> OutboundMessage:
    """Email the account's address a link that attaches the application, when it is one of
    the offered ones (``AttachRefused("not_offered")`` otherwise, and nothing is sent).
    ``link_for`` gives the absolute address of the page that takes the link's token."""
    offered = {found.public_id: found for found in _offered(session, user)}
    application = offered.get(public_id)
    if application is None:
        raise AttachRefused("not_offered")
    token = tokens.make_token(
        PURPOSE, {"user": user.id, "application": application.public_id, "email": user.email}
    )
    record(
        session,
        user,
        "application.attach_link_sent",
        "application",
        application.id,
        {"application": application.public_id},
    )
    return queue_email(
        session,
        to=user.email,
        template="attach_application",
        language=user.language,
        context={
            "name": user.full_name,
            "link": link_for(token),
            "listing_name": application.listing.name,
            "application_number": application.public_id,
        },
        user_id=user.id,
    )


def application_of_link(session: AnySession, user: User, token: str) -> Application:
    """The application a link attaches to ``user``; ``AttachRefused`` when the link is
    expired ("expired"), altered, for another account or already used ("invalid"), or the
    application can no longer be attached ("held", "listing_held")."""
    try:
        payload = tokens.read_token(PURPOSE, token, max_age_seconds=LINK_MAX_AGE)
        user_id = int(payload["user"])
        public_id = str(payload["application"])
        email = str(payload["email"])
    except tokens.ExpiredToken:
        raise AttachRefused("expired") from None
    except (tokens.InvalidToken, KeyError, TypeError, ValueError):
        raise AttachRefused("invalid") from None
    if user_id != user.id or normalize_email(email) != normalize_email(user.email):
        raise AttachRefused("invalid")
    application = session.scalars(
        select(Application)
        .where(Application.public_id == public_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if application is None or application.erased_at is not None:
        raise AttachRefused("invalid")
    if application.user_id is not None:
        # Attached already, by this link or another: the link is spent.
        raise AttachRefused("invalid" if application.user_id == user.id else "held")
    if normalize_email(application.contact_email) != normalize_email(user.email):
        raise AttachRefused("invalid")
    holds_listing = session.scalar(
        select(Application.id).where(
            Application.user_id == user.id, Application.listing_id == application.listing_id
        )
    )
    if holds_listing is not None:
        raise AttachRefused("listing_held")
    return application


def attach_application(session: AnySession, user: User, token: str, now: datetime) -> Application:
    """Attach the application the link names to ``user``, and log it."""
    application = application_of_link(session, user, token)
    application.user_id = user.id
    record(
        session,
        user,
        "application.attached",
        "application",
        application.id,
        {"application": application.public_id, "at": now.isoformat()},
    )
    session.flush()
    return application
