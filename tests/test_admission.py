"""Admission: a server that is behind answers 503 with Retry-After at once, and changes nothing.

The rush through gunicorn is in ``tests/load``; here the gate itself, and what a turned-away
request gets back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select

from housing.admission import AdmissionConfig, Gate
from housing.applications.models import Application
from housing.config import Config
from tests.applications.helpers import open_listing, valid_answers


def test_a_gate_gives_its_turns_and_then_makes_the_rest_wait_a_bounded_time():
    gate = Gate(active=2, wait_seconds=0.05, max_waiting=4)
    assert gate.enter() and gate.enter()
    started = time.monotonic()
    assert not gate.enter()
    assert time.monotonic() - started >= 0.05
    gate.leave()
    assert gate.enter()


def test_a_waiting_request_gets_the_turn_given_back_within_its_wait():
    gate = Gate(active=1, wait_seconds=5, max_waiting=4)
    assert gate.enter()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(gate.enter()))
    waiter.start()
    time.sleep(0.05)
    gate.leave()
    waiter.join(timeout=5)
    assert got == [True]


def test_with_the_waiting_room_full_a_request_is_refused_without_waiting():
    gate = Gate(active=1, wait_seconds=5, max_waiting=0)
    assert gate.enter()
    started = time.monotonic()
    assert not gate.enter()
    assert time.monotonic() - started < 1


def test_admission_is_read_from_the_environment():
    config = Config.from_env(
        {
            "SECRET_KEY": "x",
            "ADMISSION_ACTIVE": "3",
            "ADMISSION_WAIT_SECONDS": "0.5",
            "ADMISSION_MAX_WAITING": "7",
        }
    )
    assert config.admission == AdmissionConfig(active=3, wait_seconds=0.5, max_waiting=7)


@contextmanager
def turns_taken(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Every turn taken and no room to wait, as at the height of a rush."""
    busy = Gate(active=1, wait_seconds=0.01, max_waiting=0)
    assert busy.enter()
    saved = app.extensions["admission"]
    app.extensions["admission"] = busy
    try:
        yield
    finally:
        app.extensions["admission"] = saved


def test_a_page_is_turned_away_with_retry_after_in_the_readers_language(client, app):
    client.set_cookie("language", "es")
    with turns_taken(app):
        response = client.get("/listings")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert "Inténtelo de nuevo en un momento" in response.text
        # The load balancer's health check and the style sheet still answer.
        assert client.get("/healthz").status_code == 200
        with client.get("/static/css/site.css") as style:
            assert style.status_code == 200


def test_a_turned_away_submission_stores_nothing_and_says_when_to_come_back(
    client, db_session, app
):
    listing = open_listing()
    db_session.commit()
    with turns_taken(app):
        response = client.post(f"/api/v1/listings/{listing.id}/applications", json=valid_answers())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json["error"]["code"] == "unavailable"
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0
    # Once there is room, the same request goes in.
    again = client.post(f"/api/v1/listings/{listing.id}/applications", json=valid_answers())
    assert again.status_code == 201
