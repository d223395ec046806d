"""Leave Redis as the test found it."""

from __future__ import annotations

from rq import Queue


def empty(queue: Queue) -> None:
    """The queue's waiting, finished and failed jobs, jobs and all."""
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
