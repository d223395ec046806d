"""What listings asks of the lottery through the functions it is handed when the app is made:
the approval registers the lottery's rules in its own transaction, and no approval happens
without them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from housing.audit.models import ActivityEntry
from housing.listings import management
from housing.listings.hooks import ListingHooks, listing_hooks
from housing.listings.models import ListingStatus, ListingType
from housing.lottery.models import Lottery
from tests import factories
from tests.applications.helpers import open_listing


def test_the_app_approves_a_listing_with_its_lottery_rules_in_one_transaction(app, db_session):
    listing = open_listing(status=ListingStatus.PENDING_REVIEW)
    factories.ListingPreferenceFactory(listing=listing)
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    with app.app_context():
        management.approve_listing(db_session, staff, listing.id, None)
        # Not committed: the rules are in the approval's own transaction.
        assert db_session.in_transaction()
        [lottery] = db_session.scalars(select(Lottery).where(Lottery.listing_id == listing.id))
        assert [p["code"] for p in lottery.rules["preferences"]] == [
            listing.preferences[0].preference.code
        ]
        with pytest.raises(management.RulesRegistered):
            management.set_preferences(db_session, staff, listing.id, [])


def test_first_come_first_served_is_approved_with_no_rules_and_keeps_its_preferences(
    app, db_session
):
    listing = open_listing(
        status=ListingStatus.PENDING_REVIEW, listing_type=ListingType.FIRST_COME_FIRST_SERVED
    )
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    with app.app_context():
        management.approve_listing(db_session, staff, listing.id, None)
        management.set_preferences(db_session, staff, listing.id, [])
    assert listing.status is ListingStatus.APPROVED
    assert db_session.scalar(select(Lottery).where(Lottery.listing_id == listing.id)) is None


def test_no_listing_is_approved_where_the_lottery_gave_listings_no_rules(
    app, db_session, monkeypatch
):
    listing = open_listing(status=ListingStatus.PENDING_REVIEW)
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    # The app as made has them; one made without them refuses every approval.
    assert listing_hooks(app).lottery_rules is not None
    monkeypatch.setitem(app.extensions, "listing_hooks", ListingHooks())
    with app.app_context(), pytest.raises(RuntimeError, match="lottery's rules"):
        management.approve_listing(db_session, staff, listing.id, None)
    assert listing.status is ListingStatus.PENDING_REVIEW
    assert db_session.scalar(select(Lottery).where(Lottery.listing_id == listing.id)) is None
    assert not db_session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "listing.approved")
    ).all()


def test_the_listing_page_shows_the_lottery_rules_only_for_a_lottery(client, app, db_session):
    lottery = open_listing(status=ListingStatus.PENDING_REVIEW)
    served = open_listing(
        status=ListingStatus.PENDING_REVIEW, listing_type=ListingType.FIRST_COME_FIRST_SERVED
    )
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    with app.app_context():
        for listing in (lottery, served):
            management.approve_listing(db_session, staff, listing.id, None)
            listing.status = ListingStatus.OPEN
    db_session.flush()
    shown = client.get(f"/listings/{lottery.id}").text
    assert "How the lottery is drawn" in shown and "housing-lottery-v2" in shown
    assert "How the lottery is drawn" not in client.get(f"/listings/{served.id}").text
