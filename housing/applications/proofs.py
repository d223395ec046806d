"""Uploaded proofs and who holds them: the files an application's claims name, and how many
files and bytes an application, or an address uploading for no application yet, may hold.

The web form attaches each file to its application as it is uploaded. The API uploads a file for
no application; a draft or a submission that names it attaches it. Until then it counts against
the address that sent it, and it expires if nothing claims it (``expiry``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, or_, select, text

from housing.applications.models import Application, ApplicationDocument, ApplicationStatus
from housing.db_types import AnySession
from housing.uploads import RejectedUpload, UploadQuota

# The first half of the advisory lock that makes one address's uploads wait for each other.
_SENDER_LOCK = 0x55504C44


def sender_key(address: str, secret: str) -> str:
    """Who sent an upload, as a keyed hash: the same for one address, and not the address."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def ensure_room(
    session: AnySession,
    quota: UploadQuota,
    size: int,
    *,
    application: Application | None,
    sender: str | None,
) -> None:
    """Refuse (``quota_files``, ``quota_bytes``) a file of ``size`` bytes that would take the
    application's files, or for none the sender's files still waiting for a submitted
    application, past the quota. Uploads to the same holder wait for each other's commit, so
    two at once cannot both take the last place."""
    counted = select(
        func.count(ApplicationDocument.id),
        func.coalesce(func.sum(ApplicationDocument.byte_size), 0),
    )
    if application is not None:
        session.execute(
            select(Application.id).where(Application.id == application.id).with_for_update()
        )
        counted = counted.where(ApplicationDocument.application_id == application.id)
    elif sender is not None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:sender))"),
                {"namespace": _SENDER_LOCK, "sender": sender},
            )
        counted = (
            counted.outerjoin(Application, Application.id == ApplicationDocument.application_id)
            .where(ApplicationDocument.sender == sender)
            .where(
                or_(
                    ApplicationDocument.application_id.is_(None),
                    Application.status == ApplicationStatus.DRAFT,
                )
            )
        )
    else:
        return
    files, total_bytes = session.execute(counted).one()
    if files + 1 > quota.files:
        raise RejectedUpload("quota_files")
    if total_bytes + size > quota.total_bytes:
        raise RejectedUpload("quota_bytes")


def named_documents(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, document id) for each proof the claimed preferences name: the preference's, and
    the proof of military service of a claim made as a veteran."""
    claims = answers.get("preferences")
    if not isinstance(claims, Mapping):
        return []
    named = []
    for code, claim in claims.items():
        if not isinstance(claim, Mapping) or claim.get("claimed") is not True:
            continue
        proofs = ["document", "veteran_document"] if claim.get("veteran") is True else ["document"]
        for name in proofs:
            document_id = claim.get(name)
            if isinstance(document_id, str) and document_id:
                named.append((f"preferences.{code}.{name}", document_id))
    return named


def claim_document(session: AnySession, application: Application, document_id: str) -> bool:
    """Whether the file can be this application's proof: uploaded for it, or uploaded to its
    listing and claimed by no one yet, in which case it is attached now. The row stays locked
    until the caller commits: the expiry passes locked rows by, and one it has already taken
    is gone by the time this reads it."""
    document = session.scalars(
        select(ApplicationDocument)
        .where(ApplicationDocument.public_id == document_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if document is None:
        return False
    if document.application_id == application.id:
        return True
    if document.application_id is not None or document.listing_id != application.listing_id:
        return False
    document.application_id = application.id
    return True
