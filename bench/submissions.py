"""Committed application submissions per second through gunicorn (2 workers) on PostgreSQL.

wrk posts complete applications (each with its own name, email and address) to the JSON API;
afterwards the script counts the rows actually committed, so the figure is committed
applications, not answered requests. The trivial route /healthz is measured in the same run so
the ratio survives a noisy machine. Confirmation messages go to Redis for delivery (no worker
runs), as they would in production.

    .venv/bin/python bench/submissions.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ROOT,
    flask,
    forget_redis_keys,
    gunicorn,
    load_average,
    machine,
    postgres_database,
    wrk,
)

sys.path.insert(0, str(ROOT))
from tests.load.harness import APPLICATION, create_listing

REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")

# Each request gets its own name, email and street, so duplicate keys do not pile onto one.
LUA = """
local template = [[BODY]]
local counter = 0
local seed = math.random(1, 1000000000)
request = function()
  counter = counter + 1
  local tag = seed .. "x" .. counter
  -- A name is letters only: the tag's digits are written as the letters g to p.
  local name = ("N" .. tag):gsub("%d", function(digit) return string.char(digit:byte() + 55) end)
  local body = template:gsub("NAME", name):gsub("EMAIL", "b" .. tag .. "@example.org")
  body = body:gsub("STREET", counter .. " Bench Street " .. seed)
  return wrk.format("POST", "PATH", {["Content-Type"] = "application/json"}, body)
end
"""


def count_applications(database_url: str, listing_id: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        submitted, distinct_numbers = connection.execute(
            "SELECT count(*), count(DISTINCT lottery_number) FROM applications "
            "WHERE listing_id = %s AND status = 'submitted'",
            (listing_id,),
        ).fetchone()
    return int(submitted), int(distinct_numbers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()

    print(f"machine: {machine()}; load average {load_average()}")
    with postgres_database() as database_url, tempfile.TemporaryDirectory() as folder:
        prefix = f"bench{os.getpid()}:"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "HOUSING_QUEUE_PREFIX": prefix,
            "SECRET_KEY": "bench",
            "FLASK_APP": "wsgi",
            "RATE_LIMITS": "off",
            "STORAGE_FOLDER": folder,
        }
        flask(env, "db", "upgrade", "-d", "migrations")
        flask(env, "demo", "load")
        listing_id = create_listing(database_url)
        path = f"/api/v1/listings/{listing_id}/applications"
        script = Path(folder) / "submit.lua"
        body = json.dumps(APPLICATION).replace("]]", "] ]")
        script.write_text(LUA.replace("BODY", body).replace("PATH", path))
        with gunicorn(env, threads=args.threads) as base:
            _wait_until_answering(base + "/healthz")
            warm = wrk(base + path, connections=4, seconds=2, script=str(script))
            before, _numbers = count_applications(database_url, listing_id)
            started = time.monotonic()
            load = wrk(
                base + path, connections=args.connections, seconds=args.seconds, script=str(script)
            )
            elapsed = time.monotonic() - started
            after, distinct = count_applications(database_url, listing_id)
            trivial = wrk(base + "/healthz", connections=args.connections, seconds=args.seconds)
        forget_redis_keys(REDIS_URL, prefix)
    committed = after - before
    print(f"load average after the runs: {load_average()}")
    print(
        f"gunicorn 2 workers, {args.connections} connections, {args.seconds} s, warm-up {warm.requests_per_second:.0f} req/s"
    )
    print(f"{'route':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs trivial':>10}")
    for name, result in (("trivial /healthz", trivial), ("POST application (JSON API)", load)):
        print(
            f"{name:34} {result.requests_per_second:9.1f} {result.p50_ms:8.1f} {result.p99_ms:8.1f} "
            f"{result.errors:7d} {result.requests_per_second / trivial.requests_per_second:10.0%}"
        )
    print(
        f"committed applications: {committed} in {elapsed:.1f} s = {committed / elapsed:.1f}/s; "
        f"lottery numbers distinct: {distinct == after}"
    )


def _wait_until_answering(url: str) -> None:
    """The port opens before the workers have loaded the app: until they answer, a warm-up
    would only time their start."""
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - our own server
                if reply.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


if __name__ == "__main__":
    main()
