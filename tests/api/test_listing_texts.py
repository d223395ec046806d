"""A listing's own texts in the API come in the reader's language, each with its language stated,
and a home for sale shows the income floor its seller set."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from housing.api.serializers import RULE_FIELDS, language_tag
from housing.db_types import utcnow
from housing.i18n import LOCALE_CODES
from housing.listings.eligibility import UnitType
from housing.listings.models import (
    DocumentKind,
    EventKind,
    ListingDocument,
    ListingEvent,
    Tenure,
    document_text_key,
    event_text_key,
)
from tests.api.test_api import DOCUMENT, check
from tests.factories import ListingFactory, ListingPreferenceFactory, PreferenceFactory, UnitFactory

DETAIL = "/api/v1/listings/{listing_id}"


def listing_in_two_languages(db_session):  # type: ignore[no-untyped-def]
    """A listing whose partner translated some texts into Spanish and left the others English."""
    listing = ListingFactory(
        description="A quiet building by the harbor.",
        amenities="A shared laundry room.",
        office_hours="Monday to Friday, 9 to 5.",
        leasing_agent_title="Leasing agent",
    )
    UnitFactory(listing=listing)
    listing.documents.append(
        ListingDocument(
            kind=DocumentKind.IMAGE,
            title="The building",
            alt_text="A green front door",
            original_filename="front.png",
            storage_key="api-texts-front",
            content_type="image/png",
            byte_size=8,
        )
    )
    listing.events.append(
        ListingEvent(
            kind=EventKind.OPEN_HOUSE,
            starts_at=utcnow() + timedelta(days=3),
            location="Community room",
            notes="Bring an ID.",
        )
    )
    db_session.flush()
    [document], [event] = listing.documents, listing.events
    listing.translations = {
        "es": {
            "description": "Un edificio tranquilo junto al puerto.",
            "office_hours": "De lunes a viernes, de 9 a 5.",
            "leasing_agent_title": "Agente de arrendamiento",
            document_text_key(document.id, "title"): "El edificio",
            event_text_key(event.id, "location"): "Sala comunitaria",
        }
    }
    ListingPreferenceFactory(
        listing=listing,
        preference=PreferenceFactory(
            code="NRHP",
            name="Neighborhood resident",
            translations={"es": {"name": "Residente del vecindario"}},
        ),
    )
    db_session.flush()
    return listing


def test_texts_come_in_the_language_asked_for_each_with_its_language(client, db_session):
    listing = listing_in_two_languages(db_session)

    body = check(
        client.get(f"/api/v1/listings/{listing.id}", headers={"Accept-Language": "es"}), DETAIL, 200
    )

    assert body["language"] == "es"
    assert body["rules"]["description"] == "Un edificio tranquilo junto al puerto."
    assert body["leasing_agent"]["office_hours"] == "De lunes a viernes, de 9 a 5."
    assert body["leasing_agent"]["title"] == "Agente de arrendamiento"
    assert body["documents"][0]["title"] == "El edificio"
    assert body["events"][0]["location"] == "Sala comunitaria"
    assert body["preferences"][0]["name"] == "Residente del vecindario"
    # What the partner left untranslated comes in English, and says so.
    assert body["rules"]["amenities"] == "A shared laundry room."
    assert body["documents"][0]["alt_text"] == "A green front door"
    assert body["events"][0]["notes"] == "Bring an ID."
    assert body["preferences"][0]["description"] == "A test preference."
    assert body["text_languages"] == {
        **{f"rules.{field}": "en" for field in RULE_FIELDS},
        "rules.description": "es",
        "leasing_agent.title": "es",
        "leasing_agent.office_hours": "es",
        "documents.0.title": "es",
        "documents.0.alt_text": "en",
        "events.0.location": "es",
        "events.0.notes": "en",
        "preferences.0.name": "es",
        "preferences.0.description": "en",
    }


def test_english_is_the_default_and_a_browser_tag_finds_its_locale(client, db_session):
    listing = listing_in_two_languages(db_session)

    english = check(client.get(f"/api/v1/listings/{listing.id}"), DETAIL, 200)
    assert english["language"] == "en"
    assert english["rules"]["description"] == "A quiet building by the harbor."
    assert set(english["text_languages"].values()) == {"en"}

    # Traditional Chinese has no translation here: the English texts, marked English.
    chinese = check(
        client.get(f"/api/v1/listings/{listing.id}", headers={"Accept-Language": "zh-TW"}),
        DETAIL,
        200,
    )
    assert chinese["language"] == "zh-Hant"
    assert chinese["rules"]["description"] == "A quiet building by the harbor."
    assert chinese["text_languages"]["rules.description"] == "en"


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        ({"minimum_income": Decimal("60000")}, ("60000.00", None)),
        ({"minimum_ami_percent": 50}, (None, 50)),
        ({}, (None, None)),
    ],
)
def test_a_home_for_sale_shows_its_income_floor(client, db_session, floor, expected):
    listing = ListingFactory(tenure=Tenure.SALE)
    UnitFactory(
        listing=listing,
        unit_type=UnitType.TWO_BEDROOM,
        monthly_rent=None,
        rent_multiple=None,
        sale_price=Decimal("312500"),
        **floor,
    )

    body = check(client.get(f"/api/v1/listings/{listing.id}"), DETAIL, 200)

    [unit] = body["units"]
    assert (unit["minimum_income"], unit["minimum_ami_percent"]) == expected
    assert unit["minimum_monthly_income"] is None
    if "minimum_ami_percent" in floor:
        # The floor is read in the listing's income table, at its own percentage.
        assert {limit["ami_percent"] for limit in body["income_limits"]} == {50, 80}


def test_a_rental_has_no_sale_floor(client, db_session):
    listing = ListingFactory()
    UnitFactory(listing=listing)

    [unit] = check(client.get(f"/api/v1/listings/{listing.id}"), DETAIL, 200)["units"]

    assert (unit["minimum_income"], unit["minimum_ami_percent"]) == (None, None)
    assert unit["minimum_monthly_income"] == "5255.00"


def test_eligibility_names_the_floor_a_home_for_sale_sets(client, db_session):
    listing = ListingFactory(tenure=Tenure.SALE, name="Harbor Homes")
    UnitFactory(
        listing=listing,
        monthly_rent=None,
        rent_multiple=None,
        sale_price=Decimal("312500"),
        minimum_income=Decimal("60000"),
    )

    body = check(
        client.get(
            "/api/v1/eligibility",
            query_string={
                "household_size": 2,
                "income": "20000",
                "income_period": "year",
                "listing_id": listing.id,
            },
        ),
        "/api/v1/eligibility",
        200,
    )

    [result] = body["results"]
    assert result["eligible"] is False
    assert result["reasons"] == ["income_too_low"]
    assert result["units"][0]["income_minimum"] == "60000.00"


def test_the_documented_languages_are_the_shipped_ones():
    documented = DOCUMENT["components"]["schemas"]["Language"]["enum"]
    assert documented == [language_tag(code) for code in LOCALE_CODES]
