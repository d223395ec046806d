"""The freeze: the entrant manifest fixed after the deadline, and a logged re-freeze."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from housing.accounts.models import User
from housing.applications.models import (
    Application,
    ApplicationStatus,
    PreferenceClaim,
    PreferenceDecision,
)
from housing.applications.paper_drafts import count_being_entered
from housing.db_types import AnySession
from housing.listings.models import ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, get_lottery
from housing.lottery.duplicate_decisions import (
    DuplicateGroup,
    duplicate_groups,
    left_out_as_duplicates,
)
from housing.lottery.left_out import RECORD_KEY, left_out_at_last_freeze, tell_left_out
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import (
    canonical_json,
    compact_loader,
    veteran_list_code,
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
    session: AnySession, listing_id: int, left_out: set[str] | None = None
) -> list[dict[str, Any]]:
    """The manifest: each submitted application's public id, the preferences it claims and,
    of those, the ones claimed as a veteran where the preference has a veteran list, less the
    claims (or veteran statuses, under ``V-CODE``) staff have found invalid and the duplicates
    left out (``left_out``, when the caller has just worked them out).

    Read from the claims table the submissions keep, not from each application's answers: a
    million entrants are a few narrow columns, not a million JSON documents."""
    invalid = invalid_claims(session, listing_id)
    if left_out is None:
        left_out = left_out_as_duplicates(session, listing_id)
    rules = session.scalar(select(Lottery.rules).where(Lottery.listing_id == listing_id)) or {}
    veteran_lists = {
        str(preference["code"])
        for preference in rules.get("preferences", [])
        if preference.get("veteran_list")
    }
    entrants: dict[str, dict[str, Any]] = {}
    # Millions of small objects, none of them cyclic: the collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for public_id, code, veteran in _claim_rows(session, listing_id):
            entrant = entrants.get(public_id)
            if entrant is None:
                if public_id in left_out:
                    continue
                entrant = entrants[public_id] = {
                    "id": public_id,
                    "preferences": [],
                    "veteran_preferences": [],
                }
            if code is None or (invalid and (public_id, code) in invalid):
                continue
            entrant["preferences"].append(code)
            if (
                veteran
                and code in veteran_lists
                and not (invalid and (public_id, veteran_list_code(code)) in invalid)
            ):
                entrant["veteran_preferences"].append(code)
        # The canonical form (``verify.canonical_manifest``) built in place: ids and codes
        # sorted, each entrant made once.
        for entrant in entrants.values():
            if len(entrant["preferences"]) > 1:
                entrant["preferences"].sort()
                entrant["veteran_preferences"].sort()
        return [entrants[public_id] for public_id in sorted(entrants)]
    finally:
        if collecting:
            gc.enable()


def _claim_rows(
    session: AnySession, listing_id: int
) -> Iterable[tuple[str, str | None, bool | None]]:
    """(public id, preference code or None, made as a veteran) of each submitted
    application's claims; one row with no code for an application that claims nothing."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A million rows: read by the driver directly, with room to join them in memory.
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(
                "SELECT a.public_id, c.preference_code, c.veteran "
                "FROM applications a LEFT JOIN application_preference_claims c "
                "ON c.application_id = a.id "
                "WHERE a.listing_id = %s AND a.status = %s",
                (listing_id, ApplicationStatus.SUBMITTED.value),
            )
            rows: list[tuple[str, str | None, bool | None]] = cursor.fetchall()
        return rows
    return [
        (public_id, code, veteran)
        for public_id, code, veteran in session.execute(
            select(Application.public_id, PreferenceClaim.preference_code, PreferenceClaim.veteran)
            .outerjoin(PreferenceClaim, PreferenceClaim.application_id == Application.id)
            .where(
                Application.listing_id == listing_id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
        )
    ]


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
    # Drafts set aside with a reason (``paper_drafts.discard``) no longer hold the freeze up.
    paper_drafts = count_being_entered(session, listing_id)
    if (duplicates or paper_drafts) and not override_reason:
        raise LotteryRefused("unresolved", duplicates=duplicates, paper_drafts=paper_drafts or 0)
    entrants = Entrants.of(session, listing_id, groups)
    lottery.freeze_override_reason = override_reason
    if listing.status in (ListingStatus.APPROVED, ListingStatus.OPEN):
        listing.status = ListingStatus.CLOSED
    _fix_entrants(
        session,
        lottery,
        entrants,
        now,
        actor,
        "freeze",
        {
            "unresolved_duplicate_sets": duplicates,
            "paper_drafts": paper_drafts or 0,
            "override_reason": override_reason,
        },
    )
    return lottery


@dataclass(frozen=True)
class Entrants:
    """The entrants as they stand: the manifest, its canonical JSON and hash, and the
    applications left out as duplicates; worked out once per freeze."""

    manifest: list[dict[str, Any]]
    text: bytes
    sha256: str
    left_out: set[str]

    @classmethod
    def of(cls, session: AnySession, listing_id: int, groups: Sequence[DuplicateGroup]) -> Entrants:
        left_out = left_out_as_duplicates(session, listing_id, groups)
        manifest = entrants_of(session, listing_id, left_out)
        # Serialised once, for its hash and (on PostgreSQL) to be stored as it is: a million
        # entrants are 80 MB of JSON, which the ORM would write out a second time.
        text = canonical_json(manifest)
        return cls(manifest, text, hashlib.sha256(text).hexdigest(), left_out)


def _fix_entrants(
    session: AnySession,
    lottery: Lottery,
    entrants: Entrants,
    now: datetime,
    actor: User | None,
    action: str,
    detail: dict[str, Any],
) -> None:
    """Store the manifest, log the freeze with who it left out as duplicates, and tell the
    households whose place changed since the last freeze."""
    told_before = left_out_at_last_freeze(session, lottery.listing_id)  # before this entry
    manifest = entrants.manifest
    lottery.manifest_sha256 = entrants.sha256
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.flush()
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "UPDATE lotteries SET manifest = %s::json WHERE id = %s",
                (entrants.text.decode("ascii"), lottery.id),
            )
        set_committed_value(lottery, "manifest", manifest)
    else:
        lottery.manifest = manifest
    lottery.entrant_count = len(manifest)
    lottery.frozen_at = now
    lottery.status = LotteryStatus.FROZEN
    log.append(
        session,
        action,
        now,
        listing_id=lottery.listing_id,
        actor=actor,
        detail={
            **detail,
            "entrants": len(manifest),
            "manifest_sha256": entrants.sha256,
            RECORD_KEY: sorted(entrants.left_out),
        },
    )
    tell_left_out(
        session,
        lottery.listing_id,
        left_out=entrants.left_out,
        before=told_before,
        entrants=(entrant["id"] for entrant in manifest),
    )
    session.flush()


@dataclass(frozen=True)
class FrozenManifest:
    """The entrants as the freeze stored them, for the draw. On PostgreSQL the freeze stores
    the very canonical JSON it hashed: then ``text`` is that JSON and ``sha256`` its hash,
    checked against the recorded one, so the draw neither hashes a million entrants again nor
    writes them out again for the bundle, and the entrants are read compactly
    (``verify.CompactEntrant``, which reads like a dict). Both are None where the stored text
    is not the hashed one (SQLite stores what the ORM writes): the entrants are then dicts."""

    entrants: list[Any]
    text: str | None = None
    sha256: str | None = None


def frozen_manifest(session: AnySession, lottery: Lottery) -> FrozenManifest:
    """The frozen manifest of ``lottery``, read in one statement. Call it with the garbage
    collector off: a million entrants are millions of small objects for it to rescan."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return FrozenManifest(lottery.manifest or [])
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor:
        # A json value reads back as the exact text stored.
        cursor.execute("SELECT manifest::text FROM lotteries WHERE id = %s", (lottery.id,))
        found = cursor.fetchone()
    text: str | None = found[0] if found else None
    if text is None:
        return FrozenManifest([])
    sha256 = hashlib.sha256(text.encode()).hexdigest()
    if sha256 != lottery.manifest_sha256:
        return FrozenManifest(json.loads(text))
    return FrozenManifest(json.loads(text, object_hook=compact_loader()), text, sha256)


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
    entrants = Entrants.of(session, listing_id, duplicate_groups(session, listing_id))
    if entrants.sha256 == before:
        # The same entrants frozen again would only name a new beacon round: a second roll of
        # the dice for the same lottery.
        raise LotteryRefused("nothing_changed")
    lottery.beacon = None
    lottery.secrets = []
    _fix_entrants(
        session,
        lottery,
        entrants,
        now,
        actor,
        "refreeze",
        {"reason": reason, "previous_manifest_sha256": before},
    )
    return lottery
