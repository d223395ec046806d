"""Preference proofs: checked by their bytes, kept under random names, shown only to the right
people; a refused file says why and keeps the rest of the draft."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from housing import uploads
from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application, ApplicationDocument
from housing.demo_files import pdf_document, png_picture
from tests import factories
from tests.accounts.helpers import csrf_token, sign_in_as, upload
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    INCOME_FORM,
    YOU_FORM,
    open_listing,
    start,
    step,
    submit,
)
from tests.upload_files import (
    heic,
    pdf_inflating_to,
    pdf_of_html,
    pdf_with_pages,
    picture,
    png_of_7000_by_7000,
    webp_declaring,
)

PROOF = "Utility bill"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inside.png", b"\x00" * 20_000_000)
    return buffer.getvalue()


def draft_with_preference(client, db_session):  # type: ignore[no-untyped-def]
    listing = open_listing()
    preference = factories.PreferenceFactory(proof_types=[PROOF, "Lease"])
    factories.ListingPreferenceFactory(listing=listing, preference=preference)
    public_id = start(client, listing.id)
    for name, data in (
        ("you", YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("income", INCOME_FORM),
    ):
        step(client, public_id, name, data)
    return listing, preference, public_id


def claim(client, public_id, content: bytes, filename: str):  # type: ignore[no-untyped-def]
    return upload(
        client,
        f"/applications/{public_id}/preferences",
        {
            "csrf_token": csrf_token(client, "/account/sign-in"),
            "action": "continue",
            "claims-0-claimed": "yes",
            "claims-0-member": "1",
            "claims-0-proof_type": PROOF,
            "claims-0-document": (io.BytesIO(content), filename),
        },
    )


def stored_documents(db_session) -> list[ApplicationDocument]:
    db_session.expire_all()
    return list(db_session.scalars(select(ApplicationDocument)))


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        pytest.param(pdf_document("Bill", ["March"]), "bill.pdf", "application/pdf", id="pdf"),
        pytest.param(png_picture(8, 8, (1, 2, 3), (4, 5, 6)), "bill.png", "image/png", id="png"),
        pytest.param(picture("JPEG", 640, 480), "IMG_0001.JPG", "image/jpeg", id="jpeg"),
        pytest.param(picture("WEBP", 640, 480), "IMG_0002.webp", "image/webp", id="webp"),
    ],
)
def test_accepted_proofs_are_stored_under_random_names(
    client, db_session, storage, content, filename, content_type
):
    _listing, _preference, public_id = draft_with_preference(client, db_session)
    response = claim(client, public_id, content, filename)
    assert response.status_code == 302, response.text
    [document] = stored_documents(db_session)
    assert document.content_type == content_type
    assert document.original_filename == filename
    assert filename.split(".")[0] not in document.storage_key
    with storage.open(document.storage_key) as stored:
        assert stored.read() == content
    assert submit(client, public_id).status_code == 302


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        pytest.param(
            b"<html><body>not a pdf</body></html>",
            "proof.pdf",
            "not one of the accepted kinds",
            id="html",
        ),
        pytest.param(b"%PDF-1.4 but cut short", "proof.pdf", "damaged or incomplete", id="cut"),
        pytest.param(
            b"%PDF-1.4" + b"0" * (10 * 1024 * 1024) + b"%%EOF",
            "big.pdf",
            "larger than 10 MB",
            id="too-large",
        ),
        pytest.param(zip_bomb(), "photo.png", "not one of the accepted kinds", id="zip-bomb"),
        pytest.param(b"", "empty.pdf", "The file is empty.", id="empty"),
        pytest.param(pdf_of_html(), "proof.pdf", "damaged or incomplete", id="pdf-of-html"),
        pytest.param(
            pdf_inflating_to(200), "bill.pdf", "far more than its size", id="pdf-inflating"
        ),
        pytest.param(
            pdf_with_pages(uploads.MAX_PDF_PAGES + 1), "bill.pdf", "more than 50 pages", id="pages"
        ),
        pytest.param(
            png_of_7000_by_7000(), "photo.png", "far larger than a photo", id="png-7000-square"
        ),
        pytest.param(
            webp_declaring(16384, 16384),
            "photo.webp",
            "far larger than a photo",
            id="webp-16384-square",
        ),
        pytest.param(heic(), "IMG_0002.HEIC", "HEIC photos are not accepted", id="heic"),
    ],
)
def test_a_refused_file_says_why_and_the_rest_of_the_draft_is_kept(
    client, db_session, content, filename, message
):
    _listing, _preference, public_id = draft_with_preference(client, db_session)
    response = claim(client, public_id, content, filename)
    assert response.status_code == 422
    assert message in response.text
    assert stored_documents(db_session) == []
    db_session.expire_all()
    saved = db_session.scalars(select(Application).where(Application.public_id == public_id)).one()
    claims = saved.answers["preferences"]
    assert claims[next(iter(claims))] == {
        "claimed": True,
        "member": 1,
        "proof_type": PROOF,
        "document": None,
    }
    assert saved.answers["applicant"]["first_name"] == "Maria"


def test_proofs_are_served_to_the_applicant_the_listing_partners_and_staff_only(
    client, app, db_session
):
    listing, _preference, public_id = draft_with_preference(client, db_session)
    content = pdf_document("Bill", ["March"])
    claim(client, public_id, content, "bill.pdf")
    assert submit(client, public_id).status_code == 302
    [document] = stored_documents(db_session)
    url = f"/applications/{public_id}/documents/{document.public_id}"

    mine = client.get(url)
    assert mine.status_code == 200
    assert mine.data == content
    assert mine.headers["Content-Disposition"].startswith("attachment")
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in mine.headers["Content-Security-Policy"].split("; ")
    mine.close()

    assigned = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=assigned.id, listing_id=listing.id))
    other_partner = factories.UserFactory(partner=True, with_two_factor=True)
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    applicant = factories.UserFactory()
    db_session.flush()
    expected = {assigned: 200, staff: 200, other_partner: 404, applicant: 404}
    for user, status in expected.items():
        browser = app.test_client()
        sign_in_as(browser, user)
        response = browser.get(url)
        response.close()
        assert response.status_code == status, user.role
    assert app.test_client().get(url).status_code == 404
    # Someone else's document id under this application is not found either.
    assert client.get(f"/applications/{public_id}/documents/{'0' * 32}").status_code == 404


def test_a_proof_whose_stored_file_is_gone_is_not_found(client, db_session, storage):
    _listing, _preference, public_id = draft_with_preference(client, db_session)
    claim(client, public_id, pdf_document("Bill", ["March"]), "bill.pdf")
    [document] = stored_documents(db_session)
    storage.delete(document.storage_key)
    response = client.get(f"/applications/{public_id}/documents/{document.public_id}")
    assert response.status_code == 404


def test_replacing_a_proof_keeps_one_claim_pointing_at_the_new_file(client, db_session):
    _listing, _preference, public_id = draft_with_preference(client, db_session)
    claim(client, public_id, pdf_document("Old", ["x"]), "old.pdf")
    claim(client, public_id, pdf_document("New", ["y"]), "new.pdf")
    documents = {d.original_filename: d for d in stored_documents(db_session)}
    db_session.expire_all()
    saved = db_session.scalars(select(Application).where(Application.public_id == public_id)).one()
    [claimed] = saved.answers["preferences"].values()
    assert claimed["document"] == documents["new.pdf"].public_id
    assert submit(client, public_id).status_code == 302


def add_documents(db_session, application: Application, count: int, byte_size: int) -> None:
    """Files the draft already holds (their rows only: the quota counts rows)."""
    for number in range(count):
        db_session.add(
            ApplicationDocument(
                public_id=f"{application.id:08x}{number:024x}",
                listing_id=application.listing_id,
                application_id=application.id,
                original_filename=f"earlier-{number}.pdf",
                storage_key=f"{application.id:08x}{number:024x}.pdf",
                content_type=uploads.PDF,
                byte_size=byte_size,
            )
        )
    db_session.flush()


@pytest.mark.parametrize(
    ("count", "byte_size", "message"),
    [
        pytest.param(uploads.UPLOAD_QUOTA.files, 1000, "20 files is the most", id="files"),
        pytest.param(1, uploads.UPLOAD_QUOTA.total_bytes - 100, "at most 50 MB", id="bytes"),
    ],
)
def test_a_draft_full_of_files_refuses_one_more_and_keeps_the_rest(
    client, db_session, storage, count, byte_size, message
):
    _listing, _preference, public_id = draft_with_preference(client, db_session)
    draft = db_session.scalars(select(Application).where(Application.public_id == public_id)).one()
    add_documents(db_session, draft, count, byte_size)
    files_before = set(storage.root.rglob("*"))

    response = claim(client, public_id, pdf_document("Bill", ["March"]), "bill.pdf")

    assert response.status_code == 422
    assert message in response.text
    assert len(stored_documents(db_session)) == count
    assert set(storage.root.rglob("*")) == files_before
    db_session.expire_all()
    saved = db_session.get(Application, draft.id)
    assert saved.answers["applicant"]["first_name"] == "Maria"
