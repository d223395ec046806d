"""Partners give every text residents read on a listing page in each language; residents see it
in theirs, or in English marked as such with a note, once per section."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.accounts.models import PartnerAssignment
from housing.db_types import utcnow
from housing.demo import LISTINGS, load_demo
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.listings.management import stale_translations
from housing.listings.models import (
    TRANSLATABLE_FIELDS,
    DocumentKind,
    EventKind,
    Listing,
    ListingDocument,
    ListingEvent,
    ListingStatus,
    document_text_key,
    event_text_key,
)
from tests.accounts.helpers import post_form, sign_in_as
from tests.factories import ListingFactory, UnitFactory, UserFactory

ENGLISH = {field: f"English {field.replace('_', ' ')}." for field in TRANSLATABLE_FIELDS}


@pytest.fixture
def partner(client):
    user = UserFactory(partner=True, with_two_factor=True)
    sign_in_as(client, user)
    return user


def listing_with_everything(db_session, storage, partner=None):
    """A draft listing with every resident-facing text filled in, a PDF, an image and an event."""
    listing = ListingFactory(status=ListingStatus.DRAFT, **ENGLISH)
    UnitFactory(listing=listing)
    for kind, title, alt in (
        (DocumentKind.DOCUMENT, "English checklist", ""),
        (DocumentKind.IMAGE, "English building", "English front door"),
    ):
        listing.documents.append(
            ListingDocument(
                kind=kind,
                title=title,
                alt_text=alt,
                original_filename="file.pdf" if kind is DocumentKind.DOCUMENT else "file.png",
                storage_key=storage.save(io.BytesIO(b"%PDF-1.4"), suffix=".pdf"),
                content_type="application/pdf",
                byte_size=8,
            )
        )
    listing.events.append(
        ListingEvent(
            kind=EventKind.OPEN_HOUSE,
            starts_at=utcnow() + timedelta(days=3),
            location="English community room",
            notes="English bring an ID.",
        )
    )
    db_session.flush()
    if partner is not None:
        db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
        db_session.flush()
    return listing


def every_key(listing):
    keys = list(TRANSLATABLE_FIELDS)
    for document in listing.documents:
        keys.append(document_text_key(document.id, "title"))
        if document.kind is DocumentKind.IMAGE:
            keys.append(document_text_key(document.id, "alt_text"))
    for event in listing.events:
        keys += [event_text_key(event.id, "location"), event_text_key(event.id, "notes")]
    return keys


def main_of(html: str) -> str:
    """The page's own content, without the site's header (whose language links name their
    languages in those languages)."""
    return html[html.index("<main") : html.index("</main>")]


def publish(listing, db_session):
    db_session.refresh(listing)
    listing.status = ListingStatus.OPEN
    db_session.flush()


def test_the_partner_form_covers_every_text_and_residents_read_each_in_their_language(
    client, partner, db_session, storage
):
    listing = listing_with_everything(db_session, storage, partner)
    keys = every_key(listing)
    form = client.get(f"/partner/listings/{listing.id}/translations/es").text
    for key in keys:
        assert f'name="{key}"' in form, key

    spanish = {key: f"Texto en español {number}." for number, key in enumerate(keys)}
    response = post_form(client, f"/partner/listings/{listing.id}/translations/es", spanish)
    assert response.status_code == 302
    db_session.refresh(listing)
    assert {key: listing.translations["es"][key] for key in keys} == spanish
    publish(listing, db_session)

    reader = client.application.test_client()
    reader.set_cookie("language", "es")
    page = main_of(reader.get(f"/listings/{listing.id}").text)
    image = next(d for d in listing.documents if d.kind is DocumentKind.IMAGE)
    for key, text in spanish.items():
        # An image's title is its description only when it has none of its own.
        if key != document_text_key(image.id, "title"):
            assert text in page, key
    for text in ENGLISH.values():
        assert text not in page
    for text in ("English checklist", "English building", "English front door", "English bring"):
        assert text not in page
    assert 'lang="en"' not in page
    assert "english-only" not in page

    # In English, the English texts, and no note.
    english_page = reader.get(f"/listings/{listing.id}?lang=en").text
    assert ENGLISH["description"] in english_page and "english-only" not in english_page


def test_a_text_without_translation_is_english_marked_with_one_note_per_section(
    client, db_session, storage
):
    listing = listing_with_everything(db_session, storage)
    translated = {key: f"Texto {number}." for number, key in enumerate(every_key(listing))}
    # Two rules and the office hours stay English.
    for key in ("parking", "deposit", "office_hours"):
        del translated[key]
    publish(listing, db_session)
    listing.translations = {"es": translated}
    db_session.flush()

    page = client.get(f"/listings/{listing.id}", headers={"Accept-Language": "es"}).text

    for key in ("parking", "deposit"):
        assert f'<dd lang="en" dir="ltr">{ENGLISH[key]}</dd>' in page
    assert f'<span lang="en" dir="ltr">{ENGLISH["office_hours"]}</span>' in page
    # Once in the rules, once by the leasing agent: not once per text.
    assert page.count('class="english-only"') == 2
    rules = page[page.index('id="rules-title"') : page.index('id="agent-title"')]
    assert rules.count('class="english-only"') == 1


def test_a_translation_too_long_is_refused_with_nothing_saved_and_nothing_lost(
    client, partner, db_session, storage
):
    listing = listing_with_everything(db_session, storage, partner)
    too_long = "x" * 10_001
    response = post_form(
        client,
        f"/partner/listings/{listing.id}/translations/vi",
        {"description": "Mô tả.", "parking": too_long},
    )

    assert response.status_code == 422
    assert "Use at most 10,000 characters." in response.text
    assert 'href="#parking"' in response.text
    assert "Mô tả." in response.text and too_long in response.text
    db_session.refresh(listing)
    assert "vi" not in (listing.translations or {})


def test_the_demo_city_has_every_listing_text_in_every_language(db_session, storage):
    load_demo(db_session, storage, utcnow())
    listings = db_session.scalars(
        select(Listing).where(Listing.name.in_([demo.name for demo in LISTINGS]))
    ).all()
    assert len(listings) == len(LISTINGS)
    for listing in listings:
        shown = {key for key, text in listing.translatable_texts().items() if text}
        assert "description" in shown and "leasing_agent_title" in shown
        for locale in LOCALE_CODES:
            if locale == DEFAULT_LOCALE:
                continue
            entry = listing.translations[locale]
            missing = sorted(shown - {key for key, text in entry.items() if text})
            assert missing == [], (listing.name, locale, missing)
            for key in shown:
                assert entry[key] != listing.source_text(key), (listing.name, locale, key)
                assert not re.search(r"\{\w+\}", entry[key]), (listing.name, locale, key)
    # The partner's page shows none of them as needing a check.
    assert all(stale_translations(listing, "es") == [] for listing in listings)
