"""Closing lease-up, and erasing the personal data of the households a listing did not house.

Closing a listing's lease-up starts a clock: a set number of days later the personal data of
each of its applications whose household did not sign a lease is erased: names, contact,
addresses, household, income, demographics, the uploaded proofs, the detailed application,
staff's notes on the household and the messages written to it. What the lottery holds carries
no personal data and stays as it is (public ids, lottery numbers, ranks, bundles, the lottery
log), so every published draw still verifies and every household can still look up its rank.

Applications are erased a batch at a time, the batch's rows locked and those another run
holds skipped, and an erased application is never taken again: two runs at once, or a run
after one that crashed, erase each application once. The files of erased proofs are deleted
only after the erasure has committed (a rollback could not bring them back), and their rows
go with them, so a run that stopped in between finds the files still to delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, null, select, update

from housing.accounts.models import User
from housing.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationVersion,
    DuplicateKey,
)
from housing.audit import services as audit
from housing.audit.models import ActivityEntry
from housing.db_types import AnySession
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent
from housing.leaseup.statuses import LeaseStatus
from housing.listings.management import WrongStatus, record_change
from housing.listings.models import Listing, ListingStatus
from housing.notifications.models import MessageEvent, MessageState, OutboundMessage
from housing.storage import Storage

# Lease-up can be closed once results are out; the listing is then done.
CLOSABLE = frozenset({ListingStatus.RESULTS_PUBLISHED, ListingStatus.LEASE_UP})
# A message not yet delivered is never sent once its address is gone.
UNDELIVERED = (MessageState.PENDING, MessageState.SENDING, MessageState.FAILED)


class ListingMissing(LookupError):
    """No such listing."""


@dataclass(frozen=True)
class Standing:
    """Where a listing's personal data stands, for staff."""

    listing: Listing
    erase_on: datetime | None
    housed: int
    erased: int
    to_erase: int


def close_lease_up(session: AnySession, listing_id: int, actor: User, now: datetime) -> Listing:
    """Staff close lease-up: the listing is done, and the days before erasure start now.
    Refused (``WrongStatus``) before results are published and once it is closed."""
    listing = session.scalars(
        select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if listing is None:
        raise ListingMissing(listing_id)
    if listing.status not in CLOSABLE or listing.lease_up_closed_at is not None:
        raise WrongStatus(listing.status)
    listing.status = ListingStatus.DONE
    listing.lease_up_closed_at = now
    record_change(session, listing, actor, "listing.lease_up_closed")
    return listing


def _housed() -> ColumnElement[bool]:
    """The application's household signed a lease: its data is the tenancy's, and stays."""
    return exists().where(
        LeaseUpEntry.application_id == Application.id,
        LeaseUpEntry.status == LeaseStatus.LEASE_SIGNED,
    )


def _erasable(listing_id: int) -> ColumnElement[bool]:
    return and_(Application.listing_id == listing_id, Application.erased_at.is_(None), ~_housed())


def due_listings(session: AnySession, now: datetime, after: timedelta) -> list[Listing]:
    """Listings whose lease-up closed at least ``after`` ago, oldest first."""
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.lease_up_closed_at <= now - after)
            .order_by(Listing.lease_up_closed_at, Listing.id)
        )
    )


def count_to_erase(session: AnySession, listing_id: int) -> tuple[int, int]:
    """The listing's applications still to erase, and their proof files."""
    applications = session.scalar(select(func.count(Application.id)).where(_erasable(listing_id)))
    files = session.scalar(
        select(func.count(ApplicationDocument.id))
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(_erasable(listing_id))
    )
    return applications or 0, files or 0


def standing(session: AnySession, listing_id: int, after: timedelta | None) -> Standing:
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise ListingMissing(listing_id)
    closed = listing.lease_up_closed_at

    def count(*conditions: ColumnElement[bool]) -> int:
        return (
            session.scalar(
                select(func.count(Application.id)).where(
                    Application.listing_id == listing_id, *conditions
                )
            )
            or 0
        )

    return Standing(
        listing=listing,
        erase_on=closed + after if closed is not None and after is not None else None,
        housed=count(_housed()),
        erased=count(Application.erased_at.is_not(None)),
        to_erase=count_to_erase(session, listing_id)[0],
    )


def erase_batch(session: AnySession, listing_id: int, now: datetime, *, limit: int) -> int:
    """Erase up to ``limit`` applications of the listing not yet erased (rows another run
    holds are skipped) and record how many, with no personal data, in the activity log. The
    number erased: 0 when none is left to this run."""
    applications = list(
        session.scalars(
            select(Application)
            .where(_erasable(listing_id))
            .order_by(Application.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Application)
            .execution_options(populate_existing=True)
        )
    )
    if not applications:
        return 0
    ids = [application.id for application in applications]
    for application in applications:
        _erase_application(application, now)
    counts = _erase_related(session, ids)
    audit.record(
        session, None, "privacy.erased", "listing", listing_id, {"applications": len(ids), **counts}
    )
    session.flush()
    return len(ids)


def _erase_application(application: Application, now: datetime) -> None:
    application.answers = {}
    if application.submitted_answers is not None:
        application.submitted_answers = {}
    application.applicant_name = ""
    application.contact_email = ""
    application.household_size = None
    application.annual_income = None
    # A digest of the answers would confirm a guess at them.
    application.request_digest = None
    application.erased_at = now


def _erase_related(session: AnySession, ids: list[int]) -> dict[str, int]:
    """Everything else that carries the households' data; what was done, counted."""
    plain = {"synchronize_session": False}
    session.execute(
        update(ApplicationVersion)
        .where(ApplicationVersion.application_id.in_(ids))
        .values(answers={})
        .execution_options(**plain)
    )
    session.execute(
        delete(DuplicateKey).where(DuplicateKey.application_id.in_(ids)).execution_options(**plain)
    )
    # The rows stay until their files are deleted, after this commits (``purge_files``).
    documents = session.execute(
        update(ApplicationDocument)
        .where(ApplicationDocument.application_id.in_(ids))
        .values(original_filename="")
        .execution_options(**plain)
    ).rowcount  # type: ignore[attr-defined]
    session.execute(
        update(LeaseUpEntry)
        .where(LeaseUpEntry.application_id.in_(ids))
        .values(reason="")
        .execution_options(**plain)
    )
    session.execute(
        update(LeaseUpEvent)
        .where(LeaseUpEvent.application_id.in_(ids))
        .values(reason="", comment="")
        .execution_options(**plain)
    )
    for request in session.scalars(
        select(DocumentRequest).where(DocumentRequest.application_id.in_(ids))
    ):
        request.message = ""
        if request.response is not None:
            # Whether the household declined is no personal data; what it sent is.
            request.response = {"declined": True} if request.response.get("declined") else {}
    for entry in session.scalars(
        select(ActivityEntry).where(
            ActivityEntry.subject_type == "application",
            ActivityEntry.subject_id.in_(ids),
            ActivityEntry.action == "lease_up.status",
        )
    ):
        if entry.detail.get("reason"):
            entry.detail = {**entry.detail, "reason": ""}
    messages = _erase_messages(session, ids)
    return {"documents": documents, "messages": messages}


def _erase_messages(session: AnySession, ids: list[int]) -> int:
    of_these = select(OutboundMessage.id).where(OutboundMessage.application_id.in_(ids))
    session.execute(
        update(MessageEvent)
        .where(MessageEvent.message_id.in_(of_these))
        .values(detail="")
        .execution_options(synchronize_session=False)
    )
    values: dict[str, Any] = {
        "recipient": "",
        "subject": "",
        "body_text": "",
        "body_html": "",
        "context": null(),
        "failure_reason": "",
        "state": case(
            (OutboundMessage.state.in_(UNDELIVERED), MessageState.SUPPRESSED.value),
            else_=OutboundMessage.state,
        ),
    }
    return int(
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.application_id.in_(ids))
            .values(values)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    )


def count_files_left(session: AnySession) -> int:
    """Proof files of applications already erased: a run stopped before deleting them."""
    return (
        session.scalar(
            select(func.count(ApplicationDocument.id))
            .join(Application, Application.id == ApplicationDocument.application_id)
            .where(Application.erased_at.is_not(None))
        )
        or 0
    )


def purge_files(session: AnySession, storage: Storage, *, limit: int) -> int:
    """Delete the stored files of up to ``limit`` proofs of erased applications, then their
    rows; the caller commits. A file already gone (a run stopped before its commit) is no
    error. The number deleted."""
    rows = session.execute(
        select(ApplicationDocument.id, ApplicationDocument.storage_key)
        .join(Application, Application.id == ApplicationDocument.application_id)
        .where(Application.erased_at.is_not(None))
        .order_by(ApplicationDocument.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ApplicationDocument)
    ).all()
    for row in rows:
        storage.delete(row.storage_key)
    if rows:
        session.execute(
            delete(ApplicationDocument)
            .where(ApplicationDocument.id.in_([row.id for row in rows]))
            .execution_options(synchronize_session=False)
        )
    return len(rows)
