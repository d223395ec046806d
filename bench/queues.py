"""An export asked for while a listing's results go out to everyone: how long it takes, on two
workers that take every queue, and how fast the broadcast goes meanwhile.

A throwaway PostgreSQL database gets ``count`` submitted applications with email addresses
(``seed_lottery(count, emails=True)``); the lottery is drawn in-process and its results
published, which writes one broadcast and queues its lane. Two real rq workers (``python -m
housing.worker``, every queue in priority order) then deliver it to an SMTP sink in a process
of its own that only counts (the one of ``bench/notifications.py``). ``--after`` seconds after
the sink's first message, staff ask for an XLSX export of the listing's applications, which the
benchmark follows to its end. It prints the export's wait (asked for until a worker took it)
and its whole time (asked for until its file was stored), how many of the broadcast's messages
the sink had at each moment, and the broadcast's throughput from the first message received to
the last. The script fails unless the export is done, and the sink received every message once.

    flock /tmp/bench.lock .venv/bin/python bench/queues.py [--count 100000] [--after 5]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_app, free_port, load_average, machine, postgres_database
from notifications import REDIS_URL, SECRET, _mail, _redis_cleanup, smtp_sink

WORKERS = 2
POLL_SECONDS = 0.05
# Give up when the sink has received nothing new for this long.
STALL_SECONDS = 120.0


def run(count: int, after: float) -> bool:
    from flask_migrate import upgrade

    port = free_port()
    prefix = f"bench-{secrets.token_hex(4)}-"
    with (
        postgres_database() as url,
        tempfile.TemporaryDirectory() as folder,
        smtp_sink(port) as sink,
    ):
        app = bench_app(
            url,
            folder,
            secret_key=SECRET,
            redis_url=REDIS_URL,
            queue_prefix=prefix,
            mail=_mail(port),
        )
        from housing import jobs
        from housing.accounts.models import Role, User
        from housing.db_types import utcnow
        from housing.exports import services as exports
        from housing.exports import tasks as export_tasks
        from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
        from housing.extensions import db
        from housing.lottery.models import Lottery
        from housing.lottery.publish import publish
        from housing.lottery.tasks import run_draw
        from housing.notifications.tasks import send_after_commit
        from tests.lottery.synthetic import seed_lottery

        with app.app_context():
            connection = jobs.redis_connection()
            assert connection is not None
            processes: list[subprocess.Popen[bytes]] = []
            log_path = Path(folder) / "workers.log"
            try:
                upgrade(directory=str(ROOT / "migrations"))
                started = time.perf_counter()
                lottery_id = seed_lottery(count, emails=True)
                run_draw(lottery_id)
                listing_id = db.session.get(Lottery, lottery_id).listing_id
                publish(db.session, listing_id, None, utcnow())
                staff = User(
                    email="staff@example.org",
                    full_name="Staff",
                    role=Role.STAFF,
                    password_hash="x",  # noqa: S106 - never signs in
                )
                db.session.add(staff)
                db.session.commit()
                staff_id = staff.id
                send_after_commit()
                print(
                    f"{count:,} entrants seeded, drawn and published in "
                    f"{time.perf_counter() - started:.1f} s; {WORKERS} workers taking every "
                    f"queue; load average {load_average()}",
                    flush=True,
                )
                db.session.remove()
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "REDIS_URL": REDIS_URL,
                    "HOUSING_QUEUE_PREFIX": prefix,
                    "MAIL_HOST": "127.0.0.1",
                    "MAIL_PORT": str(port),
                    "SECRET_KEY": SECRET,
                    "HOUSING_INSTANCE_FOLDER": folder,
                    "STORAGE_FOLDER": folder,
                }
                with log_path.open("w") as log:
                    processes = [
                        subprocess.Popen(
                            [sys.executable, "-m", "housing.worker"],
                            cwd=ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                        for _ in range(WORKERS)
                    ]
                    first = _wait(lambda: sink.stats()["messages"] > 0, processes, "a message")
                    while time.monotonic() - first < after:
                        time.sleep(POLL_SECONDS)
                    asked = time.monotonic()
                    with app.test_request_context():
                        export = exports.request_export(
                            db.session,
                            listing_id,
                            db.session.get(User, staff_id),
                            ExportKind.APPLICATIONS,
                            ExportFormat.XLSX,
                            utcnow(),
                        )
                        db.session.commit()
                        export_id = export.id
                    busy = _busy(connection, prefix)
                    assert export_tasks.start(export_id)
                    received_asked = sink.stats()["messages"]

                    def state() -> ExportState:
                        db.session.remove()
                        return db.session.get(Export, export_id).state

                    _wait(
                        lambda: state() is not ExportState.QUEUED, processes, "the export's start"
                    )
                    taken = time.monotonic()
                    _wait(
                        lambda: state() in (ExportState.DONE, ExportState.FAILED),
                        processes,
                        "the export's end",
                    )
                    done = time.monotonic()
                    received_done = sink.stats()["messages"]
                    export_state = state()
                    rows = db.session.get(Export, export_id).rows_done
                    db.session.remove()
                    last_count, last_change = -1, time.monotonic()
                    while True:
                        stats = sink.stats()
                        if stats["messages"] >= count:
                            break
                        if stats["messages"] != last_count:
                            last_count, last_change = stats["messages"], time.monotonic()
                        if time.monotonic() - last_change > STALL_SECONDS:
                            break
                        if any(process.poll() is not None for process in processes):
                            break
                        time.sleep(0.2)
                    stats = sink.stats()
            finally:
                for process in processes:
                    if process.poll() is None:
                        process.send_signal(signal.SIGTERM)
                for process in processes:
                    try:
                        process.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
                db.session.remove()
                db.engine.dispose()
                _redis_cleanup(connection, prefix)
                log_tail = log_path.read_text()[-3000:] if log_path.exists() else ""
    span = (stats["last"] - stats["first"]) if stats["first"] else float("nan")
    print(
        "\n".join(
            f"    {line}"
            for line in (
                f"export of {rows:,} applications (XLSX) asked for {after:.0f} s into the "
                f"broadcast, when the sink had {received_asked:,} of its messages: taken by a "
                f"worker after {taken - asked:.2f} s, done after {done - asked:.1f} s "
                f"({export_state.value}), when the sink had {received_done:,}",
                f"the workers' jobs when it was asked for: {', '.join(busy) or 'none'}",
                f"broadcast: {stats['messages']:,} of {count:,} messages received in "
                f"{span:.1f} s from the first to the last: {stats['messages'] / span:,.0f} "
                f"messages/s, over {stats['connections']} SMTP connections",
                f"load average after: {load_average()}",
            )
        ),
        flush=True,
    )
    problems = []
    if export_state is not ExportState.DONE:
        problems.append(f"the export ended {export_state.value}")
    if received_done >= count:
        problems.append("the export was done only after the broadcast")
    if stats["messages"] != count:
        problems.append(f"the sink received {stats['messages']:,} messages, not {count:,}")
    for problem in problems:
        print(f"    FAILED: {problem}", file=sys.stderr)
    if problems:
        print(log_tail, file=sys.stderr)
    return not problems


def _busy(connection, prefix: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The task each worker is running (its job's first argument), or "idle"."""
    from rq import Queue, Worker

    from housing.jobs import BROADCASTS_QUEUE

    running = []
    for worker in Worker.all(queue=Queue(f"{prefix}{BROADCASTS_QUEUE}", connection=connection)):
        job = worker.get_current_job()
        running.append(str(job.args[0]).rsplit(".", 1)[-1] if job and job.args else "idle")
    return sorted(running)


def _wait(condition, processes, what: str) -> float:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + STALL_SECONDS
    while not condition():
        if any(process.poll() is not None for process in processes):
            raise RuntimeError(f"a worker stopped before {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no sign of {what} in {STALL_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--after", type=float, default=5.0, help="seconds into the broadcast")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if not run(args.count, args.after):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
