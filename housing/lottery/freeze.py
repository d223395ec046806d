"""The freeze: the entrant manifest fixed after the deadline, and a logged re-freeze."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from housing.accounts.models import User
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    PreferenceDecision,
)
from housing.db_types import AnySession
from housing.listings.models import ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, get_lottery
from housing.lottery.duplicate_decisions import (
    DuplicateGroup,
    duplicate_groups,
    left_out_as_duplicates,
)
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import (
    VETERAN_CLAIM,
    canonical_manifest,
    manifest_hash,
)


def invalid_claims(session: AnySession, listing_id: int) -> set[tuple[str, str]]:
    """(application public id, preference code) of every claim staff now hold invalid."""
    return {
        (public_id, code)
        for public_id, code in session.execute(
            select(Application.public_id, PreferenceDecision.preference_code)
            .join(Application, Application.id == PreferenceDecision.application_id)
            .where(Application.listing_id == listing_id, PreferenceDecision.valid.is_(False))
        )
    }


def entrants_of(
    session: AnySession, listing_id: int, groups: Sequence[DuplicateGroup] | None = None
) -> list[dict[str, Any]]:
    """The manifest: each submitted application's public id and the preferences it claims,
    less the claims staff have found invalid and the duplicates left out (``groups``, when
    the caller has just read them)."""
    invalid = invalid_claims(session, listing_id)
    left_out = left_out_as_duplicates(session, listing_id, groups)
    rules = session.scalar(select(Lottery.rules).where(Lottery.listing_id == listing_id)) or {}
    counts_veterans = any(p.get("veterans_first") for p in rules.get("preferences", []))
    rows = session.execute(
        select(Application.public_id, Application.submitted_answers).where(
            Application.listing_id == listing_id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
    ).all()
    entrants = []
    for public_id, submitted in rows:
        if public_id in left_out:
            continue
        answers: Mapping[str, Any] = submitted if isinstance(submitted, Mapping) else {}
        claims = answers.get("preferences") or {}
        held = [
            code
            for code, claim in claims.items()
            if isinstance(claim, Mapping)
            and claim.get("claimed") is True
            and (public_id, code) not in invalid
        ]
        # Published only where it changes an order: a listing that ranks veterans first.
        veteran = (
            counts_veterans
            and bool((answers.get("applicant") or {}).get("veteran"))
            and (public_id, VETERAN_CLAIM) not in invalid
        )
        entrants.append({"id": public_id, "preferences": held, "veteran": veteran})
    return canonical_manifest(entrants)


def freeze(
    session: AnySession,
    listing_id: int,
    actor: User | None,
    now: datetime,
    *,
    override_reason: str = "",
) -> Lottery:
    """Fix the entrants after the deadline. Refused while duplicates or paper drafts remain,
    unless staff give a reason to go ahead anyway (logged)."""
    lottery = get_lottery(session, listing_id, lock=True)
    listing = lottery.listing
    if lottery.status is not LotteryStatus.PREREGISTERED:
        raise LotteryRefused("already_frozen")
    if now < listing.application_due_at:
        raise LotteryRefused("still_open")
    override_reason = override_reason.strip()
    groups = duplicate_groups(session, listing_id)
    duplicates = sum(group.decision is None for group in groups)
    paper_drafts = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            Application.listing_id == listing_id,
            Application.channel == ApplicationChannel.PAPER,
            Application.status == ApplicationStatus.DRAFT,
        )
    )
    if (duplicates or paper_drafts) and not override_reason:
        raise LotteryRefused("unresolved", duplicates=duplicates, paper_drafts=paper_drafts or 0)
    manifest = _fix_entrants(session, lottery, now, groups)
    lottery.freeze_override_reason = override_reason
    if listing.status in (ListingStatus.APPROVED, ListingStatus.OPEN):
        listing.status = ListingStatus.CLOSED
    log.append(
        session,
        "freeze",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "entrants": len(manifest),
            "manifest_sha256": lottery.manifest_sha256,
            "unresolved_duplicate_sets": duplicates,
            "paper_drafts": paper_drafts or 0,
            "override_reason": override_reason,
        },
    )
    session.flush()
    return lottery


def _fix_entrants(
    session: AnySession,
    lottery: Lottery,
    now: datetime,
    groups: Sequence[DuplicateGroup] | None = None,
) -> list[dict[str, Any]]:
    manifest = entrants_of(session, lottery.listing_id, groups)
    lottery.manifest = manifest
    lottery.manifest_sha256 = manifest_hash(manifest)
    lottery.entrant_count = len(manifest)
    lottery.frozen_at = now
    lottery.status = LotteryStatus.FROZEN
    return manifest


def refreeze(
    session: AnySession, listing_id: int, actor: User | None, now: datetime, *, reason: str
) -> Lottery:
    """Fix the entrants again (a paper application was found, a duplicate decision changed),
    with a reason. The seed inputs are cleared: the beacon must be a round after this freeze."""
    reason = checked_reason(reason)
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused(
            "not_frozen" if lottery.status is LotteryStatus.PREREGISTERED else "retract_first"
        )
    before = lottery.manifest_sha256
    manifest = _fix_entrants(session, lottery, now)
    lottery.beacon = None
    lottery.secrets = []
    log.append(
        session,
        "refreeze",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "reason": reason,
            "entrants": len(manifest),
            "manifest_sha256": lottery.manifest_sha256,
            "previous_manifest_sha256": before,
        },
    )
    session.flush()
    return lottery
