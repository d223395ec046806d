"""The draw's self-check before release: chi-square tests that rank is independent of
submission time and of channel. The database counts them for the ranking a run is written
from (``self_check_of_ranking``); ``self_check`` works out the same from facts in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text

from housing.applications.models import ApplicationChannel
from housing.db_types import AnySession
from housing.lottery.fairness import deciles, independence

# A self-check below this p-value blocks publishing.
# Small enough that a fair draw is stopped about once in a million lotteries (a false alarm
# would force a suspicious re-run); a real dependence of rank on time or channel gives far
# smaller p-values at any size where it matters (a few hundred entrants and up).
SELF_CHECK_ALPHA = 1e-6


class EntrantFacts(Protocol):
    """When each entrant applied (epoch seconds) and its channel's index in
    ``ApplicationChannel``: what the self-check compares ranks with."""

    submitted: Mapping[str, float]
    channel: Mapping[str, int]


def self_check(facts: EntrantFacts, ranking: Sequence[str]) -> dict[str, Any]:
    """Chi-square tests that rank is independent of submission-time decile and of channel,
    from facts in memory (``self_check_of_ranking`` counts the same in the database)."""
    entrants = [public_id for public_id in ranking if public_id in facts.submitted]
    rank_decile = deciles([float(position) for position in range(len(entrants))])
    time_decile = deciles([facts.submitted[public_id] for public_id in entrants])
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    for position, public_id in enumerate(entrants):
        by_time[time_decile[position]][rank_decile[position]] += 1
        by_channel[facts.channel[public_id]][rank_decile[position]] += 1
    return _independence_of(by_time, by_channel)


# Each entrant's rank decile and submission-time decile among the entrants of a ranking, as
# ``fairness.deciles`` gives them (position * 10 // count; equal times in rank order), and its
# channel, counted by the three. Every entrant is a submitted application, so its master rank
# is its position: only the time order needs sorting. The ranking comes as one parameter, its
# entrants' application row ids in rank order joined by commas, which each dialect unpacks
# into (application id, master rank) rows.
_RANKED = {
    "postgresql": "unnest(CAST(string_to_array(:ranked, ',') AS integer[])) WITH ORDINALITY "
    "AS r(application_id, master_rank)",
    "sqlite": "(SELECT CAST(value AS INTEGER) AS application_id, key + 1 AS master_rank "
    "FROM json_each('[' || :ranked || ']')) AS r",
}
_DECILE_COUNTS = """
    SELECT rank_decile, time_decile, channel, count(*) FROM (
        SELECT
            (r.master_rank - 1) * 10 / :entrants AS rank_decile,
            (row_number() OVER (ORDER BY a.submitted_at, r.master_rank) - 1) * 10 / :entrants
                AS time_decile,
            a.channel AS channel
        FROM {ranked} JOIN applications a ON a.id = r.application_id
    ) AS placed
    GROUP BY rank_decile, time_decile, channel
"""


def self_check_of_ranking(connection: Connection, ranked: Sequence[int]) -> dict[str, Any]:
    """The self-check of a ranking given as its entrants' application row ids in rank order,
    counted by the database: a million entrants are a hundred-odd rows to read, not a million.
    It reads no rank rows, so it can run on a connection of its own while they are written."""
    channels = {channel.value: index for index, channel in enumerate(ApplicationChannel)}
    by_time = [[0] * 10 for _ in range(10)]
    by_channel = [[0] * 10 for _ in ApplicationChannel]
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # A million rows sorted once: in memory, not in temporary files.
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
    rows: list[Any] = list(
        connection.execute(
            text(_DECILE_COUNTS.format(ranked=_RANKED[dialect])),
            {"ranked": ",".join(map(str, ranked)), "entrants": max(1, len(ranked))},
        )
    )
    for rank_decile, time_decile, channel, count in rows:
        by_time[time_decile][rank_decile] += count
        by_channel[channels[channel]][rank_decile] += count
    return _independence_of(by_time, by_channel)


@contextmanager
def self_check_alongside(
    session: AnySession, ranked: Sequence[int], apart: Engine | None
) -> Iterator[Callable[[], dict[str, Any]]]:
    """The self-check of ``ranked``, to be had once the run is written: counted meanwhile on
    a connection of ``apart`` (the database's work on another core), or else then, in the
    session's transaction."""
    if apart is None:
        yield lambda: self_check_of_ranking(session.connection(), ranked)
        return
    with ThreadPoolExecutor(max_workers=1) as alongside:
        yield alongside.submit(_self_check_apart, apart, ranked).result


def _self_check_apart(engine: Engine, ranked: Sequence[int]) -> dict[str, Any]:
    with engine.connect() as connection:
        return self_check_of_ranking(connection, ranked)


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
