"""Apply again without retyping: a resident's next application starts from their last one.

Only what describes the household is copied (contact, alternate contact, household members,
accessibility needs, income); preferences, their proofs, demographics and the terms are not,
since each listing asks its own. What is copied is checked again against the new listing's
rules: a part that could not even be kept as a draft there is left out, and every step and the
submission check the rest as if it had been typed.

Proofs are offered, never copied unasked: on the preferences step the account's proofs for the
same preference on its other applications are offered, and the one the resident picks is copied
into a file of this application's own (``copy_earlier_proof``), checked and counted against the
upload quota like an upload, so that the expiry or erasure of one application never removes
the other's file.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import Application, ApplicationDocument, FileDeletion
from housing.applications.rules import check_draft
from housing.applications.services import listing_rules, local_date, store_proof
from housing.db_types import AnySession
from housing.listings.models import Listing
from housing.storage import Storage, StorageError, StorageUnavailable
from housing.uploads import UploadQuota

COPIED_PARTS = ("applicant", "alternate_contact", "household", "accessibility", "income")


def last_application(session: AnySession, user: User, listing_id: int) -> Application | None:
    """The account's most recently changed application to another listing, whose answers can
    start a new one."""
    return session.scalars(
        select(Application)
        .where(
            Application.user_id == user.id,
            Application.listing_id != listing_id,
            Application.erased_at.is_(None),
        )
        .order_by(Application.updated_at.desc(), Application.id.desc())
        .limit(1)
    ).first()


def copied_answers(previous: Application, listing: Listing, now: datetime) -> dict[str, Any]:
    """The parts of ``previous``'s answers a new application to ``listing`` starts from."""
    source: Mapping[str, Any] = previous.submitted_answers or previous.answers or {}
    parts = {
        part: copy.deepcopy(source[part])
        for part in COPIED_PARTS
        if isinstance(source.get(part), (Mapping, list))
    }
    rules = listing_rules(listing)
    today = local_date(listing, now)
    return {
        part: value
        for part, value in parts.items()
        if not check_draft(parts, rules, today, parts=[part])
    }


# Enough to find the right one; more would only be the same proof sent many times.
MAX_OFFERED_PROOFS = 5


@dataclass(frozen=True)
class EarlierProof:
    """A proof the account sent for a preference with one of its other applications."""

    document_id: str
    preference_code: str
    proof_type: str | None
    sent_at: datetime
    storage_key: str
    original_filename: str


class ProofFileLost(Exception):
    """The earlier proof's file is no longer in storage."""


def earlier_proofs(
    session: AnySession, storage: Storage, application: Application, user_id: int
) -> dict[str, list[EarlierProof]]:
    """By preference code of ``application``'s listing, newest first: the proofs the account
    ``user_id`` sent for that same preference with its other applications, not erased, whose
    files are still stored. The same file sent again (copied) is offered once."""
    codes = {choice.preference.code for choice in application.listing.preferences}
    others = session.scalars(
        select(Application).where(
            Application.user_id == user_id,
            Application.id != application.id,
            Application.erased_at.is_(None),
        )
    ).all()
    # document id -> (preference code, kind of proof, the application that named it)
    named: dict[str, tuple[str, str | None, int]] = {}
    for other in others:
        for answers in (other.submitted_answers, other.answers):
            claims = (answers or {}).get("preferences")
            if not isinstance(claims, Mapping):
                continue
            for code, claim in claims.items():
                if code not in codes or not isinstance(claim, Mapping):
                    continue
                document_id = claim.get("document")
                if claim.get("claimed") is True and isinstance(document_id, str) and document_id:
                    proof_type = claim.get("proof_type")
                    named.setdefault(
                        document_id,
                        (code, proof_type if isinstance(proof_type, str) else None, other.id),
                    )
    if not named:
        return {}
    documents = session.scalars(
        select(ApplicationDocument)
        .where(
            ApplicationDocument.public_id.in_(list(named)),
            ApplicationDocument.storage_key.not_in(select(FileDeletion.storage_key)),
        )
        .order_by(ApplicationDocument.created_at.desc(), ApplicationDocument.id.desc())
    ).all()
    offered: dict[str, list[EarlierProof]] = {}
    seen = set()
    for document in documents:
        code, proof_type, holder = named[document.public_id]
        # Only a file its own application holds: answers can name any id.
        if document.application_id != holder or len(offered.get(code, [])) >= MAX_OFFERED_PROOFS:
            continue
        same_file = (code, document.original_filename, document.byte_size, document.content_type)
        if same_file in seen or not _still_stored(storage, document.storage_key):
            continue
        seen.add(same_file)
        offered.setdefault(code, []).append(
            EarlierProof(
                document_id=document.public_id,
                preference_code=code,
                proof_type=proof_type,
                sent_at=document.created_at,
                storage_key=document.storage_key,
                original_filename=document.original_filename,
            )
        )
    return offered


def _still_stored(storage: Storage, key: str) -> bool:
    try:
        with storage.open(key):
            return True
    except (StorageError, StorageUnavailable):
        return False


def copy_earlier_proof(
    session: AnySession,
    storage: Storage,
    application: Application,
    proof: EarlierProof,
    quota: UploadQuota,
) -> ApplicationDocument:
    """A new proof of ``application`` holding a copy of the earlier proof's bytes, checked
    and counted against ``quota`` as an upload is (``RejectedUpload``); ``ProofFileLost`` when
    the file is gone."""
    try:
        stream = storage.open(proof.storage_key)
    except StorageError:
        raise ProofFileLost(proof.document_id) from None
    with stream:
        return store_proof(
            session,
            storage,
            listing_id=application.listing_id,
            application=application,
            filename=proof.original_filename,
            stream=stream,
            quota=quota,
        )
