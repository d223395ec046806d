"""The draw on a real rq worker and real Redis, in a database of its own (the worker is another
process and only sees committed rows): end to end, and killed with SIGKILL mid-draw."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from housing import create_app, jobs
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery.access import LotteryRefused
from housing.lottery.draw import request_draw
from housing.lottery.models import Lottery, LotteryRun, LotteryStatus
from housing.lottery.self_check import self_check
from housing.lottery.verify import verify_bundle
from tests.conftest import create_postgres_database, drop_postgres_database, make_config
from tests.lottery.synthetic import seed_lottery
from tests.lottery.test_self_check import entrant_facts

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def own_database(tmp_path) -> Iterator[tuple[Flask, str, str]]:  # type: ignore[no-untyped-def]
    name, url = create_postgres_database()
    prefix = f"lottery-{os.getpid()}-{name[-6:]}-"
    app = create_app(make_config(url, tmp_path, redis_url=REDIS_URL, queue_prefix=prefix))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    try:
        yield app, url, prefix
    finally:
        with app.app_context():
            for queue_name in jobs.QUEUES:
                queue = jobs.queue(queue_name)
                if queue is not None:
                    queue.delete(delete_jobs=True)
            db.session.remove()
            db.engine.dispose()
        drop_postgres_database(name)


def worker_environment(url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": prefix,
        "SECRET_KEY": "worker-test",
    }


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended meanwhile
            if int(fields[1]) == pid:
                children.append(int(entry))
    return children


def runs_and_status(app: Flask, lottery_id: int) -> tuple[int, LotteryStatus, dict[str, int]]:
    with app.app_context():
        db.session.remove()
        lottery = db.session.get(Lottery, lottery_id)
        count = db.session.scalar(
            select(func.count()).select_from(LotteryRun).where(LotteryRun.lottery_id == lottery_id)
        )
        return count or 0, lottery.status, dict(lottery.progress or {})


def test_a_real_worker_draws_end_to_end(own_database):
    app, url, prefix = own_database
    with app.app_context():
        lottery_id = seed_lottery(300)
        assert jobs.enqueue("housing.lottery.tasks.run_draw", lottery_id)
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=worker_environment(url, prefix),
        check=True,
        timeout=120,
    )
    count, status, progress = runs_and_status(app, lottery_id)
    assert (count, status) == (1, LotteryStatus.DRAWN)
    assert progress == {"entrants_read": 300, "tickets_computed": 300, "lists_written": 3}
    with app.app_context():
        run = db.session.scalars(select(LotteryRun)).one()
        assert verify_bundle(run.bundle).startswith("OK: listing")
        lottery = db.session.get(Lottery, lottery_id)
        # Counted on a connection of its own while the run was written: the pure check's
        # figures for the same ranking.
        facts = entrant_facts(db.session, lottery.listing_id)
        assert lottery.self_check == self_check(facts, run.bundle["ranking"])  # type: ignore[arg-type]
        assert lottery.self_check["passed"] is True


# Enough entrants that the draw is still running when the worker is killed.
ENTRANTS_KILLED = 40_000


def test_a_worker_killed_mid_draw_leaves_nothing_half_done_and_a_new_worker_draws_once(
    own_database,
):
    app, url, prefix = own_database
    with app.app_context():
        lottery_id = seed_lottery(ENTRANTS_KILLED)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        assert jobs.enqueue("housing.lottery.tasks.run_draw", lottery_id)
    environment = worker_environment(url, prefix)
    worker = subprocess.Popen(
        [sys.executable, "-m", "housing.worker"], cwd=PROJECT_ROOT, env=environment
    )
    try:
        deadline = time.monotonic() + 120
        while runs_and_status(app, lottery_id)[2].get("tickets_computed") is None:
            assert time.monotonic() < deadline, "the worker never got to the draw"
            assert worker.poll() is None, "the worker stopped on its own"
            time.sleep(0.02)
        # rq runs each job in a forked work horse in a process group of its own: kill the
        # horse and the worker together, as when the machine or container dies.
        horses = children_of(worker.pid)
        for pid in [*horses, worker.pid]:
            os.kill(pid, signal.SIGKILL)
        assert horses, "the draw ran in no work horse"
    finally:
        worker.wait(timeout=30)
    count, status, _progress = runs_and_status(app, lottery_id)
    assert (count, status) == (0, LotteryStatus.DRAWING)

    # A new worker finds the draw left half done and finishes it.
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        timeout=300,
    )
    finish = [sys.executable, "-m", "flask", "--app", "wsgi", "lottery", "draw", str(listing_id)]
    again = subprocess.run(
        finish, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 1 and "already been drawn" in again.stderr
    count, status, _progress = runs_and_status(app, lottery_id)
    assert (count, status) == (1, LotteryStatus.DRAWN)
    with app.app_context():
        run = db.session.scalars(select(LotteryRun)).one()
        assert run.bundle["manifest"]["count"] == ENTRANTS_KILLED
        assert verify_bundle(run.bundle).startswith("OK: listing")


def test_two_draw_requests_at_once_start_one_draw(own_database):
    app, _url, _prefix = own_database
    with app.app_context():
        lottery_id = seed_lottery(50)
        lottery = db.session.get(Lottery, lottery_id)
        lottery.status = LotteryStatus.FROZEN  # as before anyone pressed "Start the draw"
        listing_id = lottery.listing_id
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press() -> None:
        with app.app_context():
            barrier.wait()
            try:
                request_draw(db.session, listing_id, None, utcnow())
            except LotteryRefused as refused:
                db.session.rollback()
                outcomes.append(refused.code)
                return
            time.sleep(0.3)  # still holding the row lock when the other request arrives
            db.session.commit()
            outcomes.append("started")

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_drawing", "started"]
    assert runs_and_status(app, lottery_id)[:2] == (0, LotteryStatus.DRAWING)
