"""Staff decide several groups of possible duplicates at once in Chromium: they tick two groups
and choose to keep each one's earliest complete application, are told in place that a reason is
needed (the boxes still ticked), give one, and the page shows both groups decided."""

from __future__ import annotations

import pytest

from housing import create_app
from housing.applications.services import submit_answers
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import ListingStatus
from tests import factories
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, sign_in
from tests.lottery.conftest import household

pytestmark = pytest.mark.postgresql_only

KEEP_EARLIEST = (
    "One household: keep the earliest complete application (or the one another group already "
    "keeps) and leave out the others"
)


def _two_households_twice(site, folder) -> tuple[int, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """A listing of its own where one household applied twice with one email address and
    another twice from one home address; its id and each pair's numbers, earlier first. The
    listing is a draft again afterwards, so no public page lists it."""
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        factories.use_session(db.session)
        try:
            listing = factories.ListingFactory(name="Duplicate Review Court")
            factories.UnitFactory(listing=listing)
            db.session.flush()
            pairs = []
            for first, shared in ((1, "email"), (3, "address")):
                earlier, later = household(first, []), household(first + 1, [])
                later["applicant"][shared] = earlier["applicant"][shared]
                numbers = []
                for answers in (earlier, later):
                    answers["preferences"] = {}
                    with app.test_request_context():  # the confirmation links to the site
                        made = submit_answers(db.session, listing.id, answers, utcnow())
                    numbers.append(made.application.public_id)
                pairs.append((numbers[0], numbers[1]))
            listing.status = ListingStatus.DRAFT
            db.session.commit()
            return listing.id, pairs
        finally:
            factories.use_session(None)
            db.session.remove()
            db.engine.dispose()


def test_staff_keep_the_earliest_application_of_the_groups_they_tick(page, live_site, tmp_path):
    site = live_site
    listing_id, pairs = _two_households_twice(site, tmp_path)
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{listing_id}/duplicates")
    assert axe_violations(page) == []

    boxes = [
        page.get_by_label(
            f"Choose this group ({', '.join(sorted(pair))}) for the decision on several groups"
        )
        for pair in pairs
    ]
    for box in boxes:
        box.check()
    page.get_by_label(KEEP_EARLIEST).check()
    decide = page.get_by_role("button", name="Decide the chosen groups")
    decide.click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    assert "Give a reason; it is kept in the audit log." in summary.inner_text()
    summary.get_by_role("link").click()
    reason = page.get_by_label("Reason for all the chosen groups (kept in the audit log)")
    assert page.evaluate("element => document.activeElement === element", reason.element_handle())
    assert reason.get_attribute("aria-invalid") == "true"
    assert all(box.is_checked() for box in boxes)  # nothing chosen is lost
    assert page.get_by_label(KEEP_EARLIEST).is_checked()
    assert "Not decided yet" in page.locator("main").inner_text()
    assert axe_violations(page) == []

    reason.fill("Both called back: the same household applied twice.")
    decide.click()
    page.wait_for_load_state("load")
    text = page.locator("main").inner_text()
    assert (
        "2 groups decided: in each, one application stays in the lottery and the others are "
        "left out." in text
    )
    for earlier, _later in pairs:
        assert f"Decided: one household. {earlier} stays in the lottery" in text
    assert "Not decided yet" not in text
    assert axe_violations(page) == []
