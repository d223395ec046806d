"""A submit sent twice (a double click, a retried request) ends on the confirmation, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from housing import create_app
from housing.applications.models import Application, ApplicationStatus, ApplicationVersion
from housing.config import PROJECT_ROOT
from housing.extensions import db
from tests import factories
from tests.accounts.helpers import csrf_token
from tests.applications.helpers import fill_all, open_listing, start, submit
from tests.conftest import make_config


def _confirmation_path(public_id: str) -> str:
    return f"/applications/{public_id}/confirmation"


def test_submitting_an_application_again_shows_its_confirmation(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    first = submit(client, public_id)
    again = submit(client, public_id)
    assert first.status_code == 302, first.text
    assert again.status_code == 302, again.text
    assert again.headers["Location"].endswith(_confirmation_path(public_id))
    db_session.expire_all()
    application = db_session.scalars(
        select(Application).where(Application.public_id == public_id)
    ).one()
    assert application.status is ApplicationStatus.SUBMITTED
    versions = db_session.scalar(
        select(func.count())
        .select_from(ApplicationVersion)
        .where(ApplicationVersion.application_id == application.id)
    )
    assert versions == 1


@pytest.fixture
def file_sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    """An app of its own on a SQLite file (whichever database the run is for), whose requests
    commit for real, as in the embedded default: concurrent requests meet SQLite's one-writer
    lock."""
    app = create_app(make_config(f"sqlite:///{tmp_path / 'site.sqlite3'}", tmp_path / "storage"))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


def _ready_to_submit(app: Flask) -> tuple[FlaskClient, str]:
    with app.app_context():
        session = Session(db.engine)
        factories.use_session(session)
        try:
            listing_id = open_listing().id
            session.commit()
        finally:
            factories.use_session(None)
            session.close()
    client = app.test_client()
    public_id = start(client, listing_id)
    fill_all(client, public_id)
    return client, public_id


def test_two_submits_at_once_on_a_sqlite_file_both_end_on_the_confirmation(file_sqlite_app):
    client, public_id = _ready_to_submit(file_sqlite_app)
    token = csrf_token(client, "/account/sign-in")
    cookies = {cookie.key: cookie.value for cookie in client._cookies.values()}
    data = {"csrf_token": token, "action": "submit", "terms_accepted": "y"}
    barrier = threading.Barrier(2)
    answers: list[tuple[int, str]] = []

    def click() -> None:
        twin = file_sqlite_app.test_client()
        for key, value in cookies.items():
            twin.set_cookie(key, value)
        barrier.wait()
        response = twin.post(f"/applications/{public_id}/terms", data=data)
        answers.append((response.status_code, response.headers.get("Location", "")))

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert [status for status, _ in answers] == [302, 302], answers
    assert all(location.endswith(_confirmation_path(public_id)) for _, location in answers)
    with file_sqlite_app.app_context():
        application = db.session.scalars(
            select(Application).where(Application.public_id == public_id)
        ).one()
        assert application.status is ApplicationStatus.SUBMITTED
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ApplicationVersion)
                .where(ApplicationVersion.application_id == application.id)
            )
            == 1
        )
