"""Partners build listings; staff review them. Each bad input and fault named in the issue."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from housing.accounts.models import PartnerAssignment
from housing.audit.models import ActivityEntry, ListingVersion
from housing.db_types import utcnow
from housing.demo_files import pdf_document, png_picture
from housing.listings.models import Listing, ListingDocument, ListingStatus, Unit, UnitStatus
from housing.listings.preferences import ListingPreference
from tests.accounts.helpers import csrf_token, post_form, sign_in_as, upload
from tests.factories import (
    AmiChartFactory,
    ListingFactory,
    PreferenceFactory,
    UnitFactory,
    UserFactory,
)


def listing_form(**overrides):
    day = (utcnow() + timedelta(days=20)).date()
    values = {
        "name": "Maple Court",
        "street_address": "10 Maple Street",
        "city": "Port Alder",
        "state": "ca",
        "postal_code": "94999",
        "neighborhood": "Eastgate",
        "developer": "Maple Housing",
        "tenure": "rental",
        "listing_type": "lottery",
        "timezone": "America/Los_Angeles",
        "opens_on": (utcnow() - timedelta(days=1)).date().isoformat(),
        "opens_at": "09:00",
        "due_on": day.isoformat(),
        "due_at": "",
        "reserved_community": "",
        "senior_rule": "",
        "description": "Thirty homes near the park.",
        "leasing_agent_name": "Lee Agent",
        "leasing_agent_email": "lee@example.org",
        "leasing_agent_phone": "(555) 010-1111",
    }
    values.update(overrides)
    return values


@pytest.fixture
def partner(client):
    user = UserFactory(partner=True, with_two_factor=True)
    sign_in_as(client, user)
    return user


def assign(user, listing, db_session):
    db_session.add(PartnerAssignment(user_id=user.id, listing_id=listing.id))
    db_session.flush()


def test_partner_creates_a_draft_that_is_theirs_versioned_and_logged(client, partner, db_session):
    response = post_form(client, "/partner/listings/new", listing_form())

    assert response.status_code == 302
    listing = db_session.scalar(select(Listing).where(Listing.name == "Maple Court"))
    assert listing.status is ListingStatus.DRAFT
    assert listing.state == "CA"
    # Due date without a time: the last moment of that day in Los Angeles.
    local_due = listing.application_due_at.astimezone(
        __import__("zoneinfo").ZoneInfo("America/Los_Angeles")
    )
    assert (local_due.hour, local_due.minute) == (23, 59)
    assert (
        db_session.scalar(
            select(PartnerAssignment).where(PartnerAssignment.listing_id == listing.id)
        ).user_id
        == partner.id
    )
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(ListingVersion)
            .where(ListingVersion.listing_id == listing.id)
        )
        == 1
    )
    entry = db_session.scalar(select(ActivityEntry).where(ActivityEntry.subject_id == listing.id))
    assert (entry.action, entry.actor_id) == ("listing.created", partner.id)


def test_bad_listing_input_is_explained_and_saves_nothing(client, partner, db_session):
    response = post_form(
        client,
        "/partner/listings/new",
        listing_form(
            name="", timezone="Mars/Olympus", due_on="2020-13-40", reserved_community="senior"
        ),
    )
    assert response.status_code == 200
    for message in (
        "This field is required.",
        "Enter a time zone like America/Los_Angeles.",
        "Enter a date like 2026-12-31.",
        "Senior housing needs a minimum age.",
    ):
        assert message in response.text
    assert db_session.scalar(select(func.count()).select_from(Listing)) == 0


def test_units_need_a_rent_and_a_level_the_chart_has(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.DRAFT)
    assign(partner, listing, db_session)
    chart = AmiChartFactory(limits={50: (1, 2, 3, 4, 5, 6, 7, 8)})
    url = f"/partner/listings/{listing.id}/units"
    base = {
        "unit_type": "1br",
        "unit_count": "4",
        "ami_chart_id": str(chart.id),
        "accessibility": "",
    }

    no_rent = post_form(client, url, {**base, "ami_percent": "50"})
    wrong_level = post_form(
        client, url, {**base, "ami_percent": "80", "monthly_rent": "1500", "rent_multiple": "2.5"}
    )
    good = post_form(
        client, url, {**base, "ami_percent": "50", "monthly_rent": "$1,500", "rent_multiple": "2.5"}
    )

    assert "Enter the rent, or the rent as a percent of income." in no_rent.text
    assert "The chosen AMI chart has no limits for this percentage." in wrong_level.text
    assert good.status_code == 302
    [unit] = db_session.scalars(select(Unit).where(Unit.listing_id == listing.id)).all()
    assert (unit.monthly_rent, unit.ami_percent, unit.unit_count) == (1500, 50, 4)


def test_a_stale_edit_is_refused_and_does_not_overwrite_the_newer_one(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.DRAFT, name="Original")
    assign(partner, listing, db_session)
    url = f"/partner/listings/{listing.id}"
    opened_version = str(listing.version)

    first = post_form(client, url, listing_form(name="First Save", version=opened_version))
    second = post_form(client, url, listing_form(name="Second Save", version=opened_version))

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Someone else saved this listing after you opened it." in second.text
    db_session.expire_all()
    assert db_session.get(Listing, listing.id).name == "First Save"


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        (
            "image",
            "photo.png",
            b"<script>alert(1)</script>",
            "Pictures must be PNG, JPEG or WebP images.",
        ),
        (
            "image",
            "photo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Pictures must be PNG, JPEG or WebP images.",
        ),
        (
            "document",
            "rules.pdf",
            b"<html><body>not a pdf</body></html>",
            "Documents must be PDF files.",
        ),
        (
            "document",
            "rules.pdf",
            png_picture(4, 4, (0, 0, 0), (1, 1, 1)),
            "Documents must be PDF files.",
        ),
        (
            "document",
            "big.pdf",
            b"%PDF-1.4" + b"0" * (10 * 1024 * 1024),
            "The file is larger than 10 MB.",
        ),
    ],
)
def test_uploads_are_checked_by_their_content(
    client, partner, db_session, kind, name, content, message
):
    listing = ListingFactory(status=ListingStatus.DRAFT)
    assign(partner, listing, db_session)
    url = f"/partner/listings/{listing.id}/documents"
    token = csrf_token(client, url)

    response = upload(
        client,
        url,
        {"csrf_token": token, "kind": kind, "title": "A file", "file": (io.BytesIO(content), name)},
    )

    assert response.status_code == 422
    assert message in response.text
    assert db_session.scalar(select(func.count()).select_from(ListingDocument)) == 0


def test_a_real_pdf_and_picture_are_stored_and_served_to_managers_only(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.DRAFT)
    assign(partner, listing, db_session)
    url = f"/partner/listings/{listing.id}/documents"
    for kind, name, content in (
        ("document", "rules.pdf", pdf_document("Rules", ["One"])),
        ("image", "front.jpg", png_picture(8, 8, (1, 2, 3), (4, 5, 6))),
    ):
        response = upload(
            client,
            url,
            {
                "csrf_token": csrf_token(client, url),
                "kind": kind,
                "title": name,
                "alt_text": "Front",
                "file": (io.BytesIO(content), name),
            },
        )
        assert response.status_code == 302, response.text
    documents = db_session.scalars(
        select(ListingDocument).where(ListingDocument.listing_id == listing.id)
    ).all()
    assert sorted(d.content_type for d in documents) == [
        "application/pdf",
        "image/png",
    ]  # from the bytes, not ".jpg"
    with client.get(f"{url}/{documents[0].id}") as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"].startswith("attachment")
    stranger = client.application.test_client()
    sign_in_as(stranger, UserFactory(partner=True, with_two_factor=True))
    assert stranger.get(f"{url}/{documents[0].id}").status_code == 404


def test_draft_to_published_with_staff_approval(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.DRAFT, description="")
    assign(partner, listing, db_session)

    incomplete = post_form(
        client,
        f"/partner/listings/{listing.id}/submit",
        {},
        token_from=f"/partner/listings/{listing.id}",
        follow=True,
    )
    assert "Add at least one unit." in incomplete.text
    assert "Describe the building." in incomplete.text

    UnitFactory(listing=listing)
    listing.description = "Nice."
    db_session.flush()
    post_form(
        client,
        f"/partner/listings/{listing.id}/submit",
        {},
        token_from=f"/partner/listings/{listing.id}",
    )
    db_session.expire_all()
    assert db_session.get(Listing, listing.id).status is ListingStatus.PENDING_REVIEW
    assert client.get(f"/listings/{listing.id}").status_code == 404  # not public yet

    locked = post_form(
        client,
        f"/partner/listings/{listing.id}",
        listing_form(version=str(db_session.get(Listing, listing.id).version)),
        follow=True,
    )
    assert "cannot be changed now" in locked.text

    # A partner cannot approve, not even their own listing.
    assert (
        post_form(
            client, f"/staff/reviews/{listing.id}/approve", {}, token_from="/account"
        ).status_code
        == 403
    )

    staff = client.application.test_client()
    sign_in_as(staff, UserFactory(staff=True, with_two_factor=True))
    publish_day = (utcnow() + timedelta(days=2)).date().isoformat()
    approved = post_form(
        staff,
        f"/staff/reviews/{listing.id}/approve",
        {"publish_on": publish_day, "publish_at": "08:00"},
        token_from=f"/staff/reviews/{listing.id}",
    )
    assert approved.status_code == 302
    db_session.expire_all()
    published = db_session.get(Listing, listing.id)
    assert published.status is ListingStatus.APPROVED
    assert published.publish_at > utcnow()
    assert client.get(f"/listings/{listing.id}").status_code == 404  # scheduled, not yet public
    published.publish_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert client.get(f"/listings/{listing.id}").status_code == 200


def test_staff_ask_for_changes_with_a_reason_the_partner_sees(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.PENDING_REVIEW)
    assign(partner, listing, db_session)
    staff = client.application.test_client()
    sign_in_as(staff, UserFactory(staff=True, with_two_factor=True))

    missing = post_form(
        staff,
        f"/staff/reviews/{listing.id}/request-changes",
        {"reason": ""},
        token_from=f"/staff/reviews/{listing.id}",
    )
    assert missing.status_code == 422
    assert "Explain what needs to change." in missing.text

    post_form(
        staff,
        f"/staff/reviews/{listing.id}/request-changes",
        {"reason": "Add the parking rules."},
        token_from=f"/staff/reviews/{listing.id}",
    )
    db_session.expire_all()
    assert db_session.get(Listing, listing.id).status is ListingStatus.CHANGES_REQUESTED
    assert "Add the parking rules." in client.get(f"/partner/listings/{listing.id}").text


def test_a_partner_cannot_open_another_partners_listing_by_id(client, partner, db_session):
    theirs = ListingFactory(status=ListingStatus.DRAFT)
    unit = UnitFactory(listing=theirs)
    for url in (
        f"/partner/listings/{theirs.id}",
        f"/partner/listings/{theirs.id}/units",
        f"/partner/listings/{theirs.id}/units/{unit.id}",
        f"/partner/listings/{theirs.id}/preview",
        f"/partner/listings/{theirs.id}/documents",
        f"/partner/listings/{theirs.id}/translations/es",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        post_form(
            client,
            f"/partner/listings/{theirs.id}/units/{unit.id}/delete",
            {},
            token_from="/account",
        ).status_code
        == 404
    )
    assert db_session.get(Unit, unit.id) is not None
    assert "Test Listing" not in client.get("/partner/listings").text


def test_a_forged_role_is_refused(client, partner, db_session):
    assert (
        post_form(
            client, f"/staff/users/{partner.id}", {"role": "staff"}, token_from="/account"
        ).status_code
        == 403
    )
    db_session.expire_all()
    assert db_session.get(type(partner), partner.id).role.value == "partner"

    staff = client.application.test_client()
    sign_in_as(staff, UserFactory(staff=True, with_two_factor=True))
    forged = post_form(staff, f"/staff/users/{partner.id}", {"role": "superuser"})
    assert "Choose one of the options shown." in forged.text
    db_session.expire_all()
    assert db_session.get(type(partner), partner.id).role.value == "partner"


def test_translations_show_to_residents_and_go_stale_when_english_changes(
    client, partner, db_session
):
    listing = ListingFactory(status=ListingStatus.DRAFT, description="Near the park.")
    assign(partner, listing, db_session)
    post_form(
        client,
        f"/partner/listings/{listing.id}/translations/es",
        {"description": "Cerca del parque."},
    )
    db_session.refresh(listing)
    listing.status = ListingStatus.OPEN
    UnitFactory(listing=listing)
    db_session.flush()

    reader = client.application.test_client()
    reader.set_cookie("language", "es")
    assert "Cerca del parque." in reader.get(f"/listings/{listing.id}").text

    db_session.refresh(listing)
    listing.status = ListingStatus.DRAFT
    listing.description = "Next to the new library."
    db_session.flush()
    page = client.get(f"/partner/listings/{listing.id}/translations/es").text
    assert "The English text of these fields changed" in page
    assert 'href="#description"' in page


def test_preferences_are_chosen_ordered_and_shown_in_that_order(client, partner, db_session):
    listing = ListingFactory(status=ListingStatus.DRAFT)
    assign(partner, listing, db_session)
    first, second = PreferenceFactory(name="Zeta Pref"), PreferenceFactory(name="Alpha Pref")
    post_form(
        client,
        f"/partner/listings/{listing.id}/preferences",
        {
            f"pref-{first.id}-included": "y",
            f"pref-{first.id}-rank": "1",
            f"pref-{first.id}-unit_share_percent": "40",
            f"pref-{second.id}-included": "y",
            f"pref-{second.id}-rank": "2",
        },
    )
    preview = client.get(f"/partner/listings/{listing.id}/preview").text
    assert preview.index("Zeta Pref") < preview.index("Alpha Pref")
    assert "up to 40% of units" in preview


def test_a_listing_is_copied_into_a_new_draft_with_its_parts(client, partner, db_session, storage):
    """A re-rental or second phase starts from the listing: units (available again),
    preferences, documents (files copied) and texts in every language; not its round's dates."""
    listing = ListingFactory(
        status=ListingStatus.DRAFT,
        description="Near the park.",
        translations={"es": {"description": "Cerca del parque."}},
        lottery_at=utcnow() + timedelta(days=30),
    )
    assign(partner, listing, db_session)
    UnitFactory(listing=listing, status=UnitStatus.LEASED)
    UnitFactory(listing=listing)
    db_session.add(
        ListingPreference(
            listing=listing, preference=PreferenceFactory(), rank=1, unit_share_percent=40
        )
    )
    db_session.flush()
    url = f"/partner/listings/{listing.id}/documents"
    upload(
        client,
        url,
        {
            "csrf_token": csrf_token(client, url),
            "kind": "document",
            "title": "Rules",
            "alt_text": "",
            "file": (io.BytesIO(pdf_document("Rules", ["One"])), "rules.pdf"),
        },
    )
    db_session.refresh(listing)
    listing.status = ListingStatus.CLOSED  # a round that has run
    db_session.flush()

    copied = post_form(
        client,
        f"/partner/listings/{listing.id}/copy",
        {},
        token_from=f"/partner/listings/{listing.id}",
    )

    assert copied.status_code == 302
    new_id = int(copied.headers["Location"].rstrip("/").split("/")[-1])
    assert new_id != listing.id
    page = client.get(copied.headers["Location"]).text
    assert "This draft is a copy of" in page
    db_session.expire_all()
    copy = db_session.get(Listing, new_id)
    assert copy.status is ListingStatus.DRAFT and copy.name == f"{listing.name} (copy)"
    assert copy.description == "Near the park."
    assert copy.translations == {"es": {"description": "Cerca del parque."}}
    assert copy.lottery_at is None
    assert [unit.status for unit in copy.units] == [UnitStatus.AVAILABLE, UnitStatus.AVAILABLE]
    assert [(p.rank, p.unit_share_percent) for p in copy.preferences] == [(1, 40)]
    [original_document] = db_session.get(Listing, listing.id).documents
    [copied_document] = copy.documents
    assert copied_document.storage_key != original_document.storage_key
    with (
        storage.open(copied_document.storage_key) as copied_file,
        storage.open(original_document.storage_key) as original_file,
    ):
        assert copied_file.read() == original_file.read()
    assert db_session.scalar(
        select(func.count())
        .select_from(PartnerAssignment)
        .where(PartnerAssignment.listing_id == new_id, PartnerAssignment.user_id == partner.id)
    )
    assert db_session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(ActivityEntry.action == "listing.copied")
    )

    stranger = client.application.test_client()
    sign_in_as(stranger, UserFactory(partner=True, with_two_factor=True))
    refused = post_form(
        stranger, f"/partner/listings/{listing.id}/copy", {}, token_from="/partner/listings"
    )
    assert refused.status_code == 404


def test_staff_review_shows_everything_submitted_and_what_changed_since_approval(
    client, db_session
):
    listing = ListingFactory(status=ListingStatus.PENDING_REVIEW, description="Near the park.")
    unit = UnitFactory(listing=listing, monthly_rent=Decimal("1200.00"))
    db_session.add(
        ListingPreference(
            listing=listing,
            preference=PreferenceFactory(name="Live or work here"),
            rank=1,
            unit_share_percent=40,
        )
    )
    db_session.flush()
    staff = UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    base = f"/staff/reviews/{listing.id}"

    first = client.get(base).text
    assert "This listing has not been approved before" in first
    assert "Live or work here" in first and "up to 40% of units" in first
    assert (
        client.post(f"{base}/approve", data={"csrf_token": csrf_token(client, base)}).status_code
        == 302
    )

    # The partner changes the rent, the description and its Spanish text, and submits again.
    db_session.expire_all()
    listing = db_session.get(Listing, listing.id)
    listing.description = "Next to the new library."
    listing.translations = {"es": {"description": "Junto a la nueva biblioteca."}}
    db_session.get(Unit, unit.id).monthly_rent = Decimal("1250.00")
    listing.status = ListingStatus.PENDING_REVIEW
    db_session.flush()

    page = client.get(base).text
    rows = re.findall(
        r"<tr><th scope=\"row\">(.*?)</th><td dir=\"auto\">(.*?)</td><td dir=\"auto\">(.*?)</td></tr>",
        page,
    )
    changed = {label: (before, after) for label, before, after in rows}
    assert changed["About the building"] == ("Near the park.", "Next to the new library.")
    assert changed["About the building, in Español"] == ("—", "Junto a la nueva biblioteca.")
    assert changed[f"Unit {unit.id}: Rent a month"] == ("1200.00", "1250.00")
    assert len(changed) == 3, changed  # nothing that did not change, no status or version
