"""Liveness and readiness as a load balancer sees them."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text

from housing import create_app
from housing.extensions import db
from tests.conftest import make_config
from tests.test_admission import turns_taken


def test_ready_on_the_migrated_database(client, db_session):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "failing": [],
        "checks": {"database": "ok", "migrations": "ok", "redis": "skipped"},
    }


def test_a_database_behind_the_migrations_is_not_ready(client, owner_db_session):
    # Only the tables' owner may change alembic_version; the change is rolled back after.
    owner_db_session.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
    owner_db_session.flush()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["migrations"]
    assert response.json["checks"]["migrations"] == "not at head"


def test_an_empty_database_is_not_ready(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path))
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["failing"] == ["migrations"]
        assert response.json["checks"] == {
            "database": "ok",
            "migrations": "not migrated",
            "redis": "skipped",
        }
        # Liveness does not care.
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_redis_configured_and_not_answering_is_named(app, database_url, tmp_path, closed_port):
    broken = create_app(
        make_config(database_url, tmp_path, redis_url=f"redis://127.0.0.1:{closed_port}/0")
    )
    try:
        response = broken.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["failing"] == ["redis"]
        assert response.json["checks"] == {
            "database": "ok",
            "migrations": "ok",
            "redis": "unreachable",
        }
    finally:
        with broken.app_context():
            db.engine.dispose()


def test_a_database_that_does_not_answer_is_named(tmp_path, closed_port):
    gone = create_app(
        make_config(f"postgresql+psycopg://nobody@127.0.0.1:{closed_port}/nothing", tmp_path)
    )
    try:
        response = gone.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["failing"] == ["database"]
        assert response.json["checks"]["migrations"] == "skipped"
    finally:
        with gone.app_context():
            db.engine.dispose()


def test_readiness_and_metrics_answer_while_the_server_turns_requests_away(client, db_session, app):
    """A rush must not take every host out of the load balancer, nor blind the operators."""
    with turns_taken(app):
        assert client.get("/listings").status_code == 503
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200
