"""Lottery operations: pre-register, commit, freeze, seed inputs, request, record, publish.

Each takes a session, checks the lottery is in the right state, writes a hash-chained log
entry in the same transaction and flushes; the caller commits. The draw itself is pure
(``verify.draw`` through ``bundle.build_bundle``) and runs in ``tasks.run_draw``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, func, select

from housing.accounts.models import User
from housing.applications import messages
from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    DuplicateDecision,
    PreferenceDecision,
)
from housing.applications.services import FlaggedSet, flagged_sets
from housing.db_types import AnySession
from housing.i18n import LOCALE_CODES
from housing.listings.models import Listing, ListingStatus, ListingType
from housing.lottery import log
from housing.lottery.bundle import DRAND_MAINNET_SCHEDULE, revised_bundle
from housing.lottery.fairness import deciles, independence
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus, RunKind
from housing.lottery.verify import (
    ALGORITHM,
    VETERAN_CLAIM,
    canonical_manifest,
    commitment,
    manifest_hash,
    required_round,
)
from housing.notifications.services import start_broadcast, withdraw_broadcasts
from housing.storage import Storage, StorageError

DUPLICATE_RULE = (
    "one application per household: applications sharing a household member's normalized "
    "name and date of birth, an email address or a home address are flagged and resolved by "
    "staff before the freeze"
)
RANDOMNESS_RULE = "the first drand mainnet round at or after the freeze plus 1 hour"
# The schedule behind that rule, registered with it, so anyone can compute the round.
BEACON_RULE = DRAND_MAINNET_SCHEDULE
MAX_REASON = 2000
# A self-check below this p-value blocks publishing.
# Small enough that a fair draw is stopped about once in a million lotteries (a false alarm
# would force a suspicious re-run); a real dependence of rank on time or channel gives far
# smaller p-values at any size where it matters (a few hundred entrants and up).
SELF_CHECK_ALPHA = 1e-6
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class DuplicateGroup:
    """A group of possible duplicates and the decision on it that still holds, if any."""

    flagged: FlaggedSet
    decision: DuplicateDecision | None

    @property
    def members(self) -> list[str]:
        return sorted(application.public_id for application in self.flagged.applications)


class LotteryRefused(Exception):
    """The lottery is not in a state that allows this; ``code`` says why. A ``logged`` refusal
    has written its own audit-log entry, which the caller commits rather than rolls back."""

    def __init__(self, code: str, *, logged: bool = False, **detail: Any) -> None:
        super().__init__(code)
        self.code = code
        self.logged = logged
        self.detail = detail


def locked_lottery(session: AnySession, condition: ColumnElement[bool]) -> Lottery | None:
    """The lottery row, locked until the transaction ends and read afresh: another transaction
    may just have changed it."""
    return session.scalars(
        select(Lottery).where(condition).with_for_update().execution_options(populate_existing=True)
    ).first()


def get_lottery(session: AnySession, listing_id: int, *, lock: bool = False) -> Lottery:
    condition = Lottery.listing_id == listing_id
    if lock:
        lottery = locked_lottery(session, condition)
    else:
        lottery = session.scalars(select(Lottery).where(condition)).first()
    if lottery is None:
        raise LotteryRefused("not_preregistered")
    return lottery


def preregister(
    session: AnySession, listing: Listing, now: datetime, actor: User | None = None
) -> Lottery | None:
    """Record how the lottery will be drawn, when the listing is approved. Idempotent."""
    if listing.listing_type is not ListingType.LOTTERY:
        return None
    existing = session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first()
    if existing is not None:
        return existing
    rules = {
        "algorithm": ALGORITHM,
        "preferences": [
            {
                "code": choice.preference.code,
                "unit_share_percent": choice.unit_share_percent,
                "veterans_first": choice.veterans_first,
            }
            for choice in listing.preferences
        ],
        "duplicate_rule": DUPLICATE_RULE,
        "randomness_rule": RANDOMNESS_RULE,
        "beacon": BEACON_RULE,
    }
    lottery = Lottery(listing_id=listing.id, rules=rules, preregistered_at=now)
    session.add(lottery)
    session.flush()
    log.append(session, "preregister", now, listing_id=listing.id, actor=actor, detail=rules)
    return lottery


def add_commitment(
    session: AnySession, listing_id: int, name: str, digest: str, actor: User, now: datetime
) -> Lottery:
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is not LotteryStatus.PREREGISTERED:
        raise LotteryRefused("already_frozen")
    digest = digest.strip().lower()
    if len(digest) != 64 or not _HEX.fullmatch(digest):
        raise LotteryRefused("bad_commitment")
    name = " ".join(name.split())[:80]
    if not name or any(entry["name"] == name for entry in lottery.commitments):
        raise LotteryRefused("commitment_name")
    entry = {"name": name, "commitment": digest, "at": now.isoformat()}
    lottery.commitments = [*lottery.commitments, entry]
    log.append(session, "commit", now, listing_id=listing_id, actor=actor, detail=entry)
    session.flush()
    return lottery


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


def duplicate_groups(session: AnySession, listing_id: int) -> list[DuplicateGroup]:
    """Every flagged group, with the decision made for exactly its present members."""
    decisions = {
        (decision.rule, decision.match_key): decision
        for decision in session.scalars(
            select(DuplicateDecision).where(DuplicateDecision.listing_id == listing_id)
        )
    }
    groups = []
    for flagged in flagged_sets(session, listing_id):
        members = sorted(application.public_id for application in flagged.applications)
        decision = decisions.get((flagged.rule, flagged.key))
        holds = decision is not None and decision.members == members
        groups.append(DuplicateGroup(flagged, decision if holds else None))
    return groups


def left_out_as_duplicates(
    session: AnySession, listing_id: int, groups: Sequence[DuplicateGroup] | None = None
) -> set[str]:
    """Applications left out of the lottery because another of the household's stays in."""
    if groups is None:
        groups = duplicate_groups(session, listing_id)
    return {
        public_id
        for group in groups
        if group.decision is not None and group.decision.kept
        for public_id in group.members
        if public_id != group.decision.kept
    }


def decide_duplicates(
    session: AnySession,
    listing_id: int,
    rule: str,
    key: str,
    actor: User | None,
    now: datetime,
    *,
    kept: str,
    reason: str,
) -> DuplicateDecision:
    """Resolve a group: different households (``kept`` empty: all stay in the lottery), or one
    household whose application ``kept`` stays in while the others are left out. Reversible
    until the draw (after the freeze it counts once the entrants are frozen again); each
    decision is logged."""
    reason = _reason(reason)
    lottery = locked_lottery(session, Lottery.listing_id == listing_id)
    if lottery is not None and lottery.status not in (
        LotteryStatus.PREREGISTERED,
        LotteryStatus.FROZEN,  # takes effect when the entrants are frozen again
    ):
        raise LotteryRefused("retract_first")
    groups = duplicate_groups(session, listing_id)
    group = next((g for g in groups if g.flagged.rule.value == rule and g.flagged.key == key), None)
    if group is None:
        raise LotteryRefused("no_such_group")
    if kept and kept not in group.members:
        raise LotteryRefused("not_in_group")
    # One application can be in several groups (same email, same address): their decisions
    # must agree, or a household could be left out altogether.
    kept_elsewhere: set[str] = set()
    left_out_elsewhere: set[str] = set()
    for other in groups:
        if other is not group and other.decision is not None and other.decision.kept:
            kept_elsewhere.add(other.decision.kept)
            left_out_elsewhere.update(m for m in other.members if m != other.decision.kept)
    leaving = {member for member in group.members if kept and member != kept}
    if (kept and kept in left_out_elsewhere) or leaving & kept_elsewhere:
        raise LotteryRefused("conflicting_decision")
    decision = session.scalars(
        select(DuplicateDecision).where(
            DuplicateDecision.listing_id == listing_id,
            DuplicateDecision.rule == DuplicateRule(rule),
            DuplicateDecision.match_key == key,
        )
    ).first()
    if decision is None:
        decision = DuplicateDecision(listing_id=listing_id, rule=DuplicateRule(rule), match_key=key)
        session.add(decision)
    decision.members = group.members
    decision.kept = kept
    _sign(session, decision, reason, actor, now)
    log.append(
        session,
        "duplicate_decision",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "rule": rule,
            "applications": group.members,
            "kept": kept or "all",
            "left_out": [member for member in group.members if kept and member != kept],
            "reason": reason,
        },
    )
    return decision


def _sign(
    session: AnySession,
    decision: DuplicateDecision | PreferenceDecision,
    reason: str,
    actor: User | None,
    now: datetime,
) -> None:
    """Who decided, when and why; written now, before the log entry that records it."""
    decision.reason = reason
    decision.decided_by = actor.id if actor is not None else None
    decision.decided_at = now
    session.flush()


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


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise LotteryRefused("reason_required")
    if len(reason) > MAX_REASON:
        raise LotteryRefused("reason_too_long", maximum=MAX_REASON)
    return reason


def refreeze(
    session: AnySession, listing_id: int, actor: User | None, now: datetime, *, reason: str
) -> Lottery:
    """Fix the entrants again (a paper application was found, a duplicate decision changed),
    with a reason. The seed inputs are cleared: the beacon must be a round after this freeze."""
    reason = _reason(reason)
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


def set_seed_inputs(
    session: AnySession,
    listing_id: int,
    actor: User | None,
    now: datetime,
    *,
    beacon_source: str,
    beacon_round: str,
    beacon_value: str,
    reveals: Mapping[str, str],
) -> Lottery:
    """Record the beacon round and value and reveal every commitment's secret."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.PREREGISTERED:
        raise LotteryRefused("not_frozen")
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused("already_drawn")
    if drawn_since_freeze(lottery):
        # A draw used these inputs: new ones only with a new freeze (and so a later round).
        raise LotteryRefused("refreeze_first")
    value = beacon_value.strip().lower()
    beacon_round = beacon_round.strip()
    if (
        not (beacon_round.isascii() and beacon_round.isdecimal())
        or len(beacon_round) > 20
        or not _HEX.fullmatch(value)
    ):
        raise LotteryRefused("bad_beacon")
    wanted = beacon_round_of(lottery)
    if wanted is not None and int(beacon_round) != wanted:
        raise LotteryRefused("wrong_round", round=wanted)
    secrets = []
    for entry in lottery.commitments:
        secret = reveals.get(entry["name"], "")
        if not secret:
            raise LotteryRefused("reveal_missing", name=entry["name"])
        if commitment(secret) != entry["commitment"]:
            raise LotteryRefused("reveal_mismatch", name=entry["name"])
        secrets.append({"name": entry["name"], "commitment": entry["commitment"], "secret": secret})
    lottery.beacon = {
        "source": " ".join(beacon_source.split())[:200],
        "round": str(int(beacon_round)),
        "value": value,
    }
    lottery.secrets = secrets
    log.append(
        session,
        "seed_inputs",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"beacon": lottery.beacon, "revealed": [entry["name"] for entry in secrets]},
    )
    session.flush()
    return lottery


def beacon_round_of(lottery: Lottery) -> int | None:
    """The beacon round the registered rule names for this freeze, if the rule has a schedule."""
    rule = lottery.rules.get("beacon")
    if rule is None or lottery.frozen_at is None:
        return None
    return required_round(rule, lottery.frozen_at.isoformat())


def drawn_since_freeze(lottery: Lottery) -> bool:
    """A run was drawn from the present manifest and seed inputs: to draw again, freeze again."""
    frozen_at = lottery.frozen_at
    return frozen_at is not None and any(run.created_at >= frozen_at for run in lottery.runs)


def cancel_draw_request(session: AnySession, listing_id: int) -> Lottery:
    """Put back a draw request the queue never took (Redis went away): nothing was drawn."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.DRAWING:
        lottery.status = LotteryStatus.FROZEN
        lottery.draw_requested_at = None
        lottery.draw_requested_by = None
        lottery.draw_reason = ""
        lottery.progress = {}
    session.flush()
    return lottery


def request_draw(
    session: AnySession, listing_id: int, actor: User | None, now: datetime, *, reason: str = ""
) -> Lottery:
    """Mark the draw as started; refused when it cannot run or one is already running. Drawing
    again after a retraction needs a reason, which is logged and kept with the new run."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.PREREGISTERED:
        raise LotteryRefused("not_frozen")
    if lottery.status is LotteryStatus.DRAWING:
        raise LotteryRefused("already_drawing")
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused("already_drawn")
    if lottery.beacon is None:
        raise LotteryRefused("no_seed_inputs")
    if drawn_since_freeze(lottery):
        # The same entrants and seed would give the same ranking: freeze again first.
        raise LotteryRefused("refreeze_first")
    # Logged with the run it explains, when the job writes it.
    lottery.draw_reason = _reason(reason) if lottery.runs else ""
    lottery.status = LotteryStatus.DRAWING
    lottery.draw_requested_at = now
    lottery.draw_requested_by = actor.id if actor is not None else None
    lottery.progress = {}
    session.flush()
    return lottery


def draw_inputs(session: AnySession, lottery: Lottery) -> dict[str, Any]:
    """Everything ``build_bundle`` takes besides the entrants, for a lottery being drawn."""
    return {
        "listing_id": str(lottery.listing_id),
        "listing_name": lottery.listing.name,
        "rules": lottery.rules,
        "beacon": lottery.beacon or {},
        "secrets": lottery.secrets,
        "invalidations": invalidations_of(session, lottery.listing_id, lottery.manifest or []),
        "frozen_at": lottery.frozen_at.isoformat() if lottery.frozen_at else "",
    }


def invalidations_of(
    session: AnySession, listing_id: int, manifest: Iterable[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """Claims in the frozen manifest that staff have since found invalid."""
    invalid = invalid_claims(session, listing_id)
    if not invalid:
        return []
    held = {(entrant["id"], code) for entrant in manifest for code in entrant["preferences"]}
    held |= {(entrant["id"], VETERAN_CLAIM) for entrant in manifest if entrant.get("veteran")}
    return [{"id": public_id, "preference": code} for public_id, code in sorted(invalid & held)]


class EntrantFacts:
    """What the draw job needs of each submitted application, read in one query: its row id
    (for the ranks), when it was submitted and its channel (for the self-check)."""

    def __init__(self, session: AnySession, listing_id: int) -> None:
        self.row_ids: dict[str, int] = {}
        self.submitted: dict[str, float] = {}
        self.channel: dict[str, int] = {}
        channels = {channel.value: index for index, channel in enumerate(ApplicationChannel)}
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # A million rows: read by the driver directly, the time already in epoch seconds.
            raw: Any = connection.connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT public_id, id, extract(epoch FROM submitted_at)::float8, channel "
                    "FROM applications WHERE listing_id = %s",
                    (listing_id,),
                )
                rows: list[tuple[str, int, float | None, str]] = cursor.fetchall()
        else:
            rows = [
                (public_id, row_id, at.timestamp() if at else None, channel.value)
                for public_id, row_id, at, channel in session.execute(
                    select(
                        Application.public_id,
                        Application.id,
                        Application.submitted_at,
                        Application.channel,
                    ).where(Application.listing_id == listing_id)
                )
            ]
        for public_id, row_id, submitted_at, channel in rows:
            self.row_ids[public_id] = row_id
            if submitted_at is not None:
                self.submitted[public_id] = submitted_at
                self.channel[public_id] = channels[channel]


def self_check(facts: EntrantFacts, ranking: Sequence[str]) -> dict[str, Any]:
    """Chi-square tests that rank is independent of submission-time decile and of channel."""
    entrants = [public_id for public_id in ranking if public_id in facts.submitted]
    rank_decile = deciles([float(position) for position in range(len(entrants))])
    time_decile = deciles([facts.submitted[public_id] for public_id in entrants])
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    for position, public_id in enumerate(entrants):
        by_time[time_decile[position]][rank_decile[position]] += 1
        by_channel[facts.channel[public_id]][rank_decile[position]] += 1
    tests: list[dict[str, Any]] = []
    for name, table in (("submission_time_decile", by_time), ("channel", by_channel)):
        result = independence(table)
        tests.append(
            {
                "name": name,
                "statistic": round(result.statistic, 6),
                "degrees_of_freedom": result.degrees_of_freedom,
                "p_value": result.p_value,
            }
        )
    return {
        "alpha": SELF_CHECK_ALPHA,
        "tests": tests,
        "passed": all(test["p_value"] >= SELF_CHECK_ALPHA for test in tests),
    }


def record_run(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    check: Mapping[str, Any],
    now: datetime,
    facts: EntrantFacts | None = None,
) -> LotteryRun:
    """Write a finished draw in the caller's one transaction: run, ranks, log entries."""
    kind = RunKind.REDRAW if lottery.runs else RunKind.DRAW
    if kind is RunKind.REDRAW:
        log.append(
            session,
            "rerun",
            now,
            listing_id=lottery.listing_id,
            actor_id=lottery.draw_requested_by,
            detail={"reason": lottery.draw_reason, "previous_run": lottery.runs[-1].number},
        )
    run = _add_run(
        session, lottery, bundle, now, kind=kind, reason=lottery.draw_reason, facts=facts
    )
    lottery.draw_reason = ""
    lottery.self_check = dict(check)
    lottery.status = LotteryStatus.DRAWN
    log.append(
        session,
        "draw",
        now,
        listing_id=lottery.listing_id,
        actor_id=lottery.draw_requested_by,
        detail={"run": run.number, "seed": run.seed, "result_sha256": run.result_sha256},
    )
    log.append(session, "self_check", now, listing_id=lottery.listing_id, detail=dict(check))
    listing = lottery.listing
    if listing.status in (ListingStatus.APPROVED, ListingStatus.OPEN, ListingStatus.CLOSED):
        listing.status = ListingStatus.LOTTERY_RUN
    session.flush()
    return run


def _add_run(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    now: datetime,
    *,
    kind: RunKind,
    reason: str,
    facts: EntrantFacts | None = None,
) -> LotteryRun:
    """A new version of the results with every entrant's ranks; earlier versions stay."""
    number = len(lottery.runs) + 1
    run = LotteryRun(
        lottery_id=lottery.id,
        number=number,
        kind=kind,
        reason=reason,
        seed=bundle["seed"],
        result_sha256=bundle["result_sha256"],
        bundle={**bundle, "version": number},
        created_at=now,
    )
    session.add(run)
    session.flush()
    row_ids = (facts or EntrantFacts(session, lottery.listing_id)).row_ids
    _write_ranks(session, run.id, bundle, row_ids)
    lottery.runs.append(run)
    return run


def _write_ranks(
    session: AnySession, run_id: int, bundle: Mapping[str, Any], row_ids: Mapping[str, int]
) -> None:
    """Every entrant's master rank and place on each list, in the caller's transaction; COPY
    on PostgreSQL, where a million rows would otherwise take a minute."""
    places: list[tuple[str, dict[str, int]]] = [
        (entry["preference"], {public_id: n for n, public_id in enumerate(entry["entrants"], 1)})
        for entry in bundle["lists"][:-1]  # the last, general, list is the master ranking
    ]
    general = bundle["lists"][-1]["preference"]

    def list_ranks(public_id: str, rank: int) -> dict[str, int]:
        held = {code: found[public_id] for code, found in places if public_id in found}
        held[general] = rank
        return held

    ranking = bundle["ranking"]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(
            LotteryRank.__table__.insert(),
            [
                {
                    "run_id": run_id,
                    "application_id": row_ids[public_id],
                    "master_rank": rank,
                    "list_ranks": list_ranks(public_id, rank),
                }
                for rank, public_id in enumerate(ranking, start=1)
            ],
        )
        return
    # COPY's text format: tab-separated, backslashes doubled. Each row's JSON is put together
    # from its keys, written once, because json.dumps a million times takes seconds.
    key = {
        code: json.dumps(code).replace("\\", "\\\\") for code in [*(c for c, _ in places), general]
    }
    raw: Any = connection.connection.driver_connection  # a psycopg connection
    prefix = f"{run_id}\t"
    general_key = key[general]
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY lottery_ranks (run_id, application_id, master_rank, list_ranks) FROM STDIN"
        ) as copy,
    ):
        lines: list[str] = []
        for rank, public_id in enumerate(ranking, start=1):
            held = "".join(
                f"{key[code]}:{found[public_id]}," for code, found in places if public_id in found
            )
            lines.append(f"{prefix}{row_ids[public_id]}\t{rank}\t{{{held}{general_key}:{rank}}}\n")
            if len(lines) == 10_000:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))


def publish(session: AnySession, listing_id: int, actor: User | None, now: datetime) -> LotteryRun:
    """Publish the latest run; refused until the self-check passes."""
    lottery = get_lottery(session, listing_id, lock=True)
    run = lottery.current_run
    if lottery.status is LotteryStatus.PUBLISHED:
        raise LotteryRefused("already_published")
    if lottery.status is not LotteryStatus.DRAWN or run is None:
        raise LotteryRefused("not_drawn")
    if not (lottery.self_check or {}).get("passed"):
        log.append(
            session,
            "publish",
            now,
            listing_id=listing_id,
            actor=actor,
            detail={"refused": "self_check_failed", "run": run.number},
        )
        raise LotteryRefused("self_check_failed", logged=True)
    run.bundle = {**run.bundle, "audit_log_head": log.head(session)}
    run.published_at = now
    lottery.status = LotteryStatus.PUBLISHED
    lottery.published_at = now
    lottery.listing.status = ListingStatus.RESULTS_PUBLISHED
    log.append(
        session,
        "publish",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"run": run.number, "result_sha256": run.result_sha256},
    )
    names = {code: preference_names(lottery.listing, code) for code in LOCALE_CODES}
    start_broadcast(
        session,
        key=f"results:{run.id}",
        listing_id=listing_id,
        template="results_published",
        context={
            "run_id": run.id,
            # Each list's name in every language: each reader's message names it their way.
            "lists": [
                [entry["code"], {code: names[code].get(entry["code"], "") for code in names}]
                for entry in lottery.rules["preferences"]
            ],
            "entrants": lottery.entrant_count,
            "published_on": now.isoformat(),
        },
    )
    session.flush()
    return run


def preference_names(listing: Listing, language: str = "en") -> dict[str, str]:
    return {
        choice.preference.code: choice.preference.localized("name", language)
        for choice in listing.preferences
    }


def retract(
    session: AnySession, listing_id: int, actor: User | None, now: datetime, *, reason: str
) -> LotteryRun:
    """Withdraw the latest results, with a reason shown beside them; they stay readable.
    The lottery goes back to frozen, to be re-frozen or drawn again."""
    reason = _reason(reason)
    lottery = get_lottery(session, listing_id, lock=True)
    run = lottery.current_run
    if lottery.status not in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED) or run is None:
        raise LotteryRefused("not_drawn")
    if lottery.status is LotteryStatus.PUBLISHED:
        # Results not yet sent stay unsent; everyone who was sent them hears why they went.
        withdraw_broadcasts(session, listing_id, "results_published")
        start_broadcast(
            session,
            key=f"retracted:{run.id}",
            listing_id=listing_id,
            template="results_retracted",
            context={"run_id": run.id, "reason": reason, "retracted_on": now.isoformat()},
        )
    for earlier in lottery.runs:  # the versions it replaced go with it
        if earlier.published_at is not None and earlier.retracted_at is None:
            earlier.retracted_at = now
            earlier.retraction_reason = reason
    run.retracted_at = now
    run.retraction_reason = reason
    lottery.status = LotteryStatus.FROZEN
    lottery.published_at = None
    lottery.self_check = None
    if lottery.listing.status in (ListingStatus.LOTTERY_RUN, ListingStatus.RESULTS_PUBLISHED):
        lottery.listing.status = ListingStatus.CLOSED
    log.append(
        session,
        "retract",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"run": run.number, "result_sha256": run.result_sha256, "reason": reason},
    )
    session.flush()
    return run


def decide_claim(
    session: AnySession,
    listing_id: int,
    application_number: str,
    code: str,
    actor: User | None,
    now: datetime,
    *,
    valid: bool,
    reason: str,
) -> Lottery:
    """Mark one preference claim valid or invalid, with a reason (required to invalidate).

    Before the freeze the decision shapes the manifest. After the draw, the applicant leaves
    (or rejoins) that list at their master rank and nobody else moves: the lottery is marked
    for ``revise`` (a job) to write a new version of the results, published at once if the
    results were; the earlier one is kept."""
    reason = reason.strip()
    if not valid:
        reason = _reason(reason)
    elif len(reason) > MAX_REASON:
        raise LotteryRefused("reason_too_long", maximum=MAX_REASON)
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.DRAWING:
        raise LotteryRefused("already_drawing")
    application = session.scalars(
        select(Application).where(
            Application.listing_id == listing_id,
            Application.public_id == application_number.strip().upper(),
            Application.status != ApplicationStatus.DRAFT,
        )
    ).first()
    if application is None:
        raise LotteryRefused("no_such_application")
    answers = application.submitted_answers or {}
    if code == VETERAN_CLAIM:
        claimed = (answers.get("applicant") or {}).get("veteran") is True
    else:
        claim = (answers.get("preferences") or {}).get(code)
        claimed = isinstance(claim, Mapping) and claim.get("claimed") is True
    if not claimed:
        raise LotteryRefused("not_claimed")
    in_manifest = lottery.status is not LotteryStatus.PREREGISTERED and any(
        entrant["id"] == application.public_id
        and (entrant["veteran"] if code == VETERAN_CLAIM else code in entrant["preferences"])
        for entrant in lottery.manifest or []
    )
    if lottery.status is not LotteryStatus.PREREGISTERED and not in_manifest:
        # Found invalid before the freeze: only a re-freeze can bring the claim back.
        raise LotteryRefused("not_in_manifest")
    decision = session.scalars(
        select(PreferenceDecision).where(
            PreferenceDecision.application_id == application.id,
            PreferenceDecision.preference_code == code,
        )
    ).first()
    if decision is None:
        decision = PreferenceDecision(application_id=application.id, preference_code=code)
        session.add(decision)
    decision.valid = valid
    _sign(session, decision, reason, actor, now)
    log.append(
        session,
        "preference_validation",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "application": application.public_id,
            "preference": code,
            "valid": valid,
            "reason": reason,
        },
    )
    messages.queue_claim_decided(
        session,
        application,
        preference=preference_names(lottery.listing, application.language).get(code, ""),
        valid=valid,
        reason=reason,
        decided_at=now,
    )
    if lottery.status in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED):
        lottery.revision_pending = True  # the job writing the new version takes it from here
    return lottery


def revise(session: AnySession, lottery_id: int, now: datetime) -> LotteryRun | None:
    """Write a new version of the results with every claim decided since the last one (a
    job: at a million entrants it takes seconds). Decisions made while it runs set the flag
    again for the next job; with nothing new it writes nothing, so duplicated jobs are safe."""
    lottery = locked_lottery(session, Lottery.id == lottery_id)
    if lottery is None or not lottery.revision_pending:
        return None
    lottery.revision_pending = False
    if lottery.status not in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED):
        return None  # retracted meanwhile: the next draw takes the decisions in
    return _revise(session, lottery, None, now)


def _revise(
    session: AnySession, lottery: Lottery, actor: User | None, now: datetime
) -> LotteryRun | None:
    """A new version with the current invalidations. Its public record says only what kind of
    change it was; the reason, which may be about one household, stays in the log."""
    current = lottery.current_run
    assert current is not None  # noqa: S101 - a drawn lottery has a run
    previous = current.bundle  # holds the manifest too: no need to read the column again
    invalidations = invalidations_of(session, lottery.listing_id, previous["manifest"]["entrants"])
    if invalidations == previous.get("invalidations", []):
        return None
    bundle = revised_bundle(previous, invalidations, len(lottery.runs) + 1)
    publishing = lottery.status is LotteryStatus.PUBLISHED
    if publishing:
        bundle["audit_log_head"] = log.head(session)
    run = _add_run(session, lottery, bundle, now, kind=RunKind.REVISION, reason="")
    detail: dict[str, Any] = {
        "run": run.number,
        "replaces": current.number,
        "result_sha256": run.result_sha256,
    }
    if publishing:
        run.published_at = now
        detail["published"] = True
    log.append(session, "revise", now, listing_id=lottery.listing_id, actor=actor, detail=detail)
    session.flush()
    return run


def kept_file(
    session: AnySession,
    storage: Storage,
    run: LotteryRun,
    name: str,
    make: Callable[[], bytes],
    *,
    suffix: str,
) -> BinaryIO:
    """A published version's file (its bundle, a PDF), made on first request and kept in
    storage: a version never changes once published, and a million entrants take seconds to
    lay out. One request makes it; one arriving meanwhile waits on the row lock and then reads
    that copy. The caller commits."""
    for attempt in ("kept", "made meanwhile"):
        key = (run.files or {}).get(name)
        if key:
            try:
                return storage.open(key)
            except StorageError:
                pass  # made again below
        if attempt == "kept":
            session.scalars(
                select(LotteryRun)
                .where(LotteryRun.id == run.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one()
    data = make()
    run.files = {**(run.files or {}), name: storage.save(io.BytesIO(data), suffix=suffix)}
    session.flush()
    return io.BytesIO(data)


def published_runs(session: AnySession, listing_id: int) -> list[LotteryRun]:
    """Every version of the results that was ever published, newest first."""
    lottery = session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None:
        return []
    return [run for run in reversed(lottery.runs) if run.published_at is not None]


def published_run(session: AnySession, listing_id: int) -> LotteryRun | None:
    lottery = session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None or lottery.status is not LotteryStatus.PUBLISHED:
        return None
    return lottery.current_run


def look_up(session: AnySession, run: LotteryRun, lottery_number: str) -> LotteryRank | None:
    return session.scalars(
        select(LotteryRank)
        .join(Application, Application.id == LotteryRank.application_id)
        .where(
            LotteryRank.run_id == run.id,
            Application.lottery_number == lottery_number.strip(),
            Application.listing_id == run.lottery.listing_id,
        )
    ).first()
