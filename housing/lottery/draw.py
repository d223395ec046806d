"""Requesting a draw, the self-check, and writing a finished draw as a new version of the
results. The draw itself is pure (``verify.draw`` through ``bundle.build_bundle``) and runs in
``tasks.run_draw``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, text

from housing.accounts.models import User
from housing.applications.models import (
    Application,
    ApplicationChannel,
)
from housing.db_types import AnySession
from housing.listings.models import ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, drawn_since_freeze, get_lottery
from housing.lottery.fairness import deciles, independence
from housing.lottery.freeze import invalid_claims
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus, RunKind
from housing.lottery.seed import round_published_at
from housing.lottery.verify import ALGORITHM, veteran_list_code

# A self-check below this p-value blocks publishing.
# Small enough that a fair draw is stopped about once in a million lotteries (a false alarm
# would force a suspicious re-run); a real dependence of rank on time or channel gives far
# smaller p-values at any size where it matters (a few hundred entrants and up).
SELF_CHECK_ALPHA = 1e-6


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
    registered = lottery.rules.get("algorithm")
    if registered != ALGORITHM:
        # The draw follows the rules as registered, the algorithm among them.
        raise LotteryRefused("other_algorithm", algorithm=registered, current=ALGORITHM)
    if drawn_since_freeze(lottery):
        # The same entrants and seed would give the same ranking: freeze again first.
        raise LotteryRefused("refreeze_first")
    published_at = round_published_at(lottery, int(lottery.beacon["round"]))
    if published_at is not None and now < published_at:
        # Seed inputs are refused before their round, but some were saved before that rule
        # existed, and another host's clock may run ahead: the draw checks again.
        raise LotteryRefused(
            "round_not_yet",
            round=int(lottery.beacon["round"]),
            at=published_at,
            timezone=lottery.listing.timezone,
        )
    # Logged with the run it explains, when the job writes it.
    lottery.draw_reason = checked_reason(reason) if lottery.runs else ""
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
    """Claims in the frozen manifest that staff have since found invalid: a preference's code
    (the claim) or its veteran list's code (the veteran status of the claim)."""
    invalid = invalid_claims(session, listing_id)
    if not invalid:
        return []
    wanted = {public_id for public_id, _code in invalid}
    held: set[tuple[str, str]] = set()
    for entrant in manifest:
        if entrant["id"] in wanted:
            held.update((entrant["id"], code) for code in entrant["preferences"])
            held.update(
                (entrant["id"], veteran_list_code(code))
                for code in entrant.get("veteran_preferences", ())
            )
    return [{"id": public_id, "preference": code} for public_id, code in sorted(invalid & held)]


def row_ids_of(session: AnySession, listing_id: int) -> dict[str, int]:
    """Each application's row id by its public id, for the rank rows; one query."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A million rows: read by the driver directly.
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT public_id, id FROM applications WHERE listing_id = %s", (listing_id,)
            )
            return dict(cursor.fetchall())
    rows: list[Any] = list(
        session.execute(
            select(Application.public_id, Application.id).where(
                Application.listing_id == listing_id
            )
        )
    )
    return dict(rows)


class EntrantFacts(Protocol):
    """When each entrant applied (epoch seconds) and its channel's index in
    ``ApplicationChannel``: what the self-check compares ranks with."""

    submitted: Mapping[str, float]
    channel: Mapping[str, int]


def self_check(facts: EntrantFacts, ranking: Sequence[str]) -> dict[str, Any]:
    """Chi-square tests that rank is independent of submission-time decile and of channel,
    from facts in memory (``self_check_of_run`` counts the same in the database)."""
    entrants = [public_id for public_id in ranking if public_id in facts.submitted]
    rank_decile = deciles([float(position) for position in range(len(entrants))])
    time_decile = deciles([facts.submitted[public_id] for public_id in entrants])
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    for position, public_id in enumerate(entrants):
        by_time[time_decile[position]][rank_decile[position]] += 1
        by_channel[facts.channel[public_id]][rank_decile[position]] += 1
    return _independence_of(by_time, by_channel)


# Each entrant's rank decile and submission-time decile among the entrants of a run, as
# ``fairness.deciles`` gives them (position * 10 // count; equal times in rank order), and its
# channel, counted by the three. Every entrant is a submitted application, so its master rank
# is its position: only the time order needs sorting.
_DECILE_COUNTS = text(
    """
    SELECT rank_decile, time_decile, channel, count(*) FROM (
        SELECT
            (r.master_rank - 1) * 10 / :entrants AS rank_decile,
            (row_number() OVER (ORDER BY a.submitted_at, r.master_rank) - 1) * 10 / :entrants
                AS time_decile,
            a.channel AS channel
        FROM lottery_ranks r JOIN applications a ON a.id = r.application_id
        WHERE r.run_id = :run_id
    ) AS placed
    GROUP BY rank_decile, time_decile, channel
    """
)


def self_check_of_run(session: AnySession, run_id: int, entrants: int) -> dict[str, Any]:
    """The self-check of a run whose ``entrants`` ranks are written, counted by the database: a
    million entrants are a hundred-odd rows to read, not a million."""
    channels = {channel.value: index for index, channel in enumerate(ApplicationChannel)}
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    if session.get_bind().dialect.name == "postgresql":
        # A million rows sorted once: in memory, not in temporary files.
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    rows: list[Any] = list(
        session.execute(_DECILE_COUNTS, {"run_id": run_id, "entrants": max(1, entrants)})
    )
    for rank_decile, time_decile, channel, count in rows:
        by_time[time_decile][rank_decile] += count
        by_channel[channels[channel]][rank_decile] += count
    return _independence_of(by_time, by_channel)


def _independence_of(by_time: list[list[int]], by_channel: list[list[int]]) -> dict[str, Any]:
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
    now: datetime,
    row_ids: Mapping[str, int] | None = None,
) -> LotteryRun:
    """Write a finished draw in the caller's one transaction: run, ranks, the self-check
    (counted on the ranks just written), log entries."""
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
    run = add_run(
        session, lottery, bundle, now, kind=kind, reason=lottery.draw_reason, row_ids=row_ids
    )
    check = self_check_of_run(session, run.id, len(bundle["ranking"]))
    lottery.draw_reason = ""
    lottery.self_check = check
    lottery.status = LotteryStatus.DRAWN
    log.append(
        session,
        "draw",
        now,
        listing_id=lottery.listing_id,
        actor_id=lottery.draw_requested_by,
        detail={"run": run.number, "seed": run.seed, "result_sha256": run.result_sha256},
    )
    log.append(session, "self_check", now, listing_id=lottery.listing_id, detail=check)
    listing = lottery.listing
    if listing.status in (ListingStatus.APPROVED, ListingStatus.OPEN, ListingStatus.CLOSED):
        listing.status = ListingStatus.LOTTERY_RUN
    session.flush()
    return run


def add_run(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    now: datetime,
    *,
    kind: RunKind,
    reason: str,
    row_ids: Mapping[str, int] | None = None,
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
    _write_ranks(session, run.id, bundle, row_ids or row_ids_of(session, lottery.listing_id))
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
    # Each entrant's places on the preference lists, written list by list (in the lists'
    # order, as the SQLite path writes them): the work is one step per place held.
    held: dict[str, str] = {}
    for entry in bundle["lists"][:-1]:
        code_key = key[entry["preference"]]
        for place, public_id in enumerate(entry["entrants"], start=1):
            earlier = held.get(public_id)
            held[public_id] = (
                f"{code_key}:{place}," if earlier is None else f"{earlier}{code_key}:{place},"
            )
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY lottery_ranks (run_id, application_id, master_rank, list_ranks) FROM STDIN"
        ) as copy,
    ):
        lines: list[str] = []
        held_by = held.get
        for rank, public_id in enumerate(ranking, start=1):
            lines.append(
                f"{prefix}{row_ids[public_id]}\t{rank}\t"
                f"{{{held_by(public_id, '')}{general_key}:{rank}}}\n"
            )
            if len(lines) == 10_000:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))
