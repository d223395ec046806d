"""Where an uncached public page spends its time, measured in-process.

Builds a throwaway PostgreSQL database with the demo city and copies of its listings, then
renders each public route through the test client (page cache off) and prints the CPU time
per request and the SQL statements each issues. ``--profile ROUTE`` prints the functions that
cost the most for that route (cProfile, cumulative time).

    .venv/bin/python bench/profile_pages.py [--extra-listings 100] [--requests 200]
    .venv/bin/python bench/profile_pages.py --profile listing
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time

from common import bench_app, flask, machine, postgres_database
from listing_pages import ROUTES, add_listings
from sqlalchemy import event


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-listings", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", choices=sorted(ROUTES), default=None)
    parser.add_argument("--language", default="en")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "FLASK_APP": "wsgi"}
        env.pop("REDIS_URL", None)
        flask(env, "db", "upgrade", "-d", "migrations")
        flask(env, "demo", "load")
        add_listings(url, args.extra_listings)
        app = bench_app(url, folder, page_cache_seconds=0)
        from housing.extensions import db

        statements: list[str] = []
        with app.app_context():
            event.listen(
                db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2])
            )
        client = app.test_client()
        client.set_cookie("language", args.language)
        chosen = {args.profile: ROUTES[args.profile]} if args.profile else ROUTES
        print(
            f"{'route':12} {'ms CPU':>8} {'ms wall':>8} {'statements':>10} {'bytes':>8}  (best of 5 batches)"
        )
        for name, path in chosen.items():
            for _ in range(20):  # warm up: templates compiled, charts read
                reply = client.get(path)
                assert reply.status_code == 200, (path, reply.status_code)
            statements.clear()
            client.get(path)
            count = len(statements)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            # The best of five batches: other work on the machine only ever adds time.
            cpu_times, wall_times = [], []
            for _ in range(5):
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(args.requests // 5):
                    body = client.get(path).data
                cpu_times.append((time.process_time() - cpu) * 5000 / args.requests)
                wall_times.append((time.perf_counter() - wall) * 5000 / args.requests)
            if profiler:
                profiler.disable()
            print(
                f"{name:12} {min(cpu_times):8.2f} {min(wall_times):8.2f} {count:10d} {len(body):8d}"
            )
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
