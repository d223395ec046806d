"""A lottery at scale on PostgreSQL, four preferences each with a veteran list: the freeze
(the manifest read from the claims table, hashed and stored), then the draw job end to end
(read the frozen entrants, draw, self-check, write the run and every entrant's ranks in one
transaction), then the published version's files as the job made at publication writes them
(the bundle, then a PDF per language), then one preference claim found invalid after the draw,
which writes a new version of the results.

Each size runs in a fresh process (peak memory is its own) on a throwaway database.

    .venv/bin/python bench/lottery_job.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from common import ROOT, bench_app, machine, peak_memory_mb, postgres_database
from sqlalchemy import text

CODES = ("COP", "DTHP", "NRHP", "LW")


def one_size(count: int) -> None:
    """Seed a database, then time the job in a process of its own."""
    from flask_migrate import upgrade

    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, folder)
        sys.path.insert(0, str(ROOT))
        from housing.extensions import db
        from tests.lottery.synthetic import seed_lottery

        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            listing_id = seed_lottery(count, CODES, until="registered", veteran_lists=True)
            db.session.execute(text("ANALYZE"))  # as autovacuum does after a load this size
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        subprocess.run(
            [sys.executable, __file__, "--job", url, folder, str(listing_id), str(count)],
            check=True,
        )


def frozen(app, listing_id: int) -> int:  # type: ignore[no-untyped-def]
    """Freeze (timed), then record the seed inputs and ask for the draw; the lottery's id."""
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.draw import request_draw
    from housing.lottery.freeze import freeze
    from housing.lottery.seed import beacon_round_of, set_seed_inputs
    from tests.lottery.drand_server import made_up_round
    from tests.lottery.synthetic import FROZEN_BEFORE_NOW

    with app.app_context():
        started = time.perf_counter()
        lottery = freeze(db.session, listing_id, None, utcnow() - FROZEN_BEFORE_NOW)
        db.session.commit()
        took = time.perf_counter() - started
        print(f"    freeze: {took:.2f} s ({lottery.entrant_count:,} entrants, committed)")
        beacon_round = beacon_round_of(lottery)
        made_up = made_up_round(beacon_round or 1)
        set_seed_inputs(
            db.session,
            listing_id,
            None,
            utcnow(),
            beacon_source="drand mainnet",
            beacon_round=str(beacon_round),
            beacon_value=made_up["randomness"],
            beacon_signature=made_up["signature"],
            reveals={},
        )
        lottery_id = request_draw(db.session, listing_id, None, utcnow()).id
        db.session.commit()
        db.session.remove()
    return lottery_id


def published(app, lottery_id: int) -> int:  # type: ignore[no-untyped-def]
    """Publish (timed); the published version's id."""
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.models import Lottery
    from housing.lottery.publish import publish

    with app.app_context():
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        started = time.perf_counter()
        run = publish(db.session, listing_id, None, utcnow())
        db.session.commit()
        print(f"    publish: {time.perf_counter() - started:.2f} s")
        run_id = int(run.id)
        db.session.remove()
        db.engine.dispose()
    return run_id


def files(url: str, folder: str, run_id: int) -> None:
    """The files job, each file timed (what readers wait for), in a process of its own as in
    a worker's work horse, so that its peak memory is the job's alone."""
    app = bench_app(url, folder)
    from housing.extensions import db
    from housing.lottery import result_files
    from housing.lottery.tasks import write_result_files

    with app.app_context():
        made: list[str] = [f"before {peak_memory_mb():.0f} MB"]
        make = result_files.write_file

        def timed(*args):  # type: ignore[no-untyped-def]
            began = time.perf_counter()
            written = make(*args)
            took = time.perf_counter() - began
            made.append(
                f"{args[2]} {took:.1f} s ({written / 1e6:.0f} MB, {peak_memory_mb():.0f} MB peak)"
            )
            return written

        result_files.write_file = timed
        started = time.perf_counter()
        write_result_files(run_id)
        took = time.perf_counter() - started
        result_files.write_file = make
        db.session.remove()
    print(f"    files job: {took:.1f} s in all, {peak_memory_mb():.0f} MB peak; {'; '.join(made)}")


def job(url: str, folder: str, listing_id: int, count: int) -> None:
    app = bench_app(url, folder)
    from housing.extensions import db
    from housing.lottery.tasks import run_draw

    marks: list[tuple[str, float, float]] = []

    def mark(step: str) -> None:
        marks.append((step, time.perf_counter(), peak_memory_mb()))

    print(f"{count:>9,} entrants:")
    lottery_id = frozen(app, listing_id)
    with app.app_context():
        started = time.perf_counter()
        run_draw(lottery_id, report=mark)
        finished = time.perf_counter()
        db.session.remove()
        db.engine.dispose()
    peak = peak_memory_mb()
    steps, last = [], started
    for step, at, rss in marks:
        steps.append(f"{step.replace('_', ' ')} {at - last:.2f} s, {rss:.0f} MB")
        last = at
    print(
        f"    draw job: {finished - started:6.2f} s end to end; peak memory {peak:6.0f} MB\n"
        f"    after each step (time, peak so far): {'; '.join(steps)}"
    )
    correction(app, lottery_id)
    if not os.environ.get("BENCH_NO_FILES"):
        run_id = published(app, lottery_id)
        subprocess.run([sys.executable, __file__, "--files", url, folder, str(run_id)], check=True)


def correction(app, lottery_id: int) -> None:  # type: ignore[no-untyped-def]
    """One preference claim found invalid after the draw: a new version of the results."""
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.claims import decide_claim
    from housing.lottery.corrections import revise
    from housing.lottery.models import Lottery

    with app.app_context():
        lottery = db.session.get(Lottery, lottery_id)
        holder = next(entrant for entrant in lottery.manifest if entrant["preferences"])
        listing_id = lottery.listing_id
        db.session.commit()
        started = time.perf_counter()
        decide_claim(
            db.session,
            listing_id,
            holder["id"],
            holder["preferences"][0],
            None,
            utcnow(),
            valid=False,
            reason="benchmark",
        )
        db.session.commit()
        revise(db.session, lottery_id, utcnow())  # the job the decision starts
        db.session.commit()
        took = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    print(f"    one claim invalidated after the draw (a new version of the results): {took:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--job", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.files:
        url, folder, run_id = args.files
        files(url, folder, int(run_id))
        return
    if args.job:
        url, folder, listing_id, count = args.job
        job(url, folder, int(listing_id), int(count))
        return
    if args.one:
        one_size(args.one)
        return
    print(f"machine: {machine()}")
    for size in args.sizes:
        subprocess.run([sys.executable, __file__, "--one", str(size)], check=True, env=os.environ)


if __name__ == "__main__":
    main()
