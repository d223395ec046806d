"""Staff assign a partner to listings on the partner's account page: every listing is offered by
name, the checked ones are assigned, the unchecked ones taken away, and the change is logged."""

from __future__ import annotations

from sqlalchemy import select

from housing.accounts.models import PartnerAssignment
from housing.audit.models import ActivityEntry
from tests.accounts.helpers import csrf_token, sign_in_as
from tests.factories import ListingFactory, UserFactory


def test_staff_assign_a_partner_to_the_listings_checked_and_it_is_logged(client, db_session):
    kept = ListingFactory(name="Birch Court")
    added = ListingFactory(name="Alder House")
    dropped = ListingFactory(name="Cedar Row")
    partner = UserFactory(partner=True, with_two_factor=True)
    db_session.add_all(
        [
            PartnerAssignment(user_id=partner.id, listing_id=kept.id),
            PartnerAssignment(user_id=partner.id, listing_id=dropped.id),
        ]
    )
    db_session.flush()
    staff = UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    url = f"/staff/users/{partner.id}"

    page = client.get(url).text

    assert page.index("Alder House") < page.index("Birch Court") < page.index("Cedar Row")
    assert f'name="listing" value="{kept.id}" checked>' in page
    assert f'name="listing" value="{added.id}">' in page

    saved = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "role": "partner",
            "listing": [str(kept.id), str(added.id)],
        },
    )

    assert saved.status_code == 302
    db_session.expire_all()
    assigned = db_session.scalars(
        select(PartnerAssignment.listing_id).where(PartnerAssignment.user_id == partner.id)
    ).all()
    assert sorted(assigned) == sorted([kept.id, added.id])
    entry = db_session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.action == "user.updated", ActivityEntry.subject_id == partner.id)
        .order_by(ActivityEntry.id.desc())
    ).first()
    assert entry is not None
    assert (entry.actor_id, entry.actor_role) == (staff.id, "staff")
    assert entry.detail["assigned"] == [added.id]
    assert entry.detail["unassigned"] == [dropped.id]
