"""A signed-in resident applies to one demo listing with a proof for the neighbourhood
preference, then to a second listing that asks for the same preference: the preferences step
offers the earlier proof beside the upload, the resident picks it (no JavaScript needed),
submits, and staff see the proof on the application. The first application keeps its own file.
Real Chromium at 360 px, axe-core on the step."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from housing import create_app
from housing.accounts.models import Role, User
from housing.accounts.passwords import hash_password
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.extensions import db
from tests.conftest import make_config
from tests.e2e.conftest import axe_violations, screenshot, sign_in
from tests.e2e.test_application_journey import continue_, fill_date, follow
from tests.notifications.test_worker_delivery import let_go

pytestmark = pytest.mark.postgresql_only

PASSWORD = "seven green herons at low tide"
FIRST_LISTING = "Harbor Flats Commons"  # COP, DTHP, NRHP, LW
SECOND_LISTING = "Cedar Hill Senior Residences"  # NRHP, LW
NEIGHBOURHOOD = "Neighborhood Resident Housing Preference"


def resident(site) -> str:  # type: ignore[no-untyped-def]
    """A confirmed resident account; its email."""
    email = f"rosa.{uuid.uuid4().hex[:8]}@example.org"
    app = create_app(make_config(site.database_url, site.storage))
    try:
        with app.app_context():
            db.session.add(
                User(
                    email=email,
                    full_name="Rosa Lindqvist",
                    role=Role.APPLICANT,
                    password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow(),
                )
            )
            db.session.commit()
    finally:
        let_go(app)
    return email


def query(site, sql: str, *values: object) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    with psycopg.connect(site.database_url.replace("+psycopg", "")) as connection:
        return connection.execute(sql, values).fetchall()


def apply_up_to_preferences(page, site, listing_id: int, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/listings/{listing_id}/apply")
    start_empty = page.get_by_role("button", name="Start empty")
    follow(page, start_empty if start_empty.count() else "form[action$='/apply'] button")
    assert page.url.endswith("/you"), page.url
    page.fill("#first_name", "Rosa")
    page.fill("#last_name", "Lindqvist")
    fill_date(page, "date_of_birth", "1956-02-11")
    page.fill("#email", email)
    page.fill("#phone", "555-234-3131")
    page.check("#phone_type-0")
    page.fill("#street", "9 Ferry Lane")
    page.fill("#city", "Port Alder")
    page.fill("#state", "CA")
    page.fill("#postal_code", "94999")
    page.check("#works_in_city-1")
    continue_(page)
    page.check("#kind-0")
    continue_(page)
    continue_(page)  # household: the applicant alone
    continue_(page)  # accessibility
    page.check("#has_voucher-1")
    page.fill("#amount", "37000")
    page.check("#period-1")
    continue_(page)
    assert page.url.endswith("/preferences"), page.url


def claim_neighbourhood_only(page, index: int) -> None:  # type: ignore[no-untyped-def]
    """Claim the preference at ``index`` for the applicant, not as a veteran; decline the
    others."""
    for choice in page.locator('input[id$="-claimed-1"]').all():
        choice.check()
    page.check(f"#claims-{index}-claimed-0")
    page.select_option(f"#claims-{index}-member", "0")
    if page.locator(f"#claims-{index}-veteran-1").count():
        page.check(f"#claims-{index}-veteran-1")


def submit_from_demographics(page) -> str:  # type: ignore[no-untyped-def]
    continue_(page)  # demographics, all optional
    assert page.url.endswith("/review"), page.url
    assert page.locator("#error-summary").count() == 0, page.locator("main").inner_text()
    follow(page, "a.button[href$='/terms']")
    page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')
    found = re.search(r"/applications/([A-Z0-9]+)/confirmation", page.url)
    assert found, page.url
    return found.group(1)


def test_a_proof_sent_before_is_picked_copied_and_seen_by_staff(page, live_site, tmp_path):  # type: ignore[no-untyped-def]
    site = live_site
    first = query(site, "SELECT id FROM listings WHERE name = %s", FIRST_LISTING)[0][0]
    second = query(site, "SELECT id FROM listings WHERE name = %s", SECOND_LISTING)[0][0]
    email = resident(site)
    page.goto(f"{site.url}/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    page.wait_for_url(f"{site.url}/account")

    # The first application, with a utility bill for the neighbourhood preference.
    apply_up_to_preferences(page, site, int(first), email)
    assert "Use a document you sent before" not in page.locator("main").inner_text()
    claim_neighbourhood_only(page, 2)
    page.select_option("#claims-2-proof_type", "Utility bill")
    bill = pdf_document("Utility bill", ["Rosa Lindqvist", "9 Ferry Lane"])
    proof = tmp_path / "utility-bill.pdf"
    proof.write_bytes(bill)
    page.set_input_files("#claims-2-document", str(proof))
    continue_(page)
    earlier = submit_from_demographics(page)
    [(first_document, first_key)] = query(
        site,
        "SELECT d.public_id, d.storage_key FROM application_documents d "
        "JOIN applications a ON a.id = d.application_id WHERE a.public_id = %s",
        earlier,
    )

    # The second listing asks for the same preference: the bill is offered, not attached.
    apply_up_to_preferences(page, site, int(second), email)
    group = page.locator("fieldset.group", has_text=NEIGHBOURHOOD).first
    offer = group.get_by_label(re.compile(r"^Use a document you sent before: Utility bill, sent "))
    assert offer.count() == 1
    assert (
        page.locator("fieldset.group", has_text="Live or Work")
        .get_by_label(re.compile("Use a document you sent before"))
        .count()
        == 0
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "reuse-proofs-offered")
    assert axe_violations(page) == []
    second_id = re.search(r"/applications/([A-Z0-9]+)/preferences", page.url).group(1)
    assert query(
        site,
        "SELECT count(*) FROM application_documents d "
        "JOIN applications a ON a.id = d.application_id WHERE a.public_id = %s",
        second_id,
    ) == [(0,)]

    # Picks it, leaves the kind of proof for the document to bring, and submits.
    claim_neighbourhood_only(page, 0)
    offer.check()
    continue_(page)
    assert page.url.endswith("/demographics"), page.locator("main").inner_text()
    submitted = submit_from_demographics(page)
    assert submitted == second_id
    [(copy_document, copy_key, copy_listing)] = query(
        site,
        "SELECT d.public_id, d.storage_key, d.listing_id FROM application_documents d "
        "JOIN applications a ON a.id = d.application_id WHERE a.public_id = %s",
        submitted,
    )
    assert copy_document != first_document and copy_key != first_key
    assert copy_listing == second

    # Staff see the proof on the application, and it is the bill the resident sent.
    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        staff_page = staff.new_page()
        sign_in(staff_page, site, site.staff)
        staff_page.goto(f"{site.url}/partner/listings/{second}/applications/{submitted}")
        documents = staff_page.locator("section[aria-labelledby=documents-title]")
        link = documents.locator(f'a[href$="/documents/{copy_document}"]')
        assert link.inner_text() == "utility-bill.pdf"
        claims = staff_page.locator("main").inner_text()
        assert NEIGHBOURHOOD in claims and "Utility bill" in claims
        downloaded = staff_page.request.get(f"{site.url}{link.get_attribute('href')}")
        assert downloaded.status == 200 and downloaded.body() == bill
    finally:
        staff.close()

    # The first application's file is untouched, and its own.
    assert query(
        site,
        "SELECT d.public_id, d.storage_key FROM application_documents d "
        "JOIN applications a ON a.id = d.application_id WHERE a.public_id = %s",
        earlier,
    ) == [(first_document, first_key)]
    assert (site.storage / first_key[:2] / first_key).read_bytes() == bill
    assert (site.storage / copy_key[:2] / copy_key).read_bytes() == bill
