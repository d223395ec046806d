"""The resident journey in each of the six languages, on a phone (360 px): the directory, a
listing, an application from start to confirmation, the look-up of its lottery number, and a
published lottery's pages. On every page axe-core finds nothing and no English is left: no
piece of text outside what is marked English is one of the portal's English messages that the
language translates, or a listing text written in English only."""

from __future__ import annotations

import re

import pytest

from housing.applications.wording import PROOF_TYPE_NAMES
from housing.demo_files import pdf_document
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.english_text import (
    EnglishMessages,
    content_english,
    english_messages,
    english_on_page,
)
from tests.e2e.test_application_journey import (
    HARBOR_FLATS,
    continue_,
    fill_you,
    follow,
    household_to_demographics,
    published_entry,
    translated,
)

pytestmark = pytest.mark.postgresql_only

LANGUAGES = ["en", "es", "zh_Hant", "fil", "vi", "ar"]
# The demo's open listing asks for these preferences, in this order.
HARBOR_PREFERENCES = ["COP", "DTHP", "NRHP", "LW"]
# What the resident types, and may see again as typed.
TYPED = ("Maria", "Lopez", "Maria Lopez", "Ana", "Ana Lopez", "120 Harbor Way", "Port Alder")


class Journey:
    """Each page: axe-core's findings and the English left on it, kept to be reported together."""

    def __init__(self, language: str, messages: EnglishMessages | None) -> None:
        self.language = language
        self.messages = messages
        self.count = 0
        self.axe: dict[str, list[tuple[str, list[object]]]] = {}
        self.english: dict[str, list[str]] = {}

    def __call__(self, page, name: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        found = axe_violations(page)
        if found:
            self.axe[name] = found
        if self.messages is not None:
            left = english_on_page(page, self.messages, TYPED)
            if left:
                self.english[name] = left
        screenshot(page, f"locales-{self.language}-{self.count:02d}-{name}")

    def report(self) -> str:
        lines = [
            f"{self.language}: axe-core on {name}: {found}" for name, found in self.axe.items()
        ]
        for name, left in self.english.items():
            lines.append(f"{self.language}: English on {name}:")
            lines.extend(f"    {text}" for text in left)
        return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_resident_journey_reads_in_each_language(page, live_site, tmp_path, language):
    site = live_site
    messages = english_messages(language, site.database_url) if language != "en" else None
    step = Journey(language, messages)
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])
    assert page.viewport_size == {"width": 360, "height": 780}

    page.goto(f"{site.url}/listings")
    step(page, "directory")
    follow(page, f'main a[href="{HARBOR_FLATS}"]')
    step(page, "listing")
    follow(page, f'a[href="{HARBOR_FLATS}/apply"]')
    step(page, "start")
    follow(page, "form[action$='/apply'] button[type=submit]")
    step(page, "you")
    fill_you(page, "Maria", f"maria.locales.{language}@example.org")
    continue_(page)
    step(page, "alternate")
    page.check("#kind-0")
    continue_(page)
    household_to_demographics(page, tmp_path, step)
    assert page.url.endswith("/review")
    step(page, "review")
    follow(page, "a.button[href$='/terms']")
    step(page, "terms")
    page.check("#terms_accepted")
    follow(page, 'button[name="action"][value="submit"]')
    assert page.url.endswith("/confirmation")
    found = re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
    assert found
    step(page, "confirmation")

    # The application's own lottery is not drawn yet: its look-up says so.
    page.goto(f"{site.url}{HARBOR_FLATS}/lottery/lookup?number={found.group(0)}")
    step(page, "lookup-not-drawn")

    # The demo's published lottery: its page, a look-up that finds a number, the results.
    listing_id, number, _rank, _count = published_entry(site.database_url, 5)
    page.goto(f"{site.url}/listings/{listing_id}/lottery")
    step(page, "lottery")
    page.fill("#number", number)
    follow(page, 'form[action$="/lottery/lookup"] button[type=submit]')
    assert page.locator(".verdict-match").count() == 1
    step(page, "lookup")
    page.goto(f"{site.url}/listings/{listing_id}/lottery/results")
    step(page, "results")

    assert not step.axe and not step.english, step.report()


def draft_at_preferences(page, site) -> str:  # type: ignore[no-untyped-def]
    """Start an application for the demo's open listing; the address of its preferences step."""
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    follow(page, "form[action$='/apply'] button[type=submit]")
    assert page.url.endswith("/you")
    return page.url.rsplit("/", 1)[0] + "/preferences"


@pytest.mark.parametrize("language", ["es", "ar"])
def test_preferences_proofs_and_lottery_rules_are_told_in_the_readers_language(
    page, live_site, tmp_path, language
):
    site = live_site
    page.context.add_cookies([{"name": "language", "value": language, "url": site.url}])
    content = EnglishMessages(language, frozenset(content_english(site.database_url)), ())
    preferences = draft_at_preferences(page, site)

    # The kinds of proof are offered in the reader's language; the value sent stays the one
    # the preference lists.
    page.goto(preferences)
    offered = page.locator("#claims-3-proof_type option").all()
    values = [option.get_attribute("value") for option in offered][1:]
    assert values == ["Utility bill", "Lease", "Pay stub", "Letter from employer"]
    assert set(values) <= set(PROOF_TYPE_NAMES)
    assert [option.inner_text() for option in offered[1:]] == [
        translated(language, value) for value in values
    ]

    # Claims left unanswered are named by their preference, never by its code: on the step's
    # error summary and on the review page.
    page.check("#claims-3-claimed-0")
    page.select_option("#claims-3-member", "0")
    page.select_option("#claims-3-proof_type", "Pay stub")
    proof = tmp_path / "pay-stub.pdf"
    proof.write_bytes(pdf_document("Pay stub", ["Port Alder Library"]))
    page.set_input_files("#claims-3-document", str(proof))
    continue_(page)
    on_step = page.locator("#error-summary").inner_text()
    page.goto(preferences.rsplit("/", 1)[0] + "/review")
    on_review = page.locator("#error-summary").inner_text()
    for code in HARBOR_PREFERENCES:
        assert f"{code}:" not in on_step, on_step
        assert f"{code}:" not in on_review, on_review
    assert english_on_page(page, content, TYPED) == []
    preferences_section = page.locator("section[aria-labelledby=section-preferences]")
    for summary in (on_step, on_review):
        for name in preferences_section.locator("li strong").all_inner_texts()[:3]:
            assert f"{name}: " in summary
    # The proof claimed is named in the reader's language.
    claimed = preferences_section.locator(":scope > ul:not(.field-error) > li").nth(3).inner_text()
    assert translated(language, "Pay stub") in claimed
    if translated(language, "Pay stub") != "Pay stub":
        assert "Pay stub" not in claimed

    # The lottery's page says how the lottery works in plain words, with the preferences
    # named in the reader's language; the technical record is one click away, its registered
    # rules told in the reader's language beside the text as registered, marked as English.
    listing_id, _number, _rank, _count = published_entry(site.database_url, 0)
    page.goto(f"{site.url}/listings/{listing_id}/lottery")
    assert page.locator("#how-title").is_visible()
    record = page.locator("details.technical-record")
    assert record.get_attribute("open") is None
    assert not page.locator("#rules-title").is_visible()
    record.locator("summary").click()
    assert page.locator("#rules-title").is_visible()
    # From the look-up, the link to the technical record opens it.
    page.goto(f"{site.url}/listings/{listing_id}/lottery/lookup")
    assert page.locator("#how-title").is_visible()
    follow(page, page.locator('#how-title ~ p a[href$="#technical-record"]'))
    assert page.locator("#rules-title").is_visible()
    assert english_on_page(page, content) == []
    registered = page.locator("#rules-title ~ dl [lang=en]").all_inner_texts()
    assert any(text.startswith("one application per household") for text in registered)
    outside = page.evaluate(
        """() => [...document.querySelectorAll("main *")]
            .filter(e => !e.closest("[lang=en]") && [...e.childNodes]
                .some(n => n.nodeType === 3 && /application per household|drand mainnet/.test(n.textContent)))
            .map(e => e.outerHTML.slice(0, 200))"""
    )
    assert outside == []
