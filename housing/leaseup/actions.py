"""What agents and households do in lease-up: one function for each form.

Each takes the session, ids and who acts; locks what the change depends on; refuses with
``LeaseUpRefused`` or ``LinkRefused`` (a code says why), or makes the change with its history
line, its activity-log entry and the household's message in the outbox, and flushes. A refused
action leaves the session as it was (``_all_or_nothing``), so that a change to several
households is all of them or none, whoever calls it. The caller commits once, then hands the
messages over.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications import services as applications
from housing.applications.models import Application, ApplicationDocument
from housing.db_types import AnySession
from housing.leaseup import services
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent, UnitReopening
from housing.leaseup.services import LeaseUpRefused
from housing.leaseup.statuses import LeaseStatus
from housing.listings.models import Listing
from housing.notifications.services import OUTBOX_KEY
from housing.storage import Storage

# A file the household sent: its name as sent, and its bytes.
Upload = tuple[str, IO[bytes]]


@contextmanager
def _all_or_nothing(session: AnySession) -> Iterator[None]:
    """A savepoint: a refusal (or any error) undoes what the action wrote, and forgets the
    messages it queued for after the commit."""
    queued = list(session.info.get(OUTBOX_KEY, []))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        session.info[OUTBOX_KEY] = queued
        raise


def _locked(session: AnySession, listing_id: int) -> Listing:
    """The listing, locked until the transaction ends: who is next depends on every other
    household of it, so its lease-up changes are made one at a time."""
    session.execute(select(Listing.id).where(Listing.id == listing_id).with_for_update())
    return session.get_one(Listing, listing_id)


def _locked_work(session: AnySession, listing_id: int, now: datetime) -> services.ListingWork:
    """The work list as it stands once the listing is locked; refused before the results."""
    return services.compute(session, _locked(session, listing_id), now)


def _household(session: AnySession, listing_id: int, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.listing_id != listing_id:
        raise LeaseUpRefused("not_ranked")
    return application


def move_household(
    session: AnySession,
    listing_id: int,
    application_id: int,
    to: LeaseStatus,
    *,
    actor: User | None,
    now: datetime,
    expected_version: int,
    reason: str = "",
    comment: str = "",
    unit_id: int | None = None,
) -> LeaseUpEntry:
    """One household to a new status, from the page read at ``expected_version``."""
    work = _locked_work(session, listing_id, now)
    with _all_or_nothing(session):
        return services.change_status(
            session,
            work,
            _household(session, listing_id, application_id),
            to,
            actor=actor,
            now=now,
            expected_version=expected_version,
            reason=reason,
            comment=comment,
            unit_id=unit_id,
        )


def move_households(
    session: AnySession,
    listing_id: int,
    versions: Mapping[int, int],
    to: LeaseStatus,
    *,
    actor: User | None,
    now: datetime,
    reason: str = "",
    comment: str = "",
) -> list[LeaseUpEntry]:
    """Several households (application id: version read) to the same status: all or none.
    Those already there are left as they are, so a second submit changes nothing more."""
    work = _locked_work(session, listing_id, now)
    with _all_or_nothing(session):
        return services.change_many(
            session, work, versions, to, actor=actor, now=now, reason=reason, comment=comment
        )


def invite_household(
    session: AnySession,
    listing_id: int,
    application_id: int,
    *,
    due_at: datetime,
    message: str,
    actor: User | None,
    now: datetime,
    expected_version: int,
) -> DocumentRequest:
    """Invite the household to send documents by ``due_at``; the link goes in its message."""
    work = _locked_work(session, listing_id, now)
    with _all_or_nothing(session):
        request, _token = services.request_documents(
            session,
            work,
            _household(session, listing_id, application_id),
            due_at=due_at,
            message=message,
            actor=actor,
            now=now,
            expected_version=expected_version,
        )
    return request


def comment_on_household(
    session: AnySession, application_id: int, comment: str, *, actor: User | None, now: datetime
) -> LeaseUpEvent:
    """A note in the household's history; it changes nothing of who is next, so it locks
    nothing."""
    with _all_or_nothing(session):
        event = services.add_comment(
            session, session.get_one(Application, application_id), comment, actor=actor, now=now
        )
        session.flush()
    return event


def tell_waitlist(
    session: AnySession, listing_id: int, *, actor: User | None, now: datetime
) -> int:
    """Once every unit is held, tell each household not yet told its place on the waitlist;
    how many were told (none the second time)."""
    work = _locked_work(session, listing_id, now)
    with _all_or_nothing(session):
        return services.place_on_waitlist(session, work, actor=actor, now=now)


def free_unit_again(
    session: AnySession,
    listing_id: int,
    unit_id: int,
    reason: str,
    *,
    actor: User | None,
    now: datetime,
) -> UnitReopening:
    """A unit is free again once every unit was held: the first household waiting is next."""
    listing = _locked(session, listing_id)
    with _all_or_nothing(session):
        return services.reopen_unit(session, listing, unit_id, reason, actor=actor, now=now)


def answer_invitation(
    session: AnySession,
    storage: Storage,
    request_id: int,
    answers: Mapping[str, Any],
    uploads: Sequence[Upload],
    *,
    user: User | None,
    now: datetime,
) -> DocumentRequest:
    """The household's detailed application and documents, kept once. A file refused
    (``RejectedUpload``) keeps none of them, in the database or in storage."""
    request = services.locked_open_request(session, request_id)
    stored: list[ApplicationDocument] = []
    try:
        with _all_or_nothing(session):
            for filename, stream in uploads:
                stored.append(
                    applications.store_proof(
                        session,
                        storage,
                        listing_id=request.listing_id,
                        application=request.application,
                        filename=filename,
                        stream=stream,
                    )
                )
            return services.respond(
                session,
                request,
                answers,
                [document.public_id for document in stored],
                user=user,
                now=now,
            )
    except Exception:
        for document in stored:
            storage.delete(document.storage_key)
        raise


def decline_offer(
    session: AnySession, request_id: int, *, user: User | None, now: datetime
) -> DocumentRequest:
    """The household, at its link, no longer wants a unit: it goes to the next household."""
    with _all_or_nothing(session):
        # The answer locks the invitation and reads it again: it may have been answered since.
        request = session.get_one(DocumentRequest, request_id)
        return services.decline(session, request, user=user, now=now)
