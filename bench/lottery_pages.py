"""The public results of a lottery with a million entrants: each kind of page (the first, a
middle and the last page of every list, a lottery number searched for on a list, the look-up),
through the Flask test client on PostgreSQL, with nothing cached. Prints the median, 95th
percentile and slowest time of each kind.

    .venv/bin/python bench/lottery_pages.py [--entrants 1000000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from common import ROOT, bench_app, machine, postgres_database
from sqlalchemy import func, select, text

CODES = ("COP", "DTHP", "NRHP", "LW")


def published(app, entrants: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A lottery seeded, drawn and published: its listing's id and its run's id."""
    from flask_migrate import upgrade

    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.models import Lottery
    from housing.lottery.publish import publish
    from housing.lottery.tasks import run_draw
    from tests.lottery.synthetic import seed_lottery

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        lottery_id = seed_lottery(entrants, CODES, veteran_lists=True)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        run = publish(db.session, listing_id, None, utcnow())  # the files job is not run
        run_id = run.id
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return listing_id, run_id


def figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
        f"max {ordered[-1] * 1000:6.1f} ms"
    )


def measure(app, listing_id: int, run_id: int, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from housing.applications.models import Application
    from housing.extensions import db
    from housing.lottery.models import LotteryRank
    from housing.lottery.verify import list_codes

    with app.app_context():
        rules = db.session.scalar(
            text("SELECT rules FROM lotteries WHERE listing_id = :id"), {"id": listing_id}
        )
        codes = list_codes(rules["preferences"])
        total = db.session.scalar(
            select(func.count()).select_from(LotteryRank).where(LotteryRank.run_id == run_id)
        )
        numbers = db.session.scalars(
            select(Application.lottery_number)
            .where(Application.listing_id == listing_id)
            .order_by(Application.id)
            .limit(repeat * 997)
        ).all()[::997]
        db.session.remove()
    client = app.test_client()
    base = f"/listings/{listing_id}/lottery"

    def timed(name: str, paths: Callable[[int], str], status: int = 200) -> None:
        times = []
        for attempt in range(repeat):
            path = paths(attempt)
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            if response.status_code != status:
                raise SystemExit(f"{path}: {response.status_code}")
        print(f"  {name:<40} {figures(times)}")

    print(f"{total:,} entrants, {len(codes)} lists ({', '.join(codes)}); {repeat} requests each")
    for code in codes:
        timed(f"{code}: first page", lambda _n, code=code: f"{base}/results?list={code}")
        timed(
            f"{code}: a page in the middle",
            lambda n, code=code: f"{base}/results?list={code}&after={total // 2 + n * 1000}",
        )
        timed(f"{code}: last page", lambda _n, code=code: f"{base}/results?list={code}&before=0")
    timed(
        "a lottery number found on V-COP",
        lambda n: f"{base}/results?list=V-COP&number={numbers[n % len(numbers)]}",
    )
    timed(
        "a lottery number found on the general list",
        lambda n: f"{base}/results?number={numbers[n % len(numbers)]}",
    )
    timed(
        "look-up by lottery number", lambda n: f"{base}/lookup?number={numbers[n % len(numbers)]}"
    )
    timed("results.pdf before the job made it", lambda _n: f"{base}/results.pdf", 202)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entrants", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, folder, page_cache_seconds=0, rate_limits_enabled=False)
        started = time.perf_counter()
        listing_id, run_id = published(app, args.entrants)
        print(f"seeded, drawn and published in {time.perf_counter() - started:.0f} s")
        measure(app, listing_id, run_id, args.repeat)
        with app.app_context():
            from housing.extensions import db

            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
