"""The demo listing with published results goes to every unit leased, with a waitlist, in the
browser: the agent works the computed list, invites a household, the household sends its
documents at its link, and the rest wait in order. axe-core on each page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from housing import create_app
from housing.demo import DEMO_LOTTERY
from housing.demo_files import pdf_document
from housing.extensions import db
from housing.listings.models import Listing
from tests.conftest import make_config
from tests.e2e.conftest import plain_text, screenshot, sign_in, wait_for_mail
from tests.e2e.test_lottery_journey import violations

pytestmark = pytest.mark.postgresql_only


def demo_listing_id(site, folder) -> int:  # type: ignore[no-untyped-def]
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        listing_id = db.session.scalar(select(Listing.id).where(Listing.name == DEMO_LOTTERY))
        db.session.remove()
        db.engine.dispose()
    assert listing_id is not None
    return int(listing_id)


def apply_to_chosen(page, status: str, rows: str = "tbody tr") -> None:  # type: ignore[no-untyped-def]
    for box in page.locator(f"{rows} input[name=chosen]").all():
        box.check()
    page.get_by_label("New status for the chosen households").select_option(status)
    page.get_by_role("button", name="Apply to the chosen households").click()
    page.get_by_text("household(s) moved to").wait_for()


def test_an_agent_leases_every_unit_and_the_rest_form_the_waitlist(
    page, browser, live_site, smtp_server, tmp_path
):
    site = live_site
    mailbox = smtp_server[0]
    listing_id = demo_listing_id(site, tmp_path)
    sign_in(page, site, site.staff)
    page.goto(f"{site.url}/partner/listings/{listing_id}")
    page.get_by_role("link", name="Lease-up", exact=True).click()
    page.get_by_role("heading", name="Lease-up").wait_for()
    next_rows = page.locator("tr.row-next")
    assert next_rows.count() == 10  # ten units, nobody contacted yet
    assert violations(page) == []
    screenshot(page, "lease-up-01-work-list")

    # The first household in line is invited to send documents.
    next_rows.first.get_by_role("link").click()
    number = page.get_by_role("heading", level=1).inner_text().split()[-1]
    assert "Next to contact" in page.content()
    page.get_by_label("Documents due by").fill("2099-01-31")
    page.get_by_label("Note to the household").fill("Bring your last three pay stubs.")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("Invitation sent.").wait_for()
    assert violations(page) == []
    screenshot(page, "lease-up-02-invited")

    # The worker delivers the invitation.
    invitation = wait_for_mail(mailbox, site, lambda message: number in plain_text(message))
    link = re.search(r"https?://\S+/lease-up/documents/\S+", plain_text(invitation)).group(0)

    # The household answers at its link, without an account, on a phone-sized screen.
    household = browser.new_page(viewport={"width": 360, "height": 780})
    household.goto(link)
    household.get_by_role("heading", name="Send your documents").wait_for()
    household.get_by_role("button", name="Send", exact=True).click()
    household.get_by_role("heading", name="Please correct the following").wait_for()
    assert "Confirm that what you have written is true." in household.content()
    assert violations(household) == []
    household.get_by_label("Employer").fill("Harbor Clinic")
    household.get_by_label("Wages of the whole household per month, before tax").fill("4200")
    household.get_by_label("Other income per month").fill("0")
    household.get_by_label("Savings and other assets of the household").fill("1500")
    household.get_by_label("How many people in the household earn an income").fill("1")
    pdf = tmp_path / "pay-stub.pdf"
    pdf.write_bytes(pdf_document("Pay stub", ["March"]))
    household.get_by_label("Proof of income and identity").set_input_files(str(pdf))
    household.get_by_label("I declare that what I have written is true and complete.").check()
    household.get_by_role("button", name="Send", exact=True).click()
    household.get_by_role("heading", name="Documents received").wait_for()
    screenshot(household, "lease-up-03-documents-sent")
    household.close()

    page.reload()
    assert "Harbor Clinic" in page.content() and "pay-stub.pdf" in page.content()
    page.get_by_role("link", name="Lease-up", exact=True).first.click()

    # Everyone in line is worked in bulk, to the signed lease.
    apply_to_chosen(page, "processing", rows="tr.row-next")
    for status in ("approved", "lease_signed"):
        apply_to_chosen(page, status)
    page.get_by_text("Every unit is held.").wait_for()
    assert page.locator("tr.row-next").count() == 0
    screenshot(page, "lease-up-04-all-leased")

    page.get_by_role("link", name="Waitlist", exact=True).first.click()
    page.get_by_text("110 households are waiting").wait_for()
    page.get_by_role(
        "button", name="Tell every waiting household its place on the waitlist"
    ).click()
    page.get_by_text("110 household(s) told their place on the waitlist.").wait_for()
    assert page.locator("tbody tr").first.locator("td").first.inner_text() == "1"
    assert "On the waitlist" in page.content()
    assert violations(page) == []
    screenshot(page, "lease-up-05-waitlist")
