"""Listing directory and listing page throughput through gunicorn (2 workers) on PostgreSQL.

Prints requests per second and latency at 50 concurrent clients for the directory, a listing
page and the estimator, each beside the same server's rate for a trivial route (/healthz), so
the ratio survives a noisy machine, and then the peak resident memory of a web worker.

    .venv/bin/python bench/listing_pages.py [--seconds 10] [--connections 50] [--extra-listings 100]
        [--no-page-cache]

Where the time of one route goes, in-process: ``bench/profile_pages.py``.
"""

from __future__ import annotations

import argparse
import os
import urllib.request
from datetime import timedelta
from pathlib import Path

from common import ROOT, flask, gunicorn, machine, postgres_database, wrk

# The public pages measured, by short name (the profiler takes the same names).
ROUTES = {
    "trivial": "/healthz",
    "directory": "/listings",
    "listing": "/listings/1",
    "estimator": "/eligibility?household_size=3&income=5200&income_period=month",
}


def add_listings(database_url: str, count: int) -> None:
    """Copies of the demo listings, so the directory pages through a realistic number."""
    import sys

    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from housing.db_types import utcnow
    from housing.models import Listing, Unit

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with Session(engine) as session:
        originals = session.scalars(select(Listing)).all()
        for number in range(count):
            source = originals[number % len(originals)]
            copy = Listing(
                **{
                    column.key: getattr(source, column.key)
                    for column in Listing.__table__.columns
                    if column.key not in {"id", "version", "created_at", "updated_at"}
                }
            )
            copy.name = f"{source.name} {number + 2}"
            copy.application_due_at = utcnow() + timedelta(days=5 + number % 40)
            copy.application_open_at = utcnow() - timedelta(days=1)
            copy.units = [
                Unit(
                    **{
                        c.key: getattr(u, c.key)
                        for c in Unit.__table__.columns
                        if c.key not in {"id", "listing_id"}
                    }
                )
                for u in source.units
            ]
            session.add(copy)
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--extra-listings", type=int, default=100)
    parser.add_argument(
        "--no-page-cache", action="store_true", help="render every request (PAGE_CACHE_SECONDS=0)"
    )
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with postgres_database() as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench",
            "FLASK_APP": "wsgi",
            "PAGE_CACHE_SECONDS": "0" if args.no_page_cache else "20",
        }
        env.pop("REDIS_URL", None)
        flask(env, "db", "upgrade", "-d", "migrations")
        flask(env, "demo", "load")
        add_listings(database_url, args.extra_listings)
        routes = {f"{name} {path.split('?')[0]}": path for name, path in ROUTES.items()}
        with gunicorn(env) as base:
            for path in routes.values():
                with urllib.request.urlopen(base + path) as reply:  # noqa: S310 - our own server
                    body = reply.read()
                    assert (reply.status == 200 and len(body) > 1000) or path == "/healthz", (
                        path,
                        reply.status,
                    )
            wrk(base + "/listings", connections=10, seconds=2)  # warm up both workers
            results = {
                name: wrk(base + path, connections=args.connections, seconds=args.seconds)
                for name, path in routes.items()
            }
            worker_peak = peak_memory_of_servers(base)
    trivial = results["trivial /healthz"].requests_per_second
    print(
        f"gunicorn 2 workers, {args.connections} connections, {args.seconds} s per route, {7 + args.extra_listings} listings"
    )
    print(f"{'route':28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs trivial':>10}")
    for name, load in results.items():
        print(
            f"{name:28} {load.requests_per_second:9.1f} {load.p50_ms:8.1f} {load.p99_ms:8.1f} "
            f"{load.errors:7d} {load.requests_per_second / trivial:10.1%}"
        )
    print(f"peak resident memory of a web worker: {worker_peak:.0f} MB")


def peak_memory_of_servers(base: str) -> float:
    """The largest peak resident memory (VmHWM, MB) of the gunicorn processes on this port."""
    port = base.rsplit(":", 1)[1]
    peak = 0.0
    for process in Path("/proc").iterdir():
        try:
            command = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "gunicorn" not in command or f"127.0.0.1:{port}" not in command:
                continue
            for line in (process / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return peak


if __name__ == "__main__":
    main()
