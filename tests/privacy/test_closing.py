"""Staff close a listing's lease-up, once, after its results are published: the moment the
days before erasure are counted from."""

from __future__ import annotations

from sqlalchemy import select

from housing.audit.models import ActivityEntry, ListingVersion
from housing.listings.models import ListingStatus
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as
from tests.applications.helpers import open_listing


def test_staff_close_lease_up_once_and_the_page_says_when_data_goes(client, db_session, worked):
    listing = worked.listing
    page = client.get(worked.page)
    assert page.status_code == 200
    assert "Close lease-up" in page.text
    assert "365 days later" in page.text
    # The lease-up pages link here, for staff.
    assert worked.page in client.get(f"/partner/listings/{listing.id}/lease-up").text

    unconfirmed = post_form(client, f"{worked.page}/close-lease-up", {}, token_from=worked.page)
    assert unconfirmed.status_code == 400
    assert "Confirm that lease-up is over." in unconfirmed.text
    db_session.expire_all()
    assert listing.lease_up_closed_at is None

    done = post_form(
        client, f"{worked.page}/close-lease-up", {"confirm": "y"}, token_from=worked.page
    )
    assert done.status_code == 302
    db_session.expire_all()
    closed_at = listing.lease_up_closed_at
    assert closed_at is not None and listing.status is ListingStatus.DONE
    assert db_session.scalars(
        select(ActivityEntry).where(
            ActivityEntry.action == "listing.lease_up_closed",
            ActivityEntry.subject_id == listing.id,
        )
    ).one()
    assert db_session.scalars(
        select(ListingVersion).where(ListingVersion.listing_id == listing.id)
    ).all()
    shown = client.get(worked.page).text
    assert "Lease-up is closed." in shown and "Closed on" in shown
    assert "is erased on" in shown and "Close lease-up</button>" not in shown
    assert "Households housed (their data is kept)</dt><dd>2<" in shown

    # A second click changes nothing, and says why.
    again = post_form(
        client, f"{worked.page}/close-lease-up", {"confirm": "y"}, token_from=worked.page
    )
    assert again.status_code == 302
    assert "can be closed once" in client.get(worked.page).text
    db_session.expire_all()
    assert listing.lease_up_closed_at == closed_at


def test_lease_up_cannot_be_closed_before_results_are_published(client, db_session):
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    listing = open_listing()
    page = f"/staff/listings/{listing.id}/personal-data"
    shown = client.get(page)
    assert shown.status_code == 200
    assert "once the lottery results are published" in shown.text
    refused = post_form(client, f"{page}/close-lease-up", {"confirm": "y"}, token_from=page)
    assert refused.status_code == 302
    assert "can be closed once" in client.get(page).text
    db_session.expire_all()
    assert listing.lease_up_closed_at is None and listing.status is ListingStatus.OPEN
    assert client.get("/staff/listings/999999/personal-data").status_code == 404


def test_only_staff_close_lease_up(app, db_session, worked):
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    applicant = factories.UserFactory()
    for user in (partner, applicant):
        other = app.test_client()
        sign_in_as(other, user)
        assert other.get(worked.page).status_code == 403
        refused = post_form(
            other, f"{worked.page}/close-lease-up", {"confirm": "y"}, token_from="/account"
        )
        assert refused.status_code == 403
    anonymous = app.test_client().get(worked.page)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    db_session.expire_all()
    assert worked.listing.lease_up_closed_at is None
