"""The erasure job on committed data in a database of its own: run by a real rq worker, killed
midway and run again, and run twice at once (two hosts' timers firing together). Each
application is erased once, each file deleted once, and the activity log counts each
application once."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from housing import jobs
from housing.applications.models import Application, ApplicationDocument
from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing
from housing.privacy import tasks
from tests.conftest import PROJECT_ROOT
from tests.lottery.synthetic import seed_lottery
from tests.lottery.test_worker import own_database, worker_environment

pytestmark = pytest.mark.postgresql_only
__all__ = ["own_database"]  # the fixture, used by name


def closed_long_ago(app: Flask, entrants: int, with_proof: int = 0) -> tuple[int, list[str]]:
    """A listing of ``entrants`` submitted applications (names and emails), the first
    ``with_proof`` of them with a stored proof, its lease-up closed 400 days ago; committed."""
    with app.app_context():
        listing_id = seed_lottery(entrants, until="registered", emails=True)
        storage = app.extensions["storage"]
        keys = []
        for application_id in db.session.scalars(
            select(Application.id).where(Application.listing_id == listing_id).limit(with_proof)
        ):
            key = storage.save(io.BytesIO(b"%PDF-1.4 proof"), suffix=".pdf")
            keys.append(key)
            db.session.add(
                ApplicationDocument(
                    public_id=key[:32],
                    listing_id=listing_id,
                    application_id=application_id,
                    original_filename="proof.pdf",
                    storage_key=key,
                    content_type="application/pdf",
                    byte_size=14,
                )
            )
        db.session.get(Listing, listing_id).lease_up_closed_at = utcnow() - timedelta(days=400)
        db.session.commit()
        return listing_id, keys


def counts(app: Flask, listing_id: int) -> tuple[int, int, int]:
    """Applications erased, the applications the activity log says were erased, proof rows."""
    with app.app_context():
        session = db.session
        erased = session.scalar(
            select(func.count(Application.id)).where(
                Application.listing_id == listing_id, Application.erased_at.is_not(None)
            )
        )
        logged = sum(
            detail["applications"]
            for detail in session.scalars(
                select(ActivityEntry.detail).where(ActivityEntry.action == "privacy.erased")
            )
        )
        documents = session.scalar(select(func.count(ApplicationDocument.id)))
        session.remove()
        return erased or 0, logged, documents or 0


def environment(url: str, prefix: str, storage: Path) -> dict[str, str]:
    return {**worker_environment(url, prefix), "STORAGE_FOLDER": str(storage)}


def test_a_real_worker_runs_the_erasure_job(own_database, tmp_path):
    app, url, prefix = own_database
    listing_id, keys = closed_long_ago(app, 200, with_proof=20)
    with app.app_context():
        assert jobs.enqueue("housing.privacy.tasks.erase_due")  # on the queue, not run here
    assert counts(app, listing_id) == (0, 0, 20)
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env=environment(url, prefix, tmp_path),
        check=True,
        timeout=120,
    )
    assert counts(app, listing_id) == (200, 200, 0)
    assert not any(app.extensions["storage"]._path(key).exists() for key in keys)


# Enough applications that the run is still erasing when it is killed.
ENTRANTS_KILLED = 5_000


def test_a_run_killed_midway_is_finished_by_the_next_and_erases_nothing_twice(
    own_database, tmp_path
):
    app, url, prefix = own_database
    listing_id, _keys = closed_long_ago(app, ENTRANTS_KILLED)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "privacy", "erase"]
    env = environment(url, prefix, tmp_path)
    run = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while counts(app, listing_id)[0] == 0:
            assert time.monotonic() < deadline, "the run never erased anything"
            assert run.poll() is None, "the run stopped on its own"
            time.sleep(0.02)
        os.kill(run.pid, signal.SIGKILL)  # as when the machine or container dies
    finally:
        run.wait(timeout=30)
    erased, logged, _documents = counts(app, listing_id)
    assert 0 < erased < ENTRANTS_KILLED
    assert logged == erased  # each batch and its log entry, committed together or not at all

    again = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert f"erased the personal data of {ENTRANTS_KILLED - erased} application(s)" in (
        again.stdout
    )
    assert counts(app, listing_id) == (ENTRANTS_KILLED, ENTRANTS_KILLED, 0)


def test_two_runs_at_once_erase_each_application_once(own_database, monkeypatch):
    app, _url, _prefix = own_database
    listing_id, keys = closed_long_ago(app, 300, with_proof=60)
    monkeypatch.setattr(tasks, "ERASE_BATCH", 7)  # many small batches, so the runs interleave
    monkeypatch.setattr(tasks, "FILE_BATCH", 3)
    start = threading.Barrier(2)
    results: list[tasks.Erasure] = []
    failures: list[BaseException] = []

    def one_run() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(tasks.erase_due())
                db.session.remove()
        except BaseException as failure:  # reported by the assertion below
            failures.append(failure)

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    assert failures == []
    assert sum(result.total for result in results) == 300
    assert sum(result.files for result in results) == 60
    assert counts(app, listing_id) == (300, 300, 0)
    assert not any(app.extensions["storage"]._path(key).exists() for key in keys)
