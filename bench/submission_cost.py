"""What one committed submission costs in-process: CPU milliseconds and SQL statements.

A throwaway PostgreSQL database gets the demo city and an open listing (as
``bench/submissions.py`` makes it); complete applications, each with its own name, email and
street, are then posted to ``POST /api/v1/listings/{id}/applications`` through the Flask test
client, as wrk posts them, with the confirmation queued on Redis. After a warm-up, the CPU time
of ``--count`` submissions (``time.process_time``: this process only, so less disturbed by
other work on the machine than a wall clock), taken in ``--rounds`` rounds so that a busy
moment spoils one round and not the figure (the median round and the best are printed), and
the statements they sent per submission; ``--profile`` prints cProfile's costliest functions
(CPU time) as well. Every submission must answer 201 and be committed, each with a lottery
number of its own.

    .venv/bin/python bench/submission_cost.py [--count 1000] [--rounds 10] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time

from common import (
    ROOT,
    bench_app,
    flask,
    forget_redis_keys,
    load_average,
    machine,
    postgres_database,
)
from sqlalchemy import event

sys.path.insert(0, str(ROOT))
from tests.load.harness import application_for, create_listing

REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--warm-up", type=int, default=50)
    parser.add_argument(
        "--rounds", type=int, default=10, help="rounds timed apart: a busy moment spoils one"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--lines", type=int, default=40, help="functions the profile prints")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    prefix = f"bench{os.getpid()}:"
    with (
        postgres_database() as url,
        tempfile.TemporaryDirectory() as folder,
        open(os.devnull, "w") as hidden,
    ):
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "FLASK_APP": "wsgi"}
        env.pop("REDIS_URL", None)
        flask(env, "db", "upgrade", "-d", "migrations")
        flask(env, "demo", "load")
        listing_id = create_listing(url)
        app = bench_app(
            url, folder, redis_url=REDIS_URL, queue_prefix=prefix, rate_limits_enabled=False
        )
        from housing.extensions import db
        from housing.ops import logging

        # Each request's log line is formatted and written as in production, but not shown.
        logging.configure(app.config["HOUSING"].log_format, stream=hidden)
        statements: list[str] = []
        with app.app_context():
            event.listen(
                db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2])
            )
        client = app.test_client()
        path = f"/api/v1/listings/{listing_id}/applications"
        # Encoded beforehand, as wrk's bodies are: the client's own work is not the server's.
        bodies = [
            json.dumps(application_for(f"{os.getpid()}x{number}")).encode()
            for number in range(args.warm_up + args.count)
        ]
        try:
            for body in bodies[: args.warm_up]:
                _post(client, path, body)
            statements.clear()
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            if profiler:
                profiler.enable()
            rounds = []  # (CPU ms, wall ms) per submission, each round on its own
            size = args.count // args.rounds
            for start in range(args.warm_up, args.warm_up + size * args.rounds, size):
                cpu, wall = time.process_time(), time.perf_counter()
                for body in bodies[start : start + size]:
                    _post(client, path, body)
                rounds.append(
                    (
                        (time.process_time() - cpu) * 1000 / size,
                        (time.perf_counter() - wall) * 1000 / size,
                    )
                )
            if profiler:
                profiler.disable()
            per_submission = len(statements) / args.count
            kinds = _kinds(statements[: round(per_submission)])
            submitted, distinct = _committed(app, listing_id)
        finally:
            forget_redis_keys(REDIS_URL, prefix)
    total = args.warm_up + size * args.rounds
    print(
        f"{size * args.rounds} submissions in {args.rounds} rounds after {args.warm_up} to warm up;"
        f" load average {load_average()}"
        + (" (under cProfile: the times are inflated)" if args.profile else "")
    )
    cpus = sorted(cpu for cpu, _wall in rounds)
    walls = sorted(wall for _cpu, wall in rounds)
    print(f"{'':14} {'ms CPU':>8} {'ms wall':>8}")
    print(f"{'median round':14} {statistics.median(cpus):8.2f} {statistics.median(walls):8.2f}")
    print(f"{'best round':14} {cpus[0]:8.2f} {walls[0]:8.2f}")
    print(f"statements per submission: {per_submission:.1f}")
    print(f"statements of one submission: {kinds}")
    print(f"committed: {submitted} of {total}; lottery numbers distinct: {distinct == submitted}")
    if submitted != total or distinct != submitted:
        raise SystemExit("not every submission was committed once with a number of its own")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.lines)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.lines)


def _post(client, path: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    reply = client.post(path, data=body, content_type="application/json")
    if reply.status_code != 201:
        raise SystemExit(f"{path} answered {reply.status_code}: {reply.get_data(as_text=True)}")


def _kinds(statements: list[str]) -> str:
    """Each statement's first words, in order: SELECT, INSERT INTO applications..."""
    shown = []
    for statement in statements:
        words = statement.split()
        table = next(
            (words[i + 1] for i, w in enumerate(words[:-1]) if w in ("FROM", "INTO", "UPDATE")),
            "",
        )
        shown.append(f"{words[0]} {table}".strip())
    return ", ".join(shown)


def _committed(app, listing_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from housing.extensions import db

    with app.app_context():
        submitted, distinct = db.session.execute(
            text(
                "SELECT count(*), count(DISTINCT lottery_number) FROM applications "
                "WHERE listing_id = :listing AND status = 'submitted'"
            ),
            {"listing": listing_id},
        ).one()
        db.session.rollback()
    return int(submitted), int(distinct)


if __name__ == "__main__":
    main()
