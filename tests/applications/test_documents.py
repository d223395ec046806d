"""Preference proofs: checked by their bytes, kept under random names, shown only to the right
people; a refused file says why and keeps the rest of the draft."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from sqlalchemy import select

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

PROOF = "Utility bill"


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def heic() -> bytes:
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def png_claiming(width: int, height: int) -> bytes:
    ihdr = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00" * 4


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
        (pdf_document("Bill", ["March"]), "bill.pdf", "application/pdf"),
        (png_picture(8, 8, (1, 2, 3), (4, 5, 6)), "bill.png", "image/png"),
        (jpeg(640, 480), "IMG_0001.JPG", "image/jpeg"),
        (heic(), "IMG_0002.HEIC", "image/heic"),
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
        (b"<html><body>not a pdf</body></html>", "proof.pdf", "not one of the accepted kinds"),
        (b"%PDF-1.4 but cut short", "proof.pdf", "damaged or incomplete"),
        (b"%PDF-1.4" + b"0" * (10 * 1024 * 1024) + b"%%EOF", "big.pdf", "larger than 10 MB"),
        (zip_bomb(), "photo.png", "not one of the accepted kinds"),
        (png_claiming(100_000, 100_000), "photo.png", "far larger than a photo"),
        (b"", "empty.pdf", "The file is empty."),
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
