"""The log lines an operator's collector reads: one per request, and each job's start, end and
failure, as JSON objects when ``LOG_FORMAT=json``."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
from collections.abc import Iterator

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from housing.config import Config
from housing.ops.logging import ROOT, configure
from tests.applications.helpers import open_listing
from tests.ops.helpers import empty

REDIS_URL = os.environ.get("HOUSING_TEST_REDIS", "redis://127.0.0.1:6379/11")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The ``housing`` loggers writing JSON into a string, as they would to standard error."""
    logger = logging.getLogger(ROOT)
    level = logger.level
    stream = io.StringIO()
    handler = configure("json", stream)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def lines(stream: io.StringIO, logger: str) -> list[dict[str, object]]:
    parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in parsed if line["logger"] == logger]


def test_one_json_line_per_request_with_its_route_and_id(client, db_session, json_lines):
    listing = open_listing()
    db_session.flush()
    response = client.get(f"/listings/{listing.id}", headers={"X-Request-ID": "edge-42"})
    assert response.status_code == 200
    client.get("/no-such-page")
    first, second = lines(json_lines, "housing.requests")
    assert first["request_id"] == response.headers["X-Request-ID"] == "edge-42"
    assert first["method"] == "GET"
    assert first["route"] == "/listings/<int:listing_id>"
    assert first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["level"] == "INFO"
    assert (second["route"], second["status"]) == ("<unmatched>", 404)


def test_text_lines_carry_the_same_fields(client, db_session):
    stream = io.StringIO()
    logger = logging.getLogger(ROOT)
    level = logger.level
    handler = configure("text", stream)
    try:
        client.get("/healthz", headers={"X-Request-ID": "edge-43"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    (line,) = stream.getvalue().splitlines()
    assert "housing.requests: GET /healthz 200" in line
    assert "request_id=edge-43" in line and "route=/healthz" in line


def test_configuring_again_replaces_the_handler():
    logger = logging.getLogger(ROOT)
    level = logger.level
    first = configure("json", io.StringIO())
    second = configure("text", io.StringIO())
    try:
        assert first not in logger.handlers
        assert second in logger.handlers
    finally:
        logger.removeHandler(second)
        logger.setLevel(level)


def test_log_format_is_text_unless_json_is_asked_for(tmp_path):
    instance = {"HOUSING_INSTANCE_FOLDER": str(tmp_path)}
    assert Config.from_env(instance).log_format == "text"
    assert Config.from_env({**instance, "LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Config.from_env({**instance, "LOG_FORMAT": "xml"})
    allow = Config.from_env({**instance, "METRICS_ALLOW": "10.0.0.0/8, 192.0.2.7"})
    assert allow.metrics_allow == ("10.0.0.0/8", "192.0.2.7")
    assert Config.from_env(instance).metrics_allow == ("127.0.0.1", "::1")


def fails() -> None:
    raise RuntimeError("the task broke")


def succeeds() -> None:
    """A job with nothing to do."""


def test_every_job_logs_its_start_end_and_failure_with_its_id(app, json_lines):
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(f"ops-log-{os.getpid()}-{secrets.token_hex(3)}", connection=connection)
    try:
        good = queue.enqueue("housing.worker.run", f"{__name__}.succeeds")
        bad = queue.enqueue("housing.worker.run", f"{__name__}.fails")
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        empty(queue)
        connection.close()
    logged = [
        (line["message"], line["job_id"], line["job"]) for line in lines(json_lines, "housing.jobs")
    ]
    assert logged == [
        ("job started", good.id, f"{__name__}.succeeds"),
        ("job finished", good.id, f"{__name__}.succeeds"),
        ("job started", bad.id, f"{__name__}.fails"),
        ("job failed", bad.id, f"{__name__}.fails"),
    ]
    failure = lines(json_lines, "housing.jobs")[-1]
    assert failure["level"] == "ERROR"
    assert "RuntimeError: the task broke" in str(failure["traceback"])
