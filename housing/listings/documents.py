"""Listing documents and pictures: the type is read from the bytes, never from the name."""

from __future__ import annotations

import io
from typing import BinaryIO

from housing import uploads
from housing.accounts.models import User
from housing.db_types import AnySession
from housing.listings.management import ensure_editable, get_manageable_listing, record_change
from housing.listings.models import DocumentKind, ListingDocument
from housing.storage import Storage

ACCEPTED = {
    DocumentKind.DOCUMENT: frozenset({uploads.PDF}),
    DocumentKind.IMAGE: frozenset({uploads.PNG, uploads.JPEG, uploads.WEBP}),
}
RejectedUpload = uploads.RejectedUpload


def add_document(
    session: AnySession,
    storage: Storage,
    actor: User,
    listing_id: int,
    *,
    kind: DocumentKind,
    title: str,
    alt_text: str,
    filename: str,
    stream: BinaryIO,
) -> ListingDocument:
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    data = uploads.read_limited(stream)
    try:
        content_type = uploads.checked_type(data, ACCEPTED[kind])
    except RejectedUpload as error:
        if error.code != "wrong_type":
            raise
        raise RejectedUpload(
            "wrong_type_pdf" if kind is DocumentKind.DOCUMENT else "wrong_type_image"
        ) from None
    key = storage.save(io.BytesIO(data), suffix=uploads.SUFFIXES[content_type])
    document = ListingDocument(
        kind=kind,
        position=len(listing.documents),
        title=title,
        alt_text=alt_text,
        original_filename=uploads.safe_filename(filename),
        storage_key=key,
        content_type=content_type,
        byte_size=len(data),
    )
    listing.documents.append(document)
    record_change(session, listing, actor, "listing.document_added", {"title": title})
    return document


def remove_document(
    session: AnySession, storage: Storage, actor: User, listing_id: int, document_id: int
) -> None:
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    document = next((d for d in listing.documents if d.id == document_id), None)
    if document is None:
        raise RejectedUpload("not_found")
    listing.documents.remove(document)
    record_change(session, listing, actor, "listing.document_removed", {"title": document.title})
    # The stored bytes are kept: the listing's versions may still name them.
