"""The rq worker: ``python -m housing.worker [--burst] [--queues mail,exports]``.

It builds the application once, keeps its context for every job, and gives each job a fresh
database session. It takes its queues in the order of ``jobs.QUEUES`` (all of them unless
``--queues`` names some), so a worker free for a moment takes a confirmation before an export
and an export before a broadcast's next step. Its scheduler also runs the periodic jobs
(``PERIODIC``), whichever worker taking the default queue is free when one is due; where no
worker runs, ``housing periodic`` runs them from a timer.
"""

from __future__ import annotations

import argparse

from rq import Worker, get_current_job

from housing import create_app, jobs
from housing.extensions import db
from housing.lottery.tasks import resume_draws
from housing.ops.logging import job_logged

# Jobs every worker keeps running, with their period in seconds (on the default queue).
PERIODIC = {
    # What Redis or a dead worker lost: messages, broadcasts, exports; and deadline reminders.
    "housing.notifications.tasks.sweep": 5 * 60,
    # Draws and corrections a dead worker left unfinished.
    "housing.lottery.tasks.resume_stalled": 5 * 60,
    "housing.applications.tasks.expire_uploads": 60 * 60,
    "housing.privacy.tasks.erase_due": 24 * 60 * 60,
    "housing.alerts.tasks.announce_openings": 5 * 60,
    "housing.alerts.tasks.erase_unconfirmed": 60 * 60,
}


def run(path: str, *args: object) -> None:
    """What every queued job actually calls: the named task, then a clean session. Its start,
    end and failure are logged with the job's id."""
    job = get_current_job()
    try:
        with job_logged(job.id if job is not None else "", path):
            jobs.resolve(path)(*args)
    finally:
        db.session.remove()


def run_periodic(path: str, seconds: int) -> None:
    """A run of a periodic job: the next one is scheduled first, so that this one failing or
    being killed does not end the series."""
    jobs.every(path, seconds)
    run(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument(
        "--queues",
        default=None,
        help=f"the kinds of job to take, comma-separated, among {','.join(jobs.QUEUES)} "
        "(default: all, in that order)",
    )
    options = parser.parse_args(argv)
    try:
        names = jobs.queue_names(options.queues)
    except ValueError as error:
        parser.error(str(error))
    with create_app().app_context():
        work(burst=options.burst, queues=names)


def work(*, burst: bool = False, queues: tuple[str, ...] = jobs.QUEUES) -> None:
    """Work ``queues`` (in the order of ``jobs.QUEUES``) with the current application
    (``housing worker`` calls it too)."""
    connection = jobs.redis_connection()
    if connection is None:
        raise SystemExit("REDIS_URL is not set: jobs run in-process, no worker is needed")
    # A worker that was killed may have left a draw half done: finish it now.
    resume_draws()
    for path, seconds in PERIODIC.items():
        jobs.every(path, seconds)
    # Each job runs in a forked work horse: none may inherit this process's connection,
    # or they would all share one database session.
    db.session.remove()
    db.engine.dispose()
    taken = [jobs.queue(name) for name in jobs.queue_names(",".join(queues))]
    # The scheduler puts the periodic jobs on the queue when they are due.
    Worker([q for q in taken if q is not None], connection=connection).work(
        burst=burst, with_scheduler=True
    )


if __name__ == "__main__":
    main()
