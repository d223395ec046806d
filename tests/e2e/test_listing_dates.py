"""Dates after approval in real Chromium: staff take a published lottery listing through a
deadline extension, an early close, a reopening and a lottery postponement on its dates page,
each with a reason. The page explains a refusal in place (a missing reason; a deadline past
the day the registered randomness rule allows); the listing's page shows each change; and the
real rq worker delivers one message per change to each applicant and to the unfinished draft
at the real SMTP server, the one who applied in Spanish in Spanish. axe-core on the form."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from housing import create_app
from housing.applications.services import start_application, submit_answers
from housing.db_types import utcnow
from housing.demo import CHART_NAME
from housing.extensions import db
from housing.listings.ami import AmiChart
from housing.listings.deadlines import due_moment
from housing.listings.eligibility import UnitType
from housing.listings.models import Listing, ListingStatus, ListingType, Tenure, Unit
from housing.lottery.registration import preregister
from tests.applications.helpers import with_applicant
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, plain_text, sign_in, wait_for_mail

pytestmark = pytest.mark.postgresql_only

ZONE = "America/Los_Angeles"
REASON = "Reason (residents and applicants read it)"


def _day(days: int) -> date:
    return (utcnow() + timedelta(days=days)).astimezone(ZoneInfo(ZONE)).date()


def _listing_with_applicants(site, folder, stamp: str) -> tuple[int, str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A published lottery listing of its own (due in 10 days, lottery in 20) with an
    applicant in English, one in Spanish and an unfinished draft; its id, name and the
    addresses by who they are."""
    app = create_app(make_config(site.database_url, folder))
    name = f"Birchwood Commons {stamp}"
    people = {
        "english": f"ana.{stamp}@example.org",
        "spanish": f"rosa.{stamp}@example.org",
        "draft": f"lan.{stamp}@example.org",
    }
    with app.test_request_context():
        now = utcnow()
        chart = db.session.scalars(select(AmiChart).where(AmiChart.name == CHART_NAME)).first()
        listing = Listing(
            name=name,
            street_address="1 Birch Way",
            city="Port Alder",
            state="CA",
            postal_code="94999",
            neighborhood="Birchwood",
            developer="Birch Housing",
            tenure=Tenure.RENTAL,
            listing_type=ListingType.LOTTERY,
            status=ListingStatus.APPROVED,
            timezone=ZONE,
            application_open_at=now - timedelta(days=2),
            application_due_at=due_moment(_day(10), None, ZONE),
            lottery_at=due_moment(_day(20), None, ZONE),
            description="Twenty homes by the birch grove.",
            leasing_agent_name="Birch Leasing",
            leasing_agent_email="leasing@example.org",
            leasing_agent_phone="(555) 010-2222",
            units=[
                Unit(
                    unit_type=UnitType.ONE_BEDROOM,
                    unit_count=5,
                    monthly_rent=2102,
                    rent_multiple=2.5,
                    ami_chart=chart,
                    ami_percent=80,
                )
            ],
        )
        db.session.add(listing)
        db.session.flush()
        preregister(db.session, listing, now)
        submit_answers(db.session, listing.id, with_applicant(email=people["english"]), now)
        spanish = with_applicant(
            email=people["spanish"], first_name="Rosa", date_of_birth="1979-02-03"
        )
        spanish["language"] = "es"
        submit_answers(db.session, listing.id, spanish, now)
        draft = start_application(db.session, listing.id, now, language="en")
        draft.answers = {
            "language": "en",
            "applicant": {"first_name": "Lan", "email": people["draft"]},
        }
        db.session.commit()
        listing_id = listing.id
        db.session.remove()
        db.engine.dispose()
    return listing_id, name, people


def _section(page, title: str):  # type: ignore[no-untyped-def]
    return page.locator("section", has=page.get_by_role("heading", name=title, exact=True))


def _told(mailbox, site, people: dict[str, str], reason: str) -> dict[str, EmailMessage]:  # type: ignore[no-untyped-def]
    """The message about one change (known by its reason) each person got."""
    return {
        who: wait_for_mail(
            mailbox, site, lambda m, to=to: m["To"] == to and reason in plain_text(m)
        )
        for who, to in people.items()
    }


def test_staff_extend_close_reopen_and_postpone_and_everyone_is_told(
    page, live_site, mailbox, tmp_path
):
    site = live_site
    stamp = str(int(time.time()))
    listing_id, name, people = _listing_with_applicants(site, tmp_path, stamp)
    sign_in(page, site, site.staff)
    dates = f"{site.url}/partner/listings/{listing_id}/dates"
    page.goto(dates)
    assert axe_violations(page) == []

    # No reason: said in place, the field marked and reached from the summary.
    extend = _section(page, "Extend the deadline")
    extend.get_by_label("New application deadline").fill(_day(14).isoformat())
    extend.get_by_role("button", name="Extend the deadline").click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    assert "Say why the dates change." in summary.inner_text()
    summary.get_by_role("link").click()
    extend = _section(page, "Extend the deadline")
    reason = extend.get_by_label(REASON)
    assert page.evaluate("element => document.activeElement === element", reason.element_handle())
    assert reason.get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []

    # Past the lottery's day: the registered randomness rule could not be kept; refused.
    extend.get_by_label("New application deadline").fill(_day(25).isoformat())
    reason.fill("Paper forms are still arriving.")
    extend.get_by_role("button", name="Extend the deadline").click()
    page.wait_for_load_state("load")
    refusal = page.locator(".error-summary").inner_text()
    assert "registered rules" in refusal and "drand" in refusal

    # Extended.
    extend = _section(page, "Extend the deadline")
    extend.get_by_label("New application deadline").fill(_day(14).isoformat())
    extend.get_by_label(REASON).fill("Paper forms are still arriving.")
    extend.get_by_role("button", name="Extend the deadline").click()
    page.wait_for_load_state("load")
    assert "The deadline is now" in page.locator("[role=status]").inner_text()
    told = _told(mailbox, site, people, "Paper forms are still arriving.")
    assert f"The application deadline for {name} was extended to" in plain_text(told["english"])
    assert "Your application" in plain_text(told["english"])
    assert f"/listings/{listing_id}/apply/resume/" in plain_text(told["draft"])
    # In Spanish: the message's language, its greeting and reason label and its date are
    # Spanish (the new sentences read in English until the catalog is translated).
    spanish = told["spanish"]
    assert spanish["Content-Language"] == "es"
    spanish_text = plain_text(spanish)
    assert spanish_text.startswith("Hola")
    assert "Motivo: Paper forms are still arriving." in spanish_text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", spanish_text), spanish_text
    page.goto(f"{site.url}/listings/{listing_id}")
    notice = page.locator("#date-notice").inner_text()
    assert "The application deadline was extended to" in notice
    assert "Reason: Paper forms are still arriving." in notice

    # Closed early.
    page.goto(dates)
    close = _section(page, "Close applications early")
    close.get_by_label(REASON).fill("Every unit is spoken for.")
    close.get_by_role("button", name="Close applications early").click()
    page.wait_for_load_state("load")
    assert "Applications closed on" in page.locator("[role=status]").inner_text()
    told = _told(mailbox, site, people, "Every unit is spoken for.")
    assert "closed early" in plain_text(told["english"])
    assert "can no longer be submitted" in plain_text(told["draft"])
    page.goto(f"{site.url}/listings/{listing_id}")
    assert "Applications closed early on" in page.locator("#date-notice").inner_text()
    assert page.get_by_role("link", name="Apply online").count() == 0

    # Reopened.
    page.goto(dates)
    assert (
        "Applications are not open now" in _section(page, "Close applications early").inner_text()
    )
    reopen = _section(page, "Reopen applications")
    reopen.get_by_label("New application deadline").fill(_day(12).isoformat())
    reopen.get_by_label("Due time (leave empty for the end of the day)").fill("17:00")
    reopen.get_by_label(REASON).fill("Two units came back.")
    reopen.get_by_role("button", name="Reopen applications").click()
    page.wait_for_load_state("load")
    assert "Applications are open again until" in page.locator("[role=status]").inner_text()
    told = _told(mailbox, site, people, "Two units came back.")
    assert "are open again" in plain_text(told["english"])
    page.goto(f"{site.url}/listings/{listing_id}")
    assert "Applications were reopened until" in page.locator("#date-notice").inner_text()
    assert page.get_by_role("link", name="Apply online").count() >= 1

    # The lottery postponed.
    page.goto(dates)
    postpone = _section(page, "Postpone the lottery")
    postpone.get_by_label("New lottery date").fill(_day(25).isoformat())
    postpone.get_by_label(REASON).fill("The hall is closed that week.")
    postpone.get_by_role("button", name="Postpone the lottery").click()
    page.wait_for_load_state("load")
    assert "The lottery is now on" in page.locator("[role=status]").inner_text()
    told = _told(mailbox, site, people, "The hall is closed that week.")
    assert f"The lottery for {name} was moved to" in plain_text(told["english"])
    assert told["spanish"]["Content-Language"] == "es"
    page.goto(f"{site.url}/listings/{listing_id}")
    assert "The lottery was moved to" in page.locator("#date-notice").inner_text()
    assert "Every change of dates" in page.locator("#date-notice").inner_text()

    # One message per change to each of them, none twice.
    reasons = (
        "Paper forms are still arriving.",
        "Every unit is spoken for.",
        "Two units came back.",
        "The hall is closed that week.",
    )
    for to in people.values():
        about = [
            m
            for m in list(mailbox.messages)
            if m["To"] == to and any(r in plain_text(m) for r in reasons)
        ]
        assert len(about) == 4, (to, [m["Subject"] for m in about])
