"""A listing's rules are kept per process between submissions, and follow every change."""

from __future__ import annotations

import time

from housing.applications import services
from housing.applications.services import listing_rules
from housing.listings.management import save_unit
from tests import factories
from tests.applications.helpers import open_listing


def test_rules_are_kept_until_the_listing_changes(db_session, monkeypatch):
    listing = open_listing()
    factories.ListingPreferenceFactory(listing=listing)
    staff = factories.UserFactory(staff=True)
    db_session.flush()
    kept = listing_rules(listing)
    assert listing_rules(listing) is kept
    assert kept.preferences[0].proof_types == ("Utility bill",)

    # A change to a unit raises the listing's version: the next submission reads it at once.
    unit = listing.units[0]
    save_unit(db_session, staff, listing.id, unit.id, {"ami_percent": 50})
    db_session.flush()
    changed = listing_rules(listing)
    assert changed is not kept
    assert [terms.ami_percent for terms in changed.units] == [50]

    # A change to the preference catalogue applies within RULES_SECONDS.
    listing.preferences[0].preference.proof_types = ["Lease"]
    db_session.flush()
    assert listing_rules(listing) is changed
    later = time.monotonic() + services.RULES_SECONDS
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    assert listing_rules(listing).preferences[0].proof_types == ("Lease",)


def test_each_listing_has_rules_of_its_own(db_session):
    first = open_listing()
    second = open_listing()
    second.units[0].ami_percent = 55
    db_session.flush()
    assert (first.version, first.created_at.date()) == (second.version, second.created_at.date())
    assert [terms.ami_percent for terms in listing_rules(first).units] == [80]
    assert [terms.ami_percent for terms in listing_rules(second).units] == [55]
