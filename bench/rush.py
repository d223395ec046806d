"""A deadline rush and its faults, at the size of a real deadline: thousands of residents submit
at once through gunicorn (2 workers, 16 threads each) while others browse, on a PostgreSQL and
a Redis of the run's own, with two rq workers delivering confirmations to an SMTP sink.

Three runs: the rush alone (with admission tuned tight, so that the server is behind and says
so with 503 and Retry-After), Redis stopped for five seconds in the middle, and PostgreSQL
restarted (as after a crash) in the middle. Each prints what the clients saw and fails unless
every application was stored once, as its resident was told, with its confirmation delivered.

    .venv/bin/python bench/rush.py [--residents 2000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine  # noqa: E402

from tests.load import harness  # noqa: E402


def run(
    name: str,
    servers: harness.Servers,
    sink: harness.MailSink,
    args: argparse.Namespace,
    *,
    fault: Callable[[], None] | None = None,
    settings: dict[str, str] | None = None,
) -> bool:
    sink.received.clear()
    listing_id = harness.create_listing(servers.database_url)
    with harness.serving(servers, **(settings or {})) as portal:
        result = harness.rush(
            portal.port,
            listing_id,
            residents=args.residents,
            concurrency=args.concurrency,
            browsers=8,
            fault=fault,
            fault_after=0.3,
            budget_seconds=600,
        )
        started = time.monotonic()
        harness.sweep(portal.environment)
        if harness.wait_for_mail(sink.count, args.residents, seconds=600) < args.residents:
            harness.sweep(portal.environment, stale=True)
            harness.wait_for_mail(sink.count, args.residents, seconds=600)
        delivery = time.monotonic() - started
    wrong = harness.problems(result, harness.stored(servers.database_url, listing_id))
    wrong += harness.delivery_problems(sink, result, copies_allowed=fault is not None)
    print(f"\n## {name}")
    print(harness.summary(result))
    print(f"  confirmations: {sink.count()} received, the last {delivery:.1f} s after the rush")
    print(
        "  checks: "
        + ("every application stored once, as told" if not wrong else "; ".join(wrong[:5]))
    )
    return not wrong


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"{args.residents} residents through {args.concurrency} connections, 8 browsing")
    with harness.MailSink() as sink, harness.own_servers(sink.port) as servers:

        def redis_outage() -> None:
            servers.redis.stop()
            time.sleep(5)
            servers.redis.start()

        tight = {
            "ADMISSION_ACTIVE": "2",
            "ADMISSION_WAIT_SECONDS": "0.5",
            "ADMISSION_MAX_WAITING": "8",
        }
        passed = [
            run("rush, admission tight", servers, sink, args, settings=tight),
            run("rush, Redis stopped for 5 s", servers, sink, args, fault=redis_outage),
            run("rush, PostgreSQL restarted", servers, sink, args, fault=servers.postgres.restart),
        ]
    if not all(passed):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
