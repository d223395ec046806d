"""Lottery operations: pre-register, commit, freeze, seed inputs, request, record, publish.

Each takes a session, checks the lottery is in the right state, writes a hash-chained log
entry in the same transaction and flushes; the caller commits. The draw itself is pure
(``verify.draw`` through ``bundle.build_bundle``) and runs in ``tasks.run_draw``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from housing.accounts.models import User
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.services import flagged_sets
from housing.db_types import AnySession, utcnow
from housing.listings.models import Listing, ListingStatus, ListingType
from housing.lottery import log
from housing.lottery.fairness import deciles, independence
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus
from housing.lottery.verify import ALGORITHM, canonical_manifest, commitment, manifest_hash

DUPLICATE_RULE = (
    "one application per household: applications sharing a household member's normalized "
    "name and date of birth, an email address or a home address are flagged and resolved by "
    "staff before the freeze"
)
RANDOMNESS_RULE = "the first drand mainnet round at or after the freeze plus 1 hour"
# A self-check below this p-value blocks publishing.
SELF_CHECK_ALPHA = 0.001
_HEX = re.compile(r"[0-9a-f]+")


class LotteryRefused(Exception):
    """The lottery is not in a state that allows this; ``code`` says why."""

    def __init__(self, code: str, **detail: Any) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def get_lottery(session: AnySession, listing_id: int, *, lock: bool = False) -> Lottery:
    query = select(Lottery).where(Lottery.listing_id == listing_id)
    if lock:
        # Locked rows are read afresh: another transaction may just have changed them.
        query = query.with_for_update().execution_options(populate_existing=True)
    lottery = session.scalars(query).first()
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


def entrants_of(session: AnySession, listing_id: int) -> list[dict[str, Any]]:
    """The manifest: each submitted application's public id and the preferences it claims."""
    rows = session.execute(
        select(Application.public_id, Application.submitted_answers).where(
            Application.listing_id == listing_id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
    ).all()
    entrants = []
    for public_id, submitted in rows:
        answers: Mapping[str, Any] = submitted if isinstance(submitted, Mapping) else {}
        claims = answers.get("preferences") or {}
        held = [
            code
            for code, claim in claims.items()
            if isinstance(claim, Mapping) and claim.get("claimed") is True
        ]
        veteran = bool((answers.get("applicant") or {}).get("veteran"))
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
    duplicates = len(flagged_sets(session, listing_id))
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
    manifest = entrants_of(session, listing_id)
    lottery.manifest = manifest
    lottery.manifest_sha256 = manifest_hash(manifest)
    lottery.entrant_count = len(manifest)
    lottery.frozen_at = now
    lottery.freeze_override_reason = override_reason
    lottery.status = LotteryStatus.FROZEN
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


def set_seed_inputs(
    session: AnySession,
    listing_id: int,
    actor: User,
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
    value = beacon_value.strip().lower()
    if not beacon_round.strip().isdigit() or not value or not _HEX.fullmatch(value):
        raise LotteryRefused("bad_beacon")
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
        "round": beacon_round.strip(),
        "value": value,
    }
    lottery.secrets = secrets
    session.flush()
    return lottery


def request_draw(
    session: AnySession, listing_id: int, actor: User | None, now: datetime
) -> Lottery:
    """Mark the draw as started; refused when it cannot run or one is already running."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.PREREGISTERED:
        raise LotteryRefused("not_frozen")
    if lottery.status is LotteryStatus.DRAWING:
        raise LotteryRefused("already_drawing")
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused("already_drawn")
    if lottery.beacon is None:
        raise LotteryRefused("no_seed_inputs")
    lottery.status = LotteryStatus.DRAWING
    lottery.draw_requested_at = now
    lottery.progress = {}
    session.flush()
    return lottery


def self_check(session: AnySession, listing_id: int, ranking: Sequence[str]) -> dict[str, Any]:
    """Chi-square tests that rank is independent of submission-time decile and of channel."""
    rows: dict[str, tuple[datetime | None, ApplicationChannel]] = {
        public_id: (submitted_at, channel)
        for public_id, submitted_at, channel in session.execute(
            select(Application.public_id, Application.submitted_at, Application.channel).where(
                Application.listing_id == listing_id,
                Application.submitted_at.is_not(None),
            )
        )
    }
    entrants = [public_id for public_id in ranking if public_id in rows]
    rank_decile = deciles([float(position) for position in range(len(entrants))])
    time_decile = deciles([(rows[public_id][0] or utcnow()).timestamp() for public_id in entrants])
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    channels = list(ApplicationChannel)
    for position, public_id in enumerate(entrants):
        by_time[time_decile[position]][rank_decile[position]] += 1
        by_channel[channels.index(rows[public_id][1])][rank_decile[position]] += 1
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
) -> LotteryRun:
    """Write a finished draw in the caller's one transaction: run, ranks, log entries."""
    run = LotteryRun(
        lottery_id=lottery.id,
        number=len(lottery.runs) + 1,
        seed=bundle["seed"],
        result_sha256=bundle["result_sha256"],
        bundle=dict(bundle),
        created_at=now,
    )
    session.add(run)
    session.flush()
    ids = dict(
        session.execute(
            select(Application.public_id, Application.id).where(
                Application.listing_id == lottery.listing_id
            )
        ).all()
    )
    places: dict[str, dict[str, int]] = {}
    for entry in bundle["lists"]:
        for position, public_id in enumerate(entry["entrants"], start=1):
            places.setdefault(public_id, {})[entry["preference"]] = position
    rows = (
        (run.id, ids[public_id], rank, places[public_id])
        for rank, public_id in enumerate(bundle["ranking"], start=1)
    )
    _write_ranks(session, rows)
    lottery.self_check = dict(check)
    lottery.status = LotteryStatus.DRAWN
    log.append(
        session,
        "draw",
        now,
        listing_id=lottery.listing_id,
        detail={"run": run.number, "seed": run.seed, "result_sha256": run.result_sha256},
    )
    log.append(session, "self_check", now, listing_id=lottery.listing_id, detail=dict(check))
    listing = lottery.listing
    if listing.status in (ListingStatus.APPROVED, ListingStatus.OPEN, ListingStatus.CLOSED):
        listing.status = ListingStatus.LOTTERY_RUN
    session.flush()
    return run


def _write_ranks(session: AnySession, rows: Iterable[tuple[int, int, int, dict[str, int]]]) -> None:
    """Every entrant's ranks, in the caller's transaction; COPY on PostgreSQL, where a million
    rows would otherwise take a minute."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection  # a psycopg connection
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY lottery_ranks (run_id, application_id, master_rank, list_ranks) FROM STDIN"
            ) as copy,
        ):
            for run_id, application_id, rank, places in rows:
                copy.write_row((run_id, application_id, rank, json.dumps(places)))
        return
    session.execute(
        LotteryRank.__table__.insert(),
        [
            {"run_id": r, "application_id": a, "master_rank": m, "list_ranks": p}
            for r, a, m, p in rows
        ],
    )


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
        raise LotteryRefused("self_check_failed")
    run.bundle = {**run.bundle, "audit_log_head": log.head(session)}
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
    session.flush()
    return run


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
