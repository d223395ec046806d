"""Proofs uploaded through the API before any application names them: one address may keep only
so many files and bytes waiting, a refusal changes nothing, and a draft that names a file keeps
it for as long as the draft can still be submitted."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from housing import uploads
from housing.applications import expiry, proofs
from housing.applications.models import Application, ApplicationDocument
from housing.db_types import utcnow
from tests import factories
from tests.applications.helpers import open_listing, valid_answers
from tests.upload_files import proof_pdf

UPLOAD = "/api/v1/listings/{}/documents"


def upload(client, listing_id: int, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        UPLOAD.format(listing_id),
        data={"file": (io.BytesIO(proof_pdf()), "proof.pdf")},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def document_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(ApplicationDocument)) or 0


def stored_files(storage) -> set[str]:
    return {path.name for path in storage.root.rglob("*") if path.is_file()}


def listing_with_preference():  # type: ignore[no-untyped-def]
    listing = open_listing()
    preference = factories.PreferenceFactory(code="COP", proof_types=["Certificate"])
    factories.ListingPreferenceFactory(listing=listing, preference=preference)
    return listing


def claim_of(document_id: str) -> dict[str, object]:
    return {"claimed": True, "member": 0, "proof_type": "Certificate", "document": document_id}


def test_an_address_keeps_at_most_the_quota_of_unclaimed_files(client, db_session, storage):
    listing = open_listing()
    for _ in range(uploads.UPLOAD_QUOTA.files):
        assert upload(client, listing.id).status_code == 201
    files_before = stored_files(storage)

    refused = upload(client, listing.id)

    assert refused.status_code == 422
    error = refused.json["error"]
    assert (error["code"], error["reason"]) == ("rejected_upload", "quota_files")
    assert "20 files is the most" in error["message"]
    assert document_count(db_session) == uploads.UPLOAD_QUOTA.files
    assert stored_files(storage) == files_before
    # Another address is not held back by this one.
    assert upload(client, listing.id, address="198.51.100.7").status_code == 201


def test_an_address_keeps_at_most_the_quota_of_unclaimed_bytes(client, app, db_session, storage):
    listing = open_listing()
    db_session.add(
        ApplicationDocument(
            public_id="a" * 32,
            listing_id=listing.id,
            original_filename="scan.pdf",
            storage_key="a" * 32 + ".pdf",
            content_type=uploads.PDF,
            byte_size=uploads.UPLOAD_QUOTA.total_bytes - 100,
            sender=proofs.sender_key("127.0.0.1", app.secret_key),
        )
    )
    db_session.flush()
    files_before = stored_files(storage)

    refused = upload(client, listing.id)

    assert refused.status_code == 422
    assert refused.json["error"]["reason"] == "quota_bytes"
    assert "at most 50 MB" in refused.json["error"]["message"]
    assert document_count(db_session) == 1
    assert stored_files(storage) == files_before


def test_files_a_submitted_application_claimed_no_longer_count(client, db_session):
    listing = listing_with_preference()
    document_ids = [
        upload(client, listing.id).json["document_id"] for _ in range(uploads.UPLOAD_QUOTA.files)
    ]
    assert upload(client, listing.id).status_code == 422

    submitted = client.post(
        f"/api/v1/listings/{listing.id}/applications",
        json=valid_answers(preferences={"COP": claim_of(document_ids[0])}),
    )
    assert submitted.status_code == 201, submitted.text

    assert upload(client, listing.id).status_code == 201


def test_a_file_a_draft_names_joins_it_and_outlives_the_day(client, db_session, storage):
    listing = listing_with_preference()
    document_id = upload(client, listing.id).json["document_id"]
    left_alone = upload(client, listing.id).json["document_id"]
    made = client.post(
        f"/api/v1/listings/{listing.id}/drafts",
        json={"preferences": {"COP": claim_of(document_id)}},
    )
    assert made.status_code == 201, made.text
    draft = db_session.scalars(
        select(Application).where(Application.public_id == made.json["draft_id"])
    ).one()
    named = db_session.scalars(
        select(ApplicationDocument).where(ApplicationDocument.public_id == document_id)
    ).one()
    assert named.application_id == draft.id

    removed = expiry.expire_uploads(
        db_session, storage, utcnow() + timedelta(days=2), timedelta(days=1)
    )

    assert removed == 1
    db_session.expire_all()
    remaining = db_session.scalars(select(ApplicationDocument.public_id)).all()
    assert remaining == [document_id]
    assert left_alone not in remaining
    with storage.open(named.storage_key) as stream:
        assert stream.read() == proof_pdf()
    submitted = client.post(
        f"/api/v1/drafts/{draft.public_id}/submit",
        headers={"Authorization": f"Bearer {made.json['token']}"},
    )
    # The draft is incomplete, but its proof is not what is missing.
    problems = {(p["field"], p["code"]) for p in submitted.json["error"]["problems"]}
    assert ("preferences.COP.document", "unknown_document") not in problems
