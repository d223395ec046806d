"""Staff set aside a paper draft in Chromium: without a reason the page says why in place, the
reason box marked and reached from the summary; with one the draft leaves the list of those
holding up the freeze."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from housing import create_app
from housing.accounts.models import User
from housing.applications.services import start_application
from housing.db_types import utcnow
from housing.extensions import db
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, sign_in

pytestmark = pytest.mark.postgresql_only

HARBOR_FLATS = 1  # the demo's open listing


def _paper_draft(site, folder) -> str:  # type: ignore[no-untyped-def]
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        clerk = db.session.scalars(select(User).where(User.email == site.staff.email)).one()
        draft = start_application(
            db.session,
            HARBOR_FLATS,
            utcnow(),
            language="en",
            entered_by=clerk,
            received_on=utcnow().date(),
        )
        db.session.commit()
        number = draft.public_id
        db.session.remove()
        db.engine.dispose()
    return number


def test_a_paper_draft_is_set_aside_only_with_a_reason(page, live_site, tmp_path):
    site = live_site
    number = _paper_draft(site, tmp_path)
    sign_in(page, site, site.staff)
    drafts = f"{site.url}/partner/listings/{HARBOR_FLATS}/paper-applications/drafts"
    page.goto(drafts)
    section = page.locator("section", has=page.get_by_role("heading", name=f"Application {number}"))
    assert axe_violations(page) == []

    # No reason: the answer names the box and keeps the draft (the form is novalidate, so the
    # message is the site's, in the reader's language, not the browser's).
    section.get_by_role("button", name="Set this draft aside").click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    assert "Say why the draft is set aside." in summary.inner_text()
    summary.get_by_role("link").click()
    reason = page.get_by_label("Why is this draft set aside?")
    assert page.evaluate("element => document.activeElement === element", reason.element_handle())
    assert reason.get_attribute("aria-invalid") == "true"
    section = page.locator("section", has=page.get_by_role("heading", name=f"Application {number}"))
    assert axe_violations(page) == []

    reason.fill("Entered twice; the form is in as the other draft.")
    section.get_by_role("button", name="Set this draft aside").click()
    page.wait_for_load_state("load")
    assert f"Draft {number} set aside." in page.locator("main").inner_text()
    assert page.get_by_role("heading", name=f"Application {number}").count() == 0


def test_staff_copy_a_listing_into_a_new_draft(page, live_site):
    """The copy button on a listing's page gives a new draft named as a copy, and says what
    to do next."""
    site = live_site
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{HARBOR_FLATS}")
    page.get_by_role("button", name="Copy into a new draft").click()
    page.wait_for_load_state("load")
    assert "This draft is a copy of" in page.locator("main").inner_text()
    assert page.url.rstrip("/").split("/")[-1] != str(HARBOR_FLATS)
    assert "(copy)" in page.locator("h1").inner_text()
    assert axe_violations(page) == []
