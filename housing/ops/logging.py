"""Log lines, set up in one place: plain text for a person at a terminal (the default, as in
``make run``), or one JSON object a line (``LOG_FORMAT=json``) for a log collector in
production. Every record of the ``housing`` loggers goes to standard error, with what its
caller attached (``request_id``, ``route``, ``job_id`` …) as fields of its own.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from time import perf_counter
from typing import IO

log = logging.getLogger("housing.jobs")

ROOT = "housing"
# What every LogRecord carries; anything else was attached by the caller through ``extra``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {key: value for key, value in record.__dict__.items() if key not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the caller's fields, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The usual line, with the caller's fields after the message as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        text = super().format(record)
        return f"{text} {fields}" if fields else text


class _Handler(logging.StreamHandler[IO[str]]):
    """Ours, so that configuring again replaces it instead of adding a second one."""


def configure(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """Send the ``housing`` loggers' records (INFO and up) to ``stream`` (standard error) in
    ``log_format`` ("text" or "json"). Safe to call again: the previous handler goes."""
    logger = logging.getLogger(ROOT)
    for handler in [h for h in logger.handlers if isinstance(h, _Handler)]:
        logger.removeHandler(handler)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


@contextmanager
def job_logged(job_id: str, path: str) -> Iterator[None]:
    """A job's start, its end and its failure (with the traceback), each with its id."""
    fields = {"job_id": job_id, "job": path}
    log.info("job started", extra=fields)
    started = perf_counter()
    try:
        yield
    except BaseException:
        duration = round((perf_counter() - started) * 1000, 1)
        log.exception("job failed", extra={**fields, "duration_ms": duration})
        raise
    duration = round((perf_counter() - started) * 1000, 1)
    log.info("job finished", extra={**fields, "duration_ms": duration})
