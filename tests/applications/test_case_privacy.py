"""The case page's history shows changes to demographic answers to staff only."""

from __future__ import annotations

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application, ApplicationStatus, ApplicationVersion
from housing.db_types import utcnow
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import open_listing, valid_answers


def test_partners_do_not_see_demographic_changes_in_the_history(client, db_session):
    listing = open_listing()
    before = valid_answers()
    after = valid_answers(demographics={"race": "asian"})
    after["applicant"]["phone"] = "555-999-0000"
    application = Application(
        public_id="PRIVACY0001",
        listing=listing,
        status=ApplicationStatus.SUBMITTED,
        answers=after,
        submitted_answers=after,
        submitted_at=utcnow(),
    )
    db_session.add(application)
    db_session.flush()
    for number, answers in enumerate((before, after), start=1):
        db_session.add(
            ApplicationVersion(
                application_id=application.id, number=number, action="submitted", answers=answers
            )
        )
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    page = f"/partner/listings/{listing.id}/applications/{application.public_id}"
    agent = client.application.test_client()
    sign_in_as(agent, partner)
    seen = agent.get(page).text
    assert "555-999-0000" in seen  # other changes are shown
    assert "Asian" not in seen and "asian" not in seen
    staff = client.application.test_client()
    sign_in_as(staff, factories.UserFactory(staff=True, with_two_factor=True))
    assert "Asian" in staff.get(page).text
