"""Listing documents and pictures: the type is read from the bytes, never from the name."""

from __future__ import annotations

import io
from typing import BinaryIO

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.listings.management import ensure_editable, get_manageable_listing, record_change
from housing.listings.models import DocumentKind, ListingDocument
from housing.storage import Storage

MAX_BYTES = 10 * 1024 * 1024


class RejectedUpload(Exception):
    """The file is not what the listing accepts; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sniff_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None for anything we do not accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


ACCEPTED = {
    DocumentKind.DOCUMENT: {"application/pdf": ".pdf"},
    DocumentKind.IMAGE: {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"},
}


def read_limited(stream: BinaryIO) -> bytes:
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise RejectedUpload("too_large")
    if not data:
        raise RejectedUpload("empty")
    return data


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
    data = read_limited(stream)
    content_type = sniff_type(data[:16])
    if content_type is None or content_type not in ACCEPTED[kind]:
        raise RejectedUpload(
            "wrong_type_pdf" if kind is DocumentKind.DOCUMENT else "wrong_type_image"
        )
    key = storage.save(io.BytesIO(data), suffix=ACCEPTED[kind][content_type])
    document = ListingDocument(
        kind=kind,
        position=len(listing.documents),
        title=title,
        alt_text=alt_text,
        original_filename=(filename or "file").replace("/", "_").replace("\\", "_")[-200:],
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
