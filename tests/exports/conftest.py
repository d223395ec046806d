"""A listing with a preference, three submitted applications (one withdrawn) and a draft, its
partner, another listing's partner, and staff."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from housing.applications.models import ApplicationStatus
from tests import factories
from tests.applications.helpers import open_listing
from tests.exports.helpers import add_application, assign

# Text a spreadsheet would run as a formula.
FORMULA = '=HYPERLINK("http://evil.example/x","Click")'


@pytest.fixture
def world(db_session):  # type: ignore[no-untyped-def]
    listing = open_listing()
    factories.ListingPreferenceFactory(
        listing=listing, rank=1, preference=factories.PreferenceFactory(code="NRHP")
    )
    db_session.flush()
    db_session.refresh(listing)
    first = add_application(db_session, listing, 1, first_name=FORMULA, last_name="+SUM(A1)")
    second = add_application(db_session, listing, 2, email="@cmd|' /C calc'!A0")
    withdrawn = add_application(db_session, listing, 3, status=ApplicationStatus.WITHDRAWN)
    draft = add_application(db_session, listing, 4, status=ApplicationStatus.DRAFT)
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    other_partner = factories.UserFactory(partner=True, with_two_factor=True)
    other_listing = open_listing()
    assign(db_session, partner, listing.id)
    assign(db_session, other_partner, other_listing.id)
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    return SimpleNamespace(
        listing=listing,
        submitted=[first, second, withdrawn],
        draft=draft,
        partner=partner,
        other_partner=other_partner,
        staff=staff,
    )
