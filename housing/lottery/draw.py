"""Requesting a draw, and writing a finished draw as a new version of the results with its
self-check (``self_check``). The draw itself is pure (``verify.draw`` through
``bundle.build_bundle``) and runs in ``tasks.run_draw``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from housing.accounts.models import User
from housing.applications.models import Application
from housing.db_types import AnySession
from housing.listings.models import ListingStatus
from housing.lottery import log
from housing.lottery.access import LotteryRefused, checked_reason, drawn_since_freeze, get_lottery
from housing.lottery.bundle import stored_json
from housing.lottery.freeze import invalid_claims
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus, RunKind
from housing.lottery.seed import round_published_at
from housing.lottery.self_check import self_check_alongside
from housing.lottery.verify import ALGORITHM, veteran_list_code


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


def draw_inputs(
    session: AnySession, lottery: Lottery, entrants: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Everything ``build_bundle`` takes besides the entrants, for a lottery being drawn;
    ``entrants``: its frozen manifest, when the caller has read it already."""
    if entrants is None:
        entrants = lottery.manifest or []
    return {
        "listing_id": str(lottery.listing_id),
        "listing_name": lottery.listing.name,
        "rules": lottery.rules,
        "beacon": lottery.beacon or {},
        "secrets": lottery.secrets,
        "invalidations": invalidations_of(session, lottery.listing_id, entrants),
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


def record_run(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    now: datetime,
    row_ids: Mapping[str, int] | None = None,
    *,
    manifest_text: str | None = None,
    count_apart: Engine | None = None,
) -> LotteryRun:
    """Write a finished draw in the caller's one transaction: run, ranks, the self-check (on
    the ranking the rank rows are written from), log entries. ``manifest_text``: the frozen
    manifest's canonical JSON as stored (``freeze.frozen_manifest``), written into the stored
    bundle as it is. ``count_apart``: an engine whose own connection counts the self-check
    while the run is written; only for a caller whose applications are all committed (a job's
    own session), since no other connection sees what its transaction has not committed."""
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
    ranked = _ranked_application_ids(session, lottery, bundle, row_ids)
    with self_check_alongside(session, ranked, count_apart) as counted:
        run = add_run(
            session,
            lottery,
            bundle,
            now,
            kind=kind,
            reason=lottery.draw_reason,
            ranked=ranked,
            manifest_text=manifest_text,
        )
        check = counted()
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


def _ranked_application_ids(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    row_ids: Mapping[str, int] | None,
) -> list[int]:
    """Each entrant's application row id, in rank order."""
    found = row_ids if row_ids is not None else row_ids_of(session, lottery.listing_id)
    return list(map(found.__getitem__, bundle["ranking"]))


def add_run(
    session: AnySession,
    lottery: Lottery,
    bundle: Mapping[str, Any],
    now: datetime,
    *,
    kind: RunKind,
    reason: str,
    ranked: Sequence[int] | None = None,
    manifest_text: str | None = None,
) -> LotteryRun:
    """A new version of the results with every entrant's ranks; earlier versions stay.
    ``ranked``: the entrants' application row ids in rank order, when the caller has them;
    ``manifest_text`` as ``record_run`` takes it."""
    number = len(lottery.runs) + 1
    stored = {**bundle, "version": number}
    text = (
        stored_json(stored, manifest_text)
        if manifest_text is not None and session.get_bind().dialect.name == "postgresql"
        else None
    )
    run = LotteryRun(
        lottery_id=lottery.id,
        number=number,
        kind=kind,
        reason=reason,
        seed=bundle["seed"],
        result_sha256=bundle["result_sha256"],
        bundle={} if text is not None else stored,
        created_at=now,
    )
    session.add(run)
    session.flush()
    if text is not None:
        # Stored as put together above: the ORM would serialise a million entrants again.
        raw: Any = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                "UPDATE lottery_runs SET bundle = %s::json WHERE id = %s", (text, run.id)
            )
        del text
        # Read back, if at all, as stored (its entrants may be compact, which the ORM cannot
        # write).
        session.expire(run, ["bundle"])
    if ranked is None:
        ranked = _ranked_application_ids(session, lottery, bundle, None)
    _write_ranks(session, run.id, bundle, ranked)
    lottery.runs.append(run)
    return run


def _write_ranks(
    session: AnySession, run_id: int, bundle: Mapping[str, Any], ranked: Sequence[int]
) -> None:
    """Every entrant's master rank and place on each list, in the caller's transaction; COPY
    on PostgreSQL, where a million rows would otherwise take a minute."""
    preference_lists = bundle["lists"][:-1]  # the last, general, list is the master ranking
    general = bundle["lists"][-1]["preference"]
    ranking = bundle["ranking"]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        places = [
            (
                entry["preference"],
                {public_id: n for n, public_id in enumerate(entry["entrants"], 1)},
            )
            for entry in preference_lists
        ]

        def list_ranks(public_id: str, rank: int) -> dict[str, int]:
            held = {code: found[public_id] for code, found in places if public_id in found}
            held[general] = rank
            return held

        session.execute(
            LotteryRank.__table__.insert(),
            [
                {
                    "run_id": run_id,
                    "application_id": application_id,
                    "master_rank": rank,
                    "list_ranks": list_ranks(public_id, rank),
                }
                for rank, (public_id, application_id) in enumerate(
                    zip(ranking, ranked, strict=True), start=1
                )
            ],
        )
        return
    # COPY's text format: tab-separated, backslashes doubled. Each row's JSON is put together
    # from its keys, written once, because json.dumps a million times takes seconds.
    key = {
        entry["preference"]: json.dumps(entry["preference"]).replace("\\", "\\\\")
        for entry in bundle["lists"]
    }
    raw: Any = connection.connection.driver_connection  # a psycopg connection
    prefix = f"{run_id}\t"
    general_key = key[general]
    # Each entrant's places on the preference lists, written list by list (in the lists'
    # order, as the SQLite path writes them): the work is one step per place held.
    held: dict[str, str] = {}
    held_by = held.get
    for entry in preference_lists:
        code_key = key[entry["preference"]]
        for place, public_id in enumerate(entry["entrants"], start=1):
            held[public_id] = f"{held_by(public_id, '')}{code_key}:{place},"
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY lottery_ranks (run_id, application_id, master_rank, list_ranks) FROM STDIN"
        ) as copy,
    ):
        lines: list[str] = []
        for rank, (public_id, application_id) in enumerate(
            zip(ranking, ranked, strict=True), start=1
        ):
            lines.append(
                f"{prefix}{application_id}\t{rank}\t"
                f"{{{held_by(public_id, '')}{general_key}:{rank}}}\n"
            )
            if len(lines) == 10_000:
                copy.write("".join(lines))
                lines.clear()
        copy.write("".join(lines))
