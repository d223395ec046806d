"""Uploads no application will claim are removed after a day, rows first and then their files,
by a command and by the worker on its own; a run can be repeated, and neither a crash midway nor
a submission claiming a file at the same moment loses a claimed file or leaves one behind."""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from housing import create_app, jobs, worker
from housing.applications import expiry, services
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationDocument,
    ApplicationStatus,
    FileDeletion,
)
from housing.config import PROJECT_ROOT, Config
from housing.db_types import utcnow
from housing.extensions import db
from housing.storage import Storage, StorageError
from tests import factories
from tests.applications.helpers import open_listing, valid_answers
from tests.conftest import create_postgres_database, drop_postgres_database, make_config
from tests.lottery.test_worker import own_database, worker_environment
from tests.upload_files import proof_pdf

DAY = timedelta(days=1)
EXPIRY = "housing.applications.tasks.expire_uploads"
__all__ = ["own_database"]  # the fixture, used by name


def stored_upload(session: Session, storage, listing_id: int, *, age: timedelta, **fields):  # type: ignore[no-untyped-def]
    document = ApplicationDocument(
        public_id=secrets.token_hex(16),
        listing_id=listing_id,
        original_filename="proof.pdf",
        storage_key=storage.save(io.BytesIO(proof_pdf()), suffix=".pdf"),
        content_type="application/pdf",
        byte_size=len(proof_pdf()),
        created_at=utcnow() - age,
        **fields,
    )
    session.add(document)
    session.flush()
    return document


def application(session: Session, listing, status: ApplicationStatus, **fields):  # type: ignore[no-untyped-def]
    made = Application(
        public_id=services.new_public_id(),
        listing_id=listing.id,
        status=status,
        channel=ApplicationChannel.ONLINE,
        **({"answers": valid_answers()} | fields),
    )
    session.add(made)
    session.flush()
    return made


def is_stored(storage, key: str) -> bool:
    try:
        storage.open(key).close()
    except StorageError:
        return False
    return True


def test_the_command_removes_old_unclaimed_uploads_and_their_files_and_can_run_again(
    runner, db_session, storage
):
    listing = open_listing()
    closed = open_listing(closed=True)
    submitted = application(db_session, listing, ApplicationStatus.SUBMITTED)
    live_draft = application(db_session, listing, ApplicationStatus.DRAFT)
    dead_draft = application(db_session, closed, ApplicationStatus.DRAFT)
    old_orphan = stored_upload(db_session, storage, listing.id, age=2 * DAY)
    fresh_orphan = stored_upload(db_session, storage, listing.id, age=DAY / 2)
    claimed = stored_upload(
        db_session, storage, listing.id, age=9 * DAY, application_id=submitted.id
    )
    drafted = stored_upload(
        db_session, storage, listing.id, age=9 * DAY, application_id=live_draft.id
    )
    abandoned = stored_upload(
        db_session, storage, closed.id, age=9 * DAY, application_id=dead_draft.id
    )
    kept = {fresh_orphan.storage_key, claimed.storage_key, drafted.storage_key}
    gone = {old_orphan.storage_key, abandoned.storage_key}

    result = runner.invoke(args=["uploads", "expire"])

    assert result.exit_code == 0, result.output
    assert "2 unclaimed upload(s) removed" in result.output
    db_session.expire_all()
    assert set(db_session.scalars(select(ApplicationDocument.storage_key))) == kept
    assert {key for key in kept | gone if is_stored(storage, key)} == kept
    assert db_session.scalars(select(FileDeletion)).all() == []

    again = runner.invoke(args=["uploads", "expire"])
    assert again.exit_code == 0, again.output
    assert "0 unclaimed upload(s) removed" in again.output
    assert {key for key in kept if is_stored(storage, key)} == kept


def test_a_file_whose_row_went_before_a_crash_is_removed_by_the_next_run(db_session, storage):
    key = storage.save(io.BytesIO(proof_pdf()), suffix=".pdf")
    # What a run that died between its commit and deleting the bytes leaves behind.
    db_session.add(FileDeletion(storage_key=key))
    db_session.flush()

    assert expiry.expire_uploads(db_session, storage, utcnow(), DAY) == 0

    assert not is_stored(storage, key)
    assert db_session.scalars(select(FileDeletion)).all() == []


def test_the_age_is_configured_in_hours():
    environment = {"SECRET_KEY": "x", "UPLOAD_EXPIRY_HOURS": "6"}
    assert Config.from_env(environment).upload_expiry == timedelta(hours=6)
    assert Config.from_env({"SECRET_KEY": "x"}).upload_expiry == DAY


@dataclass
class CommittedDatabase:
    """A database of the test's own, where what the test commits is seen by other sessions."""

    app: Flask
    session: Session

    @property
    def storage(self) -> Storage:
        storage: Storage = self.app.extensions["storage"]
        return storage

    @contextmanager
    def other_session(self) -> Iterator[Session]:
        """A session on a connection of its own, with the application's context, in any thread."""
        with self.app.app_context(), Session(db.engine) as session:
            yield session

    def reload(self, model: Any, object_id: int) -> Any:
        with self.other_session() as session:
            return session.get(model, object_id)


@pytest.fixture
def committed(tmp_path) -> Iterator[CommittedDatabase]:  # type: ignore[no-untyped-def]
    name, url = create_postgres_database()
    app = create_app(make_config(url, tmp_path))
    try:
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            session = Session(db.engine)
            factories.use_session(session)
            try:
                yield CommittedDatabase(app, session)
            finally:
                factories.use_session(None)
                session.close()
                db.session.remove()
                db.engine.dispose()
    finally:
        drop_postgres_database(name)


def listing_with_proof_preference(session: Session):  # type: ignore[no-untyped-def]
    listing = open_listing()
    preference = factories.PreferenceFactory(code="COP", proof_types=["Certificate"])
    factories.ListingPreferenceFactory(listing=listing, preference=preference)
    session.flush()
    return listing


def draft_claiming(session: Session, listing, document: ApplicationDocument) -> Application:  # type: ignore[no-untyped-def]
    claim = {"claimed": True, "member": 0, "proof_type": "Certificate"}
    answers = valid_answers(preferences={"COP": claim | {"document": document.public_id}})
    return application(session, listing, ApplicationStatus.DRAFT, answers=answers)


@pytest.mark.postgresql_only
def test_a_submission_claiming_a_file_as_it_expires_keeps_it(committed):
    """The submission holds the file's row: the expiry passes it by."""
    listing = listing_with_proof_preference(committed.session)
    document = stored_upload(committed.session, committed.storage, listing.id, age=2 * DAY)
    draft = draft_claiming(committed.session, listing, document)
    committed.session.commit()

    with committed.other_session() as submitting:
        submission = services.submit_application(submitting, draft.public_id, utcnow())
        assert submission.application.status is ApplicationStatus.SUBMITTED
        with committed.other_session() as expiring:
            # A run that waited for the submission's row would wait here for good.
            expiring.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert expiry.expire_uploads(expiring, committed.storage, utcnow(), DAY) == 0
        submitting.commit()

    kept = committed.reload(ApplicationDocument, document.id)
    assert kept is not None and kept.application_id == draft.id
    assert is_stored(committed.storage, document.storage_key)


@pytest.mark.postgresql_only
def test_a_submission_arriving_as_a_file_expires_is_told_the_file_is_gone(committed):
    """The expiry holds the row: the submission waits, then finds no file and says so."""
    listing = listing_with_proof_preference(committed.session)
    document = stored_upload(committed.session, committed.storage, listing.id, age=2 * DAY)
    draft = draft_claiming(committed.session, listing, document)
    committed.session.commit()
    refusals: list[services.ApplicationRefused] = []

    def submit() -> None:
        with committed.other_session() as submitting:
            try:
                services.submit_application(submitting, draft.public_id, utcnow())
            except services.ApplicationRefused as refused:
                refusals.append(refused)

    with committed.other_session() as expiring:
        keys = expiry.take_expired(expiring, utcnow(), DAY)
        assert keys == [document.storage_key]
        submitter = threading.Thread(target=submit)
        submitter.start()
        submitter.join(timeout=1)
        assert submitter.is_alive()  # waiting for the expiry's lock on the row
        expiring.commit()
        submitter.join(timeout=10)
        expiry.delete_files(expiring, committed.storage)

    [refused] = refusals
    assert ("preferences.COP.document", "unknown_document") in {
        (problem.field, problem.code) for problem in refused.problems
    }
    assert committed.reload(ApplicationDocument, document.id) is None
    assert not is_stored(committed.storage, document.storage_key)


@pytest.fixture
def worker_database(own_database) -> Iterator[tuple[Flask, str, str]]:  # type: ignore[no-untyped-def]
    """``own_database``, and rq's schedule emptied afterwards."""
    yield own_database
    app = own_database[0]
    with app.app_context():
        queue = jobs.queue()
        assert queue is not None
        for job_id in queue.scheduled_job_registry.get_job_ids():
            queue.scheduled_job_registry.remove(job_id, delete_job=True)


def scheduled_expiries(app: Flask) -> list[tuple[object, ...]]:
    """The arguments of each run of the expiry waiting in rq's schedule."""
    with app.app_context():
        queue = jobs.queue()
        assert queue is not None
        runs = [
            tuple(queue.fetch_job(job_id).args)  # type: ignore[union-attr]
            for job_id in queue.scheduled_job_registry.get_job_ids()
        ]
    return sorted((run for run in runs if run[0] == EXPIRY), key=str)


@pytest.mark.postgresql_only
def test_workers_schedule_the_expiry_once_however_many_start(worker_database):
    app, url, prefix = worker_database
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-m", "housing.worker", "--burst"],
            cwd=PROJECT_ROOT,
            env=worker_environment(url, prefix),
            check=True,
            timeout=120,
        )
    assert scheduled_expiries(app) == [(EXPIRY, worker.PERIODIC[EXPIRY])]


@pytest.mark.postgresql_only
def test_a_worker_runs_a_periodic_job_when_it_is_due_and_schedules_the_next(worker_database):
    app, url, prefix = worker_database
    with app.app_context():
        factories.use_session(db.session)
        try:
            listing = open_listing()
            document = stored_upload(db.session, app.extensions["storage"], listing.id, age=2 * DAY)
            document_id, key = document.id, document.storage_key
            db.session.commit()
        finally:
            factories.use_session(None)
        assert jobs.every(EXPIRY, 1)
    time.sleep(2)  # the run's period has begun

    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env={
            **worker_environment(url, prefix),
            "STORAGE_FOLDER": str(app.extensions["storage"].root),
        },
        check=True,
        timeout=120,
    )

    with app.app_context():
        db.session.remove()
        assert db.session.get(ApplicationDocument, document_id) is None
        assert not is_stored(app.extensions["storage"], key)
    # The run scheduled its successor; the worker, as it started, the hourly run.
    assert scheduled_expiries(app) == [(EXPIRY, 1), (EXPIRY, worker.PERIODIC[EXPIRY])]
