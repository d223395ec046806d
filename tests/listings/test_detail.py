"""The listing page: units, income limits, deadlines, preferences, documents."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from housing.db_types import utcnow
from housing.listings.eligibility import SeniorRule, UnitType
from housing.listings.models import DocumentKind, ListingDocument, ReservedCommunity
from tests.factories import ListingFactory, ListingPreferenceFactory, PreferenceFactory, UnitFactory


def test_units_table_shows_rent_minimum_income_and_occupancy(client):
    unit = UnitFactory(
        unit_type=UnitType.ONE_BEDROOM, monthly_rent=2102, rent_multiple=2.5, unit_count=6
    )

    html = client.get(f"/listings/{unit.listing.id}").text

    assert "1 bedroom" in html
    assert "$2,102" in html
    assert "$5,255" in html  # 2.5 x rent
    assert "1 to 3" in html  # 1 BR houses 1 to 3 people
    assert "80% AMI" in html


def test_income_limit_table_shows_yearly_and_monthly_limits(client):
    unit = UnitFactory(unit_type=UnitType.TWO_BEDROOM, ami_percent=100)

    html = client.get(f"/listings/{unit.listing.id}").text

    # 100% AMI for three people is $96,950 a year, $8,079 a month (rounded down).
    assert "$96,950 a year" in html
    assert "$8,079 a month" in html
    assert "5 people" in html  # a 2 BR houses up to 5
    assert "6 people" not in html


def test_deadline_is_shown_in_the_listing_time_zone_with_a_countdown(client, monkeypatch):
    due = datetime(2030, 3, 15, 6, 59, 59, tzinfo=UTC)  # 23:59:59 on 14 March in Los Angeles
    listing = ListingFactory(
        application_open_at=due - timedelta(days=30),
        application_due_at=due,
        timezone="America/Los_Angeles",
    )
    UnitFactory(listing=listing)
    monkeypatch.setattr("housing.listings.views.utcnow", lambda: due - timedelta(days=4, hours=2))

    html = client.get(f"/listings/{listing.id}").text

    assert "Thursday, March 14, 2030, 11:59\u202fPM (Pacific Daylight Time)" in html
    assert "Closes in 4 days" in html  # 4 days and 2 hours: never more than is left


@pytest.mark.parametrize(
    ("left", "told"),
    [
        (timedelta(minutes=26, seconds=40), "Closes in 26 minutes"),
        (timedelta(seconds=59), "Closes in 1 minute"),
        (timedelta(hours=1, minutes=50), "Closes in 1 hour"),
        (timedelta(hours=23, minutes=59), "Closes in 23 hours"),
        (timedelta(days=1, hours=20), "Closes in 1 day"),
    ],
)
def test_the_countdown_rounds_down_and_says_minutes_in_the_last_hour(
    client, monkeypatch, left, told
):
    due = datetime(2030, 3, 15, 6, 59, 59, tzinfo=UTC)
    listing = ListingFactory(application_open_at=due - timedelta(days=30), application_due_at=due)
    UnitFactory(listing=listing)
    monkeypatch.setattr("housing.listings.views.utcnow", lambda: due - left)

    page = client.get(f"/listings/{listing.id}").text
    directory = client.get("/listings").text

    assert told in page and told in directory


def test_preferences_reserved_rules_agent_and_paper_instructions(client):
    listing = ListingFactory(
        reserved_community=ReservedCommunity.SENIOR,
        senior_minimum_age=62,
        senior_rule=SeniorRule.ONE_MEMBER,
        paper_application_instructions="Pick up a form at the office.",
        office_hours="Mondays 9 to 5",
    )
    UnitFactory(listing=listing)
    ListingPreferenceFactory(
        listing=listing,
        rank=2,
        unit_share_percent=None,
        preference=PreferenceFactory(name="Second Pref"),
    )
    ListingPreferenceFactory(
        listing=listing,
        rank=1,
        unit_share_percent=40,
        preference=PreferenceFactory(name="First Pref"),
    )

    html = client.get(f"/listings/{listing.id}").text

    assert html.index("First Pref") < html.index("Second Pref")
    assert "up to 40% of units" in html
    assert "remaining units" in html
    assert "at least one member of the household must be 62 or older" in html
    assert "Pick up a form at the office." in html
    assert "Office hours: Mondays 9 to 5" in html


def test_listing_text_is_shown_in_the_reader_language_when_translated(client):
    listing = ListingFactory(
        description="A fine building.", translations={"es": {"description": "Un buen edificio."}}
    )
    UnitFactory(listing=listing)

    english = client.get(f"/listings/{listing.id}").text
    spanish = client.get(f"/listings/{listing.id}", headers={"Accept-Language": "es"}).text

    assert "A fine building." in english
    assert "Un buen edificio." in spanish


def test_unknown_and_unpublished_listings_are_not_found_in_the_reader_language(client):
    draft = ListingFactory(draft=True)

    for url in ("/listings/999999", f"/listings/{draft.id}", "/listings/abc"):
        response = client.get(url, headers={"Accept-Language": "es"})
        assert response.status_code == 404
        assert 'lang="es"' in response.text


def add_document(storage, listing, kind, content, content_type, name):
    document = ListingDocument(
        kind=kind,
        title=name,
        original_filename=name,
        storage_key=storage.save(io.BytesIO(content), suffix="." + name.rsplit(".", 1)[1]),
        content_type=content_type,
        byte_size=len(content),
    )
    listing.documents.append(document)
    return document


def test_documents_download_and_images_show_inline_never_as_html(client, storage, db_session):
    listing = ListingFactory()
    UnitFactory(listing=listing)
    pdf = add_document(
        storage, listing, DocumentKind.DOCUMENT, b"%PDF-1.4 test", "application/pdf", "rules.pdf"
    )
    image = add_document(
        storage, listing, DocumentKind.IMAGE, b"\x89PNG\r\n\x1a\n", "image/png", "front.png"
    )
    db_session.flush()

    with (
        client.get(f"/listings/{listing.id}/documents/{pdf.id}") as pdf_response,
        client.get(f"/listings/{listing.id}/documents/{image.id}") as image_response,
    ):
        pdf_bytes, image_type = pdf_response.data, image_response.mimetype
    page = client.get(f"/listings/{listing.id}").text

    assert pdf_bytes == b"%PDF-1.4 test"
    assert pdf_response.headers["Content-Disposition"].startswith("attachment")
    assert pdf_response.mimetype == "application/pdf"
    assert image_type == "image/png"
    assert image_response.headers["Content-Disposition"].startswith("inline")
    for response in (pdf_response, image_response):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    assert f"/listings/{listing.id}/documents/{pdf.id}" in page
    assert f"/listings/{listing.id}/documents/{image.id}" in page


def test_a_document_is_only_reachable_through_its_own_public_listing(client, storage, db_session):
    public = ListingFactory()
    draft = ListingFactory(draft=True)
    own = add_document(
        storage, public, DocumentKind.DOCUMENT, b"%PDF-1.4", "application/pdf", "a.pdf"
    )
    hidden = add_document(
        storage, draft, DocumentKind.DOCUMENT, b"%PDF-1.4", "application/pdf", "b.pdf"
    )
    db_session.flush()

    assert client.get(f"/listings/{public.id}/documents/{hidden.id}").status_code == 404
    assert client.get(f"/listings/{draft.id}/documents/{hidden.id}").status_code == 404
    with client.get(f"/listings/{public.id}/documents/{own.id}") as response:
        assert response.status_code == 200


def test_upcoming_listing_says_when_it_opens(client):
    listing = ListingFactory(
        upcoming=True, application_open_at=utcnow() + timedelta(days=5, hours=1)
    )
    UnitFactory(listing=listing)

    html = client.get(f"/listings/{listing.id}").text

    assert "Opening soon" in html
    assert "Opens in 6 days" in html
    assert "Applications are not open yet." in html
