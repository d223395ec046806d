"""A submission is checked against its listing as this process last read it, and its
application is written only if the listing's row still says the same: a change the process has
not seen yet (even one that does not raise the listing's version) decides as if it had been
read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from housing.applications.models import Application, ApplicationVersion, DuplicateKey
from housing.db_types import utcnow
from housing.listings.models import Listing, ListingStatus
from tests.api.test_applications_api import check, post, problems_of
from tests.applications.helpers import open_listing, valid_answers, with_applicant

SUBMIT = "/api/v1/listings/{listing_id}/applications"

pytestmark = pytest.mark.postgresql_only


def applications_of(db_session, listing_id: int) -> int:  # type: ignore[no-untyped-def]
    return (
        db_session.scalar(
            select(func.count())
            .select_from(Application)
            .where(Application.listing_id == listing_id)
        )
        or 0
    )


def change_row(db_session, listing_id: int, **values: object) -> None:  # type: ignore[no-untyped-def]
    """As a plain UPDATE would: the listing's version is not raised."""
    db_session.execute(update(Listing).where(Listing.id == listing_id).values(**values))
    db_session.flush()


def test_a_listing_closed_since_it_was_last_read_refuses_and_writes_nothing(client, db_session):
    listing = open_listing()
    check(post(client, listing.id, valid_answers()), SUBMIT, "post", 201)
    change_row(db_session, listing.id, status=ListingStatus.CLOSED)
    refused = post(client, listing.id, with_applicant(email="second@example.org"))
    assert ("listing", "closed") in problems_of(refused)
    assert applications_of(db_session, listing.id) == 1
    # Nothing that refers to an application was written either.
    assert db_session.scalar(select(func.count()).select_from(ApplicationVersion)) == 1
    keys = db_session.scalars(
        select(DuplicateKey.match_key).where(DuplicateKey.listing_id == listing.id)
    ).all()
    assert "second@example.org" not in keys


def test_a_deadline_moved_since_it_was_last_read_applies_at_once(client, db_session):
    listing = open_listing()
    check(post(client, listing.id, valid_answers()), SUBMIT, "post", 201)
    # Moved earlier: the next submission is late.
    change_row(db_session, listing.id, application_due_at=utcnow() - timedelta(minutes=1))
    late = post(client, listing.id, with_applicant(email="late@example.org"))
    assert ("listing", "deadline_passed") in problems_of(late)
    # And later again: a submission refused as late a moment ago is taken now.
    change_row(db_session, listing.id, application_due_at=utcnow() + timedelta(days=1))
    taken = post(client, listing.id, with_applicant(email="late@example.org"))
    check(taken, SUBMIT, "post", 201)
    assert applications_of(db_session, listing.id) == 2


def test_a_listing_changed_in_a_way_that_still_takes_the_application_writes_it_once(
    client, db_session
):
    listing = open_listing()
    check(post(client, listing.id, valid_answers()), SUBMIT, "post", 201)
    change_row(db_session, listing.id, timezone="America/New_York", version=Listing.version + 1)
    second = post(client, listing.id, with_applicant(email="second@example.org"))
    check(second, SUBMIT, "post", 201)
    assert applications_of(db_session, listing.id) == 2
    versions = db_session.scalars(
        select(ApplicationVersion.number)
        .join(Application, Application.id == ApplicationVersion.application_id)
        .where(Application.listing_id == listing.id)
    ).all()
    assert versions == [1, 1]


def test_a_listing_unpublished_since_it_was_last_read_is_not_found(client, db_session):
    listing = open_listing()
    check(post(client, listing.id, valid_answers()), SUBMIT, "post", 201)
    change_row(db_session, listing.id, status=ListingStatus.DRAFT)
    hidden = post(client, listing.id, with_applicant(email="second@example.org"))
    assert hidden.status_code == 404, hidden.text
    assert applications_of(db_session, listing.id) == 1
