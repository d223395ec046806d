"""Results published to every entrant by email: a real rq worker delivers the broadcast to a
local SMTP sink. Messages per second, and the peak memory of the worker.

For each number of workers, a throwaway PostgreSQL database gets ``count`` submitted
applications, each with an email address (``seed_lottery(count, emails=True)``); the lottery is
drawn in-process and its results published, which writes one broadcast. The first step of its
lane is put on Redis (a queue prefix of its own), then the workers (``python -m housing.worker``,
each forking a work horse per job) write the messages a chunk at a time and deliver them, a step
per SMTP connection, to an aiosmtpd sink in a process of its own that only counts what it
receives. Workers that take every queue run one lane fewer than there are of them (at least
one), so that one stays free for other kinds of job: with two, one delivers the broadcast.

While the broadcast runs (once the sink has a quarter of it), one resident submits an
application to another listing, as in a deadline rush: the benchmark prints how many seconds
its confirmation took to reach the sink after the submission was answered.

The workers run without ``--burst``: in burst mode a second worker that finds the queue empty
(the first has taken the broadcast's only job) leaves at once, so two workers would be one. The
benchmark stops them (SIGTERM, rq's warm shutdown) once the sink has every message and no job
is left. Peak memory is read from /proc every 50 ms for each worker and each of its work horses
(VmHWM, which for a horse includes the pages it shares with the worker it was forked from). It
prints each worker's peak after the broadcast and the largest peak of its horses, and the
largest peak of the horses that ran each task (the job a horse runs is read from its worker's
record on Redis); the figure held against the issue's 300 MB is the largest single process.

    .venv/bin/python bench/notifications.py [--count 100000] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import ROOT, bench_app, free_port, machine, postgres_database

REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
SECRET = "bench"  # noqa: S105 - a throwaway benchmark database
POLL_SECONDS = 0.05
# Give up when the sink has received nothing new for this long.
STALL_SECONDS = 120.0
# The confirmation of the application submitted during the broadcast goes to this address
# (``harness.application_for(RUSH_TAG)``); the sink notes when it arrives.
RUSH_TAG = "rush"
RUSH_ADDRESS = f"r{RUSH_TAG}@example.org"


def _mail(port: int):  # type: ignore[no-untyped-def]
    from housing.config import MailConfig

    return MailConfig(host="127.0.0.1", port=port)


# The sink ------------------------------------------------------------------------------------


def sink_main(port: int) -> None:
    """An SMTP server that counts messages and connections, and notes when the first message
    to RUSH_ADDRESS came; nothing else. Prints "ready", then answers each line read on stdin
    with its counts as JSON; stops at the end of stdin."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class Counter:
        messages = 0
        connections = 0
        first: float | None = None
        last: float | None = None
        rush: float | None = None

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            now = time.time()
            if self.first is None:
                self.first = now
            if self.rush is None and RUSH_ADDRESS in envelope.rcpt_tos:
                self.rush = now
            self.last = now
            self.messages += 1
            # Counted on its first message, so the controller's own start-up probe is not.
            if not getattr(session, "counted", False):
                session.counted = True
                self.connections += 1
            return "250 OK"

    counter = Counter()

    class Sink(Controller):
        def factory(self) -> SMTP:
            return SMTP(self.handler, hostname="sink.invalid")

    controller = Sink(counter, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        for _line in sys.stdin:
            stats = {
                "messages": counter.messages,
                "connections": counter.connections,
                "first": counter.first,
                "last": counter.last,
                "rush": counter.rush,
            }
            print(json.dumps(stats), flush=True)
    finally:
        controller.stop()


class SinkProcess:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def stats(self) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))


@contextmanager
def smtp_sink(port: int) -> Iterator[SinkProcess]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        yield SinkProcess(process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Memory of the workers and their horses ------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return values


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of the children it has waited for (a worker's horses)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


@dataclass
class MemoryWatch:
    """Every 50 ms, the VmHWM of each worker and of every process under it (its work horses)."""

    workers: list[int]
    # With a Redis connection, the job each work horse was running is noted (rq keeps each
    # worker's current job in its record).
    connection: Any = None
    peak_kb: dict[int, int] = field(default_factory=dict)
    resident_kb: dict[int, int] = field(default_factory=dict)
    # Each process under a worker, and the worker it belongs to.
    worker_of: dict[int, int] = field(default_factory=dict)
    # The task each horse ran (its job's first argument: the path ``housing.worker.run`` calls).
    task_of: dict[int, str] = field(default_factory=dict)
    _records: dict[int, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemoryWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(POLL_SECONDS)

    def sample(self) -> None:
        pending = [(pid, pid) for pid in self.workers]
        while pending:
            pid, worker = pending.pop()
            status = _status(pid)
            if status:
                resident = status.get("VmRSS", 0)
                self.resident_kb[pid] = max(self.resident_kb.get(pid, 0), resident)
                peak = max(status.get("VmHWM", 0), resident)
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), peak)
                if pid != worker:
                    self.worker_of[pid] = worker
            children = _children(pid)
            pending += [(child, worker) for child in children]
            if pid == worker and children and self.connection is not None:
                self._note_tasks(worker, children)

    def _note_tasks(self, worker: int, horses: list[int]) -> None:
        from rq.job import Job

        unnamed = [horse for horse in horses if horse not in self.task_of]
        if not unnamed:
            return
        try:
            if worker not in self._records:
                for key in self.connection.scan_iter(match="rq:worker:*"):
                    pid = self.connection.hget(key, "pid")
                    if pid is not None:
                        self._records[int(pid)] = key.decode()
            record = self._records.get(worker)
            job_id = record and self.connection.hget(record, "current_job")
            if not job_id:
                return
            job = Job.fetch(job_id.decode(), connection=self.connection)
            task = str(job.args[0]) if job.args else job.func_name
        except Exception:
            return  # a job gone between two reads names no horse
        for horse in unnamed:
            self.task_of[horse] = task.rsplit(".", 1)[-1]

    def per_worker(self) -> list[tuple[int, float, float, int]]:
        """For each worker: its pid, its own peak (MB), its largest horse's peak, its horses."""
        rows = []
        for worker in self.workers:
            horses = [pid for pid, owner in self.worker_of.items() if owner == worker]
            horse_kb = max((self.peak_kb.get(pid, 0) for pid in horses), default=0)
            rows.append((worker, self.peak_kb.get(worker, 0) / 1024, horse_kb / 1024, len(horses)))
        return rows

    def worker_mb(self, resident: bool = False) -> float:
        values = self.resident_kb if resident else self.peak_kb
        return max((values.get(pid, 0) for pid in self.workers), default=0) / 1024

    def horses(self) -> list[int]:
        return [pid for pid in self.peak_kb if pid not in self.workers]

    def horse_mb(self) -> float:
        return max((self.peak_kb[pid] for pid in self.horses()), default=0) / 1024

    def peak_by_task(self) -> dict[str, float]:
        """The largest peak (MB) of the horses that ran each task."""
        peaks: dict[str, float] = {}
        for pid in self.horses():
            task = self.task_of.get(pid, "(not seen)")
            peaks[task] = max(peaks.get(task, 0.0), self.peak_kb[pid] / 1024)
        return peaks


# One run -------------------------------------------------------------------------------------


def _redis_cleanup(connection: Any, prefix: str) -> None:
    """Delete every key of this run: its queues, registries and workers, and its jobs."""
    from rq.job import Job

    job_ids: set[str] = set()
    keys = list(connection.scan_iter(match=f"*{prefix}*"))
    for key in keys:
        kind = connection.type(key)
        if kind == b"list":
            job_ids.update(item.decode() for item in connection.lrange(key, 0, -1))
        elif kind == b"zset":
            for member in connection.zrange(key, 0, -1):
                job_ids.add(member.decode().split(":", 1)[0])
    for job_id in job_ids:
        connection.delete(Job.key_for(job_id), f"rq:results:{job_id}")
    # A stopped worker's record outlives it by a minute; it names the queues it served.
    keys += [
        key
        for key in connection.scan_iter(match="rq:worker:*")
        if prefix in (connection.hget(key, "queues") or b"").decode()
    ]
    if keys:
        connection.delete(*keys)
    for queue_key in connection.smembers("rq:queues"):
        if prefix in queue_key.decode():
            connection.srem("rq:queues", queue_key)
    left = list(connection.scan_iter(match=f"*{prefix}*"))
    if left:
        raise RuntimeError(f"Redis keys left behind: {left[:5]}")


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def one_run(count: int, workers: int) -> bool:
    """Seed, draw, publish, deliver with ``workers`` workers; print the figures. True when
    every message arrived once and every row is sent."""
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
        from rq.registry import FailedJobRegistry
        from sqlalchemy import func, select

        from housing import jobs
        from housing.db_types import utcnow
        from housing.extensions import db
        from housing.lottery.models import Lottery
        from housing.lottery.publish import publish
        from housing.lottery.tasks import run_draw
        from housing.notifications.models import Broadcast, OutboundMessage
        from housing.notifications.tasks import send_after_commit
        from tests.load import harness
        from tests.lottery.synthetic import seed_lottery

        with app.app_context():
            connection = jobs.redis_connection()
            assert connection is not None
            try:
                upgrade(directory=str(ROOT / "migrations"))
                started = time.perf_counter()
                lottery_id = seed_lottery(count, emails=True)
                seeded = time.perf_counter()
                run_draw(lottery_id)
                drawn = time.perf_counter()
                listing_id = db.session.get(Lottery, lottery_id).listing_id
                db.session.commit()
                before_publish = time.perf_counter()
                publish(db.session, listing_id, None, utcnow())
                db.session.commit()
                published = time.perf_counter()
                send_after_commit()
                # Publishing queues the first step of the broadcast's lane.
                queue = jobs.queue(jobs.BROADCASTS_QUEUE)
                assert queue is not None
                first_jobs = queue.job_ids
                print(
                    f"{count:,} entrants, {workers} worker{'s' if workers > 1 else ''}: "
                    f"seeded {seeded - started:.1f} s, drawn {drawn - seeded:.1f} s, "
                    f"published {published - before_publish:.2f} s (writes one broadcast; "
                    f"{len(first_jobs)} job queued)",
                    flush=True,
                )
                rush_listing = harness.create_listing(url)
                db.session.remove()
                db.engine.dispose()

                def submit_rush() -> Rush:
                    """One application, as in a deadline rush; its confirmation is delivered by
                    the workers busy with the broadcast."""
                    started = time.time()
                    response = app.test_client().post(
                        f"/api/v1/listings/{rush_listing}/applications",
                        json=harness.application_for(RUSH_TAG),
                    )
                    if response.status_code != 201:
                        raise RuntimeError(f"the rush submission got {response.status_code}")
                    return Rush(started=started, answered=time.time())

                delivery = deliver(
                    url, folder, prefix, port, workers, count, sink, connection, submit_rush
                )
                failed = [
                    job_id
                    for name in jobs.QUEUES
                    for job_id in FailedJobRegistry(
                        queue=jobs.queue(name)  # type: ignore[arg-type]
                    ).get_job_ids()
                ]

                broadcast = db.session.scalars(select(Broadcast)).one()
                states = dict(
                    db.session.execute(
                        select(OutboundMessage.state, func.count()).group_by(OutboundMessage.state)
                    ).all()
                )
                db.session.remove()
                db.engine.dispose()
            finally:
                _redis_cleanup(connection, prefix)
        return report(count, workers, delivery, broadcast, states, failed)


@dataclass(frozen=True)
class Rush:
    started: float
    answered: float
    # How many messages the sink had received when it was submitted.
    into_broadcast: int = 0


@dataclass
class Delivery:
    taken: datetime | None
    rush: Rush | None
    sink: dict[str, Any]
    cpu: dict[str, float]
    load: tuple[str, str]
    worker_mb: float
    worker_resident_mb: float
    horse_mb: float
    per_worker: list[tuple[int, float, float, int]]
    peak_by_task: dict[str, float]
    horses_seen: int
    jobs_done: int
    stalled: bool
    exit_codes: list[int | None]
    log: str
    # Seconds the workers spent in each task, and how many jobs of it ran (from their log).
    busy: dict[str, tuple[float, int]] = field(default_factory=dict)


def task_seconds(log: str) -> dict[str, tuple[float, int]]:
    """The seconds of every finished job of each task, and their number, from the lines
    ``job finished ... job=<task> duration_ms=<ms>`` that the workers log."""
    totals: dict[str, tuple[float, int]] = {}
    for line in log.splitlines():
        if "job finished" not in line:
            continue
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        task = fields.get("job", "?").rsplit(".", 1)[-1]
        try:
            seconds = float(fields.get("duration_ms", "nan")) / 1000
        except ValueError:
            continue
        spent, jobs = totals.get(task, (0.0, 0))
        totals[task] = (spent + seconds, jobs + 1)
    return totals


def deliver(
    url: str,
    folder: str,
    prefix: str,
    port: int,
    workers: int,
    count: int,
    sink: SinkProcess,
    connection: Any,
    submit_rush: Callable[[], Rush],
) -> Delivery:
    """Start the workers, submit one application once the sink has a quarter of the broadcast,
    wait until the sink has every message and the queue is done, stop them."""
    from rq import Queue, Worker
    from rq.job import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": prefix,
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(port),
        "SECRET_KEY": SECRET,
        "HOUSING_INSTANCE_FOLDER": folder,
    }
    from housing.jobs import BROADCASTS_QUEUE, QUEUES

    queue = Queue(f"{prefix}{BROADCASTS_QUEUE}", connection=connection)
    every_queue = [Queue(f"{prefix}{name}", connection=connection) for name in QUEUES]
    first_job = queue.job_ids[0]
    log_path = Path(folder) / "workers.log"
    taken: datetime | None = None
    rush: Rush | None = None
    stalled = False
    sink_pid = sink.process.pid
    load_before = _load()
    sink_before = _cpu_seconds(sink_pid)
    with log_path.open("w") as log:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "housing.worker"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for _ in range(workers)
        ]
        try:
            with MemoryWatch([process.pid for process in processes], connection) as watch:
                last_count, last_change = -1, time.monotonic()
                while True:
                    time.sleep(0.2)
                    if taken is None:
                        taken = Job.fetch(first_job, connection=connection).started_at
                    stats = sink.stats()
                    if stats["messages"] != last_count:
                        last_count, last_change = stats["messages"], time.monotonic()
                    idle = taken is not None and all(
                        q.count == 0 and StartedJobRegistry(queue=q).count == 0 for q in every_queue
                    )
                    if rush is None and stats["messages"] >= count // 4:
                        rush = replace(submit_rush(), into_broadcast=stats["messages"])
                    if rush is not None and stats["messages"] >= count + 1 and idle:
                        break
                    if any(FailedJobRegistry(queue=q).count for q in every_queue) or any(
                        process.poll() is not None for process in processes
                    ):
                        break
                    if time.monotonic() - last_change > STALL_SECONDS:
                        stalled = True
                        break
                watch.sample()
                cpu = {
                    "workers and their horses": sum(_cpu_seconds(p.pid) for p in processes),
                    "SMTP sink": _cpu_seconds(sink_pid) - sink_before,
                }
                load_after = _load()
                # The finished-job registry forgets a job after its result TTL; the workers
                # count theirs.
                jobs_done = sum(w.successful_job_count for w in Worker.all(queue=queue))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            codes = []
            for process in processes:
                try:
                    codes.append(process.wait(timeout=60))
                except subprocess.TimeoutExpired:
                    process.kill()
                    codes.append(process.wait())
    return Delivery(
        taken=taken,
        rush=rush,
        sink=sink.stats(),
        cpu=cpu,
        load=(load_before, load_after),
        worker_mb=watch.worker_mb(),
        worker_resident_mb=watch.worker_mb(resident=True),
        horse_mb=watch.horse_mb(),
        per_worker=watch.per_worker(),
        peak_by_task=watch.peak_by_task(),
        horses_seen=len(watch.horses()),
        jobs_done=jobs_done,
        stalled=stalled,
        exit_codes=codes,
        log=log_path.read_text()[-3000:],
        busy=task_seconds(log_path.read_text()),
    )


def report(  # type: ignore[no-untyped-def]
    count: int, workers: int, delivery: Delivery, broadcast, states, failed
) -> bool:
    sink = delivery.sink
    last = _at(sink["last"]) if sink["last"] else None
    wall = (last - delivery.taken).total_seconds() if last and delivery.taken else float("nan")
    span = sink["last"] - sink["first"] if sink["first"] else float("nan")
    write_seconds = (
        (broadcast.finished_at - broadcast.created_at).total_seconds()
        if broadcast.finished_at
        else float("nan")
    )
    job_seconds = (
        (broadcast.finished_at - delivery.taken).total_seconds()
        if broadcast.finished_at and delivery.taken
        else float("nan")
    )
    # The broadcast's messages, without the rush's confirmation.
    received = sink["messages"] - (1 if sink["rush"] else 0)
    peak = max(delivery.worker_mb, delivery.horse_mb)
    cpu = ", ".join(
        f"{name} {seconds / max(received, 1) * 1000:.2f} ms"
        for name, seconds in delivery.cpu.items()
    )
    states_text = ", ".join(f"{state.value} {n:,}" for state, n in sorted(states.items()))
    lines = [
        f"delivered {received:,} of {count:,} in {wall:.1f} s from the first job taken to the "
        f"last message received: {received / wall:,.0f} messages/s "
        f"({received / span if span else 0:,.0f}/s from the first message received to the last)",
        f"broadcast rows written ({broadcast.written:,}): {write_seconds:.1f} s from "
        f"Broadcast.created_at to finished_at, {job_seconds:.1f} s of it in its job",
        f"peak memory of a worker {peak:.0f} MB, the largest VmHWM of any one process "
        f"(target: under 300 MB): the workers {delivery.worker_mb:.0f} MB (resident at most "
        f"{delivery.worker_resident_mb:.0f} MB while watched), their largest work horse "
        f"{delivery.horse_mb:.0f} MB; {delivery.horses_seen} horses seen for "
        f"{delivery.jobs_done} jobs finished",
        *(
            f"  worker {number} (pid {pid}): peak resident {own:.0f} MB after the broadcast; "
            f"its {horses} work horses peaked at {horse:.0f} MB at most"
            for number, (pid, own, horse, horses) in enumerate(delivery.per_worker, start=1)
        ),
        "  the largest peak of the horses that ran each task: "
        + ", ".join(
            f"{task} {mb:.0f} MB"
            for task, mb in sorted(delivery.peak_by_task.items(), key=lambda item: -item[1])
        ),
        "time the workers spent in each task: "
        + ", ".join(
            f"{task} {seconds:.1f} s ({jobs} jobs)"
            for task, (seconds, jobs) in sorted(delivery.busy.items(), key=lambda item: -item[1][0])
        ),
        rush_line(delivery.rush, sink),
        f"SMTP connections the sink saw: {sink['connections']}",
        f"CPU per message: {cpu}; load average {delivery.load[0]} before, {delivery.load[1]} after",
        f"outbox states: {states_text}",
    ]
    print("\n".join(f"    {line}" for line in lines), flush=True)
    problems = []
    if sink["messages"] != count + 1:
        problems.append(f"the sink received {sink['messages']:,} messages, not {count + 1:,}")
    if sink["rush"] is None:
        problems.append("the rush's confirmation never arrived")
    sent = sum(n for state, n in states.items() if state.value == "sent")
    if sent != count + 1 or sum(states.values()) != count + 1:
        problems.append(f"not every message is sent: {states}")
    if broadcast.finished_at is None:
        problems.append("the broadcast is not finished")
    if failed:
        problems.append(f"failed jobs: {failed[:5]}")
    if delivery.stalled:
        problems.append(f"no message arrived for {STALL_SECONDS:.0f} s")
    if any(code != 0 for code in delivery.exit_codes):
        problems.append(f"worker exit codes {delivery.exit_codes}")
    for problem in problems:
        print(f"    FAILED: {problem}", file=sys.stderr)
    if problems:
        print(f"    end of the workers' log:\n{delivery.log}", file=sys.stderr)
    return not problems


def rush_line(rush: Rush | None, sink: dict[str, Any]) -> str:
    if rush is None:
        return "rush confirmation: not submitted"
    arrived = (
        f"reached the sink {sink['rush'] - rush.answered:.2f} s after the answer"
        if sink["rush"]
        else "never reached the sink"
    )
    return (
        f"rush confirmation: submitted when the sink had {rush.into_broadcast:,} messages of the "
        f"broadcast, answered in {rush.answered - rush.started:.2f} s, {arrived}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink_main(args.sink)
        return
    print(f"machine: {machine()}", flush=True)
    ok = True
    for workers in args.workers:
        ok = one_run(args.count, workers) and ok
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
