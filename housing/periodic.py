"""The periodic jobs where no worker runs them: ``housing periodic``, which a systemd timer calls
every 5 minutes (``deploy/systemd/housing-periodic.timer``).

Workers run ``worker.PERIODIC`` from rq's scheduler. An install without Redis has no worker, so
each run of the command runs the jobs whose period has passed since their last run here, and
notes when each ran in the instance folder (``periodic-runs.json``). A job that fails is logged,
is not noted, and runs again at the next call; the others still run. Two runs at once do not
overlap: the second finds the first holding the lock and leaves. Every job is safe to re-run.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from housing import jobs
from housing.extensions import db

log = logging.getLogger(__name__)

STATE_FILE = "periodic-runs.json"
LOCK_FILE = "periodic-runs.lock"
# A timer fires a little early or late: a job is due once this much of its period is left.
SLACK_SECONDS = 60


class AlreadyRunning(Exception):
    """Another run of the periodic jobs holds the lock."""


@dataclass(frozen=True)
class Ran:
    path: str
    # None when it succeeded; otherwise what went wrong.
    error: str | None


def due(periods: dict[str, int], last: dict[str, float], now: float) -> list[str]:
    """The jobs whose period, less a little slack, has passed since their last run."""
    return [
        path
        for path, seconds in periods.items()
        if now - last.get(path, 0.0) >= seconds - min(SLACK_SECONDS, seconds // 5)
    ]


def run_due(folder: Path, *, everything: bool = False, now: float | None = None) -> list[Ran]:
    """Run every periodic job that is due (all of them with ``everything``), one after the
    other, noting each success in ``folder``. Raises AlreadyRunning when another run is."""
    from housing.worker import PERIODIC

    folder.mkdir(parents=True, exist_ok=True)
    state = folder / STATE_FILE
    with _held(folder / LOCK_FILE):
        last = _read(state)
        moment = time.time() if now is None else now
        ran = []
        for path in PERIODIC if everything else due(PERIODIC, last, moment):
            error = _run(path)
            ran.append(Ran(path, error))
            if error is None:
                last[path] = moment
                _write(state, last)
        return ran


def _run(path: str) -> str | None:
    try:
        jobs.resolve(path)()
    except Exception as error:
        log.exception("periodic job %s failed", path)
        db.session.rollback()
        return f"{type(error).__name__}: {error}"
    finally:
        db.session.remove()
    return None


@contextmanager
def _held(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(str(path)) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(state: Path) -> dict[str, float]:
    try:
        found = json.loads(state.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(path): float(at) for path, at in found.items() if isinstance(at, int | float)}


def _write(state: Path, last: dict[str, float]) -> None:
    """Replaced whole, so a run cut off leaves the old notes or the new, never half."""
    fresh = state.with_suffix(".tmp")
    fresh.write_text(json.dumps(last, indent=1, sort_keys=True))
    os.replace(fresh, state)
