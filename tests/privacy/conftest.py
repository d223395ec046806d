"""A listing whose lottery is published and whose lease-up was worked: two households signed
leases, one was disqualified with a reason, one sent its detailed application and a pay
stub, an agent wrote a note on another; plus a draft never submitted."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.applications.models import Application, ApplicationChannel
from housing.applications.services import store_proof
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.leaseup import services as lease_up
from housing.leaseup.statuses import LeaseStatus
from housing.listings.models import Listing
from tests.accounts.helpers import post_form
from tests.applications.helpers import valid_answers
from tests.lottery.conftest import (  # noqa: F401 - fixtures
    clock,
    every_published_bundle_verifies,
    lottery_listing,
    record_beacon,
    staff,
)

DRAFT_NAME = "Dorotea"
REASON = "Income above the limit: pay stubs show 9,000 a month"
NOTE = "Called Applicant, left a message with her sister"
PAY_STUB = "paystub-of-the-household.pdf"


@dataclass
class World:
    listing: Listing
    housed: list[Application]
    disqualified: Application
    answered: Application
    draft: Application

    @property
    def page(self) -> str:
        return f"/staff/listings/{self.listing.id}/personal-data"


def _step(db_session, work, application, to):  # type: ignore[no-untyped-def]
    entry = lease_up.entry_of(db_session, application.id)
    return lease_up.change_status(
        db_session,
        work,
        application,
        to,
        actor=None,
        now=utcnow(),
        expected_version=entry.version if entry else 0,
        reason=REASON if to is LeaseStatus.DISQUALIFIED else "",
    )


@pytest.fixture
def worked(app, client, db_session, lottery_listing, staff, storage, mailbox):  # type: ignore[no-untyped-def]  # noqa: F811
    """The lottery drawn and published by staff (signed in on ``client``), lease-up worked."""
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    record_beacon(db_session, listing, staff)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)
    db_session.expire_all()
    with app.test_request_context():  # the households' messages link to the site
        work = lease_up.compute(db_session, listing, utcnow())
        first, second, third, fourth = (
            db_session.get(Application, candidate.id) for candidate in work.work.next_to_contact[:4]
        )
        for application in (first, second):
            _step(db_session, work, application, LeaseStatus.PROCESSING)
            _step(db_session, work, application, LeaseStatus.LEASE_SIGNED)
        _step(db_session, work, third, LeaseStatus.DISQUALIFIED)
        request, _token = lease_up.request_documents(
            db_session,
            work,
            fourth,
            due_at=utcnow() + timedelta(days=7),
            message="Bring the pay stubs of Applicant's husband",
            actor=None,
            now=utcnow(),
            expected_version=0,
        )
        stub = store_proof(
            db_session,
            storage,
            listing_id=listing.id,
            application=fourth,
            filename=PAY_STUB,
            stream=io.BytesIO(pdf_document("Pay stub", ["Wages 4,100"])),
        )
        lease_up.respond(
            db_session,
            request,
            {"employer": "Harbor Bakery", "monthly_wages": "4100", "changes": "A new baby"},
            [stub.public_id],
            user=None,
            now=utcnow(),
        )
        waiting = db_session.get(Application, work.work.waitlist[0].id)
        lease_up.add_comment(db_session, waiting, NOTE, actor=None, now=utcnow())
    draft = Application(
        public_id="DRAFT0000001",
        listing_id=listing.id,
        channel=ApplicationChannel.ONLINE,
        answers=valid_answers(applicant={**valid_answers()["applicant"], "first_name": DRAFT_NAME}),
        contact_email="dorotea@example.org",
    )
    db_session.add(draft)
    db_session.flush()
    return World(listing, [first, second], third, fourth, draft)


@pytest.fixture
def closed(client, db_session, worked):  # type: ignore[no-untyped-def]
    """Lease-up closed by staff on the listing's page."""
    done = post_form(
        client, f"{worked.page}/close-lease-up", {"confirm": "y"}, token_from=worked.page
    )
    assert done.status_code == 302, done.text
    db_session.expire_all()
    assert worked.listing.lease_up_closed_at is not None
    return worked


def application_ids(db_session, listing) -> list[int]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(Application.id)
            .where(Application.listing_id == listing.id)
            .order_by(Application.id)
        )
    )
