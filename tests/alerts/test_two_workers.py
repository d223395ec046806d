"""Two workers noticing the same opening at the same moment, on real PostgreSQL with committed
data: each subscriber gets one alert, however the runs interleave."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from housing import create_app
from housing.alerts import services, tasks
from housing.alerts.models import AlertSubscription, ListingAlert, ListingOpening
from housing.config import PROJECT_ROOT, MailConfig
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import ListingStatus
from housing.notifications.models import Channel, OutboundMessage
from tests import factories
from tests.conftest import create_postgres_database, drop_postgres_database, make_config
from tests.notifications.test_worker_delivery import let_go

pytestmark = pytest.mark.postgresql_only

SUBSCRIBERS = 40


@pytest.fixture
def committed_app(tmp_path: Path) -> Iterator[Flask]:
    name, url = create_postgres_database()
    app = create_app(make_config(url, tmp_path, mail=MailConfig(folder=tmp_path / "mail")))
    try:
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
        yield app
    finally:
        let_go(app)
        drop_postgres_database(name)


def test_two_workers_at_once_write_each_alert_once(committed_app: Flask) -> None:
    app = committed_app
    with app.app_context():
        factories.use_session(db.session)
        try:
            listing = factories.ListingFactory(
                status=ListingStatus.APPROVED,
                application_open_at=utcnow() - timedelta(minutes=1),
            )
            factories.UnitFactory(listing=listing)
        finally:
            factories.use_session(None)
        for number in range(SUBSCRIBERS):
            db.session.add(
                AlertSubscription(
                    public_id=f"{number:024x}",
                    channel=Channel.EMAIL,
                    address=f"resident{number}@example.org",
                    language="en",
                    confirmed_at=utcnow(),
                    neighborhoods=[],
                    unit_types=[],
                    tenures=[],
                )
            )
        db.session.commit()
        listing_id = listing.id

    start = threading.Barrier(2)
    results: list[dict[int, int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                results.append(tasks.announce_openings())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    # One run announced the listing; the other found it announced.
    assert sorted(result.get(listing_id, -1) for result in results) == [-1, SUBSCRIBERS]
    with app.app_context():
        assert tasks.announce_openings() == {}  # and a third, later, finds nothing to do
        session = db.session
        assert session.scalar(select(func.count()).select_from(ListingOpening)) == 1
        assert session.scalar(select(func.count(ListingAlert.id))) == SUBSCRIBERS
        recipients = session.scalars(
            select(OutboundMessage.recipient).where(
                OutboundMessage.template == services.ALERT_TEMPLATE
            )
        ).all()
        assert sorted(recipients) == sorted(
            f"resident{number}@example.org" for number in range(SUBSCRIBERS)
        )
