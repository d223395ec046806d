"""Staff filter the report across listings with the date inputs Chromium draws: the figure
follows the filter, and a range that runs backwards is refused with the site's own message."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from housing import create_app
from housing.applications.models import Application, ApplicationStatus
from housing.extensions import db
from housing.listings.models import PUBLIC_STATUSES, Listing
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.postgresql_only

SITE_ZONE = ZoneInfo("America/Los_Angeles")  # the site's time zone when none is configured


def submission_days(site, folder) -> list[date]:  # type: ignore[no-untyped-def]
    """The local day of each application submitted to a published listing, in order."""
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        moments = db.session.scalars(
            select(Application.submitted_at)
            .join(Listing, Listing.id == Application.listing_id)
            .where(
                Application.status == ApplicationStatus.SUBMITTED,
                Listing.status.in_(PUBLIC_STATUSES),
            )
            .order_by(Application.submitted_at)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return [moment.astimezone(SITE_ZONE).date() for moment in moments if moment is not None]


def test_staff_filter_the_report_by_submission_dates(page, live_site, tmp_path):
    site = live_site
    today = datetime.now(SITE_ZONE).date()
    days = submission_days(site, tmp_path)
    # From the day of the middle application: some applications are counted, not all.
    first = days[len(days) // 2]
    expected = sum(1 for day in days if first <= day <= today)
    assert 0 < expected < len(days)
    sign_in(page, site, site.staff)
    page.get_by_role("link", name="Report across listings").click()
    page.wait_for_load_state("load")
    assert axe_violations(page) == []

    page.get_by_label("The dates are those of").select_option("submitted")
    page.get_by_label("First day").fill(first.isoformat())
    page.get_by_label("Last day").fill(today.isoformat())
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state("load")

    shown = page.locator(".stat-tiles div", has_text="Submitted").locator("dd").inner_text()
    assert int(shown.replace(",", "")) == expected
    assert page.get_by_label("First day").input_value() == first.isoformat()
    screenshot(page, "staff-report-01-filtered")

    page.get_by_label("Last day").fill((first - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show the report").click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    assert "The last day must be the same as the first day or after it." in summary.inner_text()
    assert page.get_by_label("Last day").get_attribute("aria-invalid") == "true"
    assert "The report below is not filtered." in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "staff-report-02-refused")
