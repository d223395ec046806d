"""A resident applies in a real browser: refused with clear messages, leaves, resumes from the
emailed link, claims a preference with an uploaded proof, submits. English, Spanish, Arabic;
axe-core on every step."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from housing.demo_files import pdf_document
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.postgresql_only

HARBOR_FLATS = "/listings/1"


def check_accessibility(page, failures: dict, name: str) -> None:  # type: ignore[no-untyped-def]
    results = Axe().run(page)
    found = [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("moderate", "serious", "critical")
    ]
    if found:
        failures[name] = found


def continue_(page) -> None:  # type: ignore[no-untyped-def]
    page.click('button[name="action"][value="continue"]')


def fill_you(page, first_name: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#first_name", first_name)
    page.fill("#last_name", "Lopez")
    page.fill("#date_of_birth", "1985-04-23")
    page.fill("#email", "maria@example.org")
    page.fill("#phone", "555-234-5678")
    page.check("#phone_type-0")
    page.fill("#street", "120 Harbor Way")
    page.fill("#city", "Port Alder")
    page.fill("#state", "CA")
    page.fill("#postal_code", "94999")
    page.check("#works_in_city-0")


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_a_resident_applies_in_the_browser(page, live_site, mailbox, tmp_path, language):
    failures: dict = {}
    page.context.add_cookies([{"name": "language", "value": language, "url": live_site.url}])
    page.goto(live_site.url + HARBOR_FLATS)
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    page.click(f'a[href="{HARBOR_FLATS}/apply"]')
    check_accessibility(page, failures, "start")
    page.click("form[action$='/apply'] button[type=submit]")
    assert re.search(r"/applications/[A-Z0-9]+/you$", page.url)

    # Refused, with a summary that links to the fields.
    fill_you(page, "")
    page.fill("#street", "PO Box 12")
    continue_(page)
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.locator('a[href="#first_name"]').count() == 1
    assert summary.locator('a[href="#street"]').count() == 1
    assert page.locator("#first_name").get_attribute("aria-invalid") == "true"
    check_accessibility(page, failures, "you-errors")
    screenshot(page, f"apply-{language}-01-refused")

    fill_you(page, "Maria")
    continue_(page)
    check_accessibility(page, failures, "alternate")
    page.check("#kind-0")

    if language == "en":
        # Leave, and come back from the emailed link in another browser.
        page.click('button[name="action"][value="save_exit"]')
        assert "maria@example.org" in page.content()
        [message] = mailbox.messages
        link = re.search(r"https?://\S+", message.get_body(("plain",)).get_content()).group(0)
        other = page.context.browser.new_context(viewport={"width": 360, "height": 780})
        page = other.new_page()
        page.context.add_cookies([{"name": "language", "value": language, "url": live_site.url}])
        page.goto(link)
        assert "Maria" in page.content()
        page.goto(page.url.rsplit("/", 1)[0] + "/household")
    else:
        continue_(page)

    check_accessibility(page, failures, "household")
    page.fill("#members-0-first_name", "Ana")
    page.fill("#members-0-last_name", "Lopez")
    page.fill("#members-0-date_of_birth", "2012-06-01")
    page.select_option("#members-0-relationship", "child")
    continue_(page)
    check_accessibility(page, failures, "accessibility")
    continue_(page)
    check_accessibility(page, failures, "income")
    page.check("#has_voucher-1")
    page.fill("#amount", "5500")
    page.check("#period-0")
    continue_(page)

    check_accessibility(page, failures, "preferences")
    for index in range(3):
        page.check(f"#claims-{index}-claimed-1")
    page.check("#claims-3-claimed-0")
    page.select_option("#claims-3-member", "0")
    page.select_option("#claims-3-proof_type", "Pay stub")
    proof = tmp_path / "pay-stub.pdf"
    proof.write_bytes(pdf_document("Pay stub", ["Port Alder Library"]))
    page.set_input_files("#claims-3-document", str(proof))
    continue_(page)
    check_accessibility(page, failures, "demographics")
    continue_(page)

    assert page.url.endswith("/review")
    assert page.locator("#error-summary").count() == 0
    check_accessibility(page, failures, "review")
    screenshot(page, f"apply-{language}-02-review")
    page.click("a.button[href$='/terms']")
    check_accessibility(page, failures, "terms")
    page.check("#terms_accepted")
    page.click('button[name="action"][value="submit"]')

    assert page.url.endswith("/confirmation")
    number = page.locator(".big-number").nth(1).inner_text()
    assert re.search(r"\d{8}", number)
    check_accessibility(page, failures, "confirmation")
    screenshot(page, f"apply-{language}-03-confirmation")
    assert failures == {}
