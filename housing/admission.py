"""Admission: a server that is behind turns requests away at once instead of letting them wait.

Near a deadline, more people may submit at once than the server can work through. Queued
without limit, every request gets slower until browsers and phones give up, and a person cannot
tell whether their application went in. Each web process therefore works on a few requests at a
time (``active``); the others wait for a turn, at most ``wait_seconds``, and at most
``max_waiting`` of them. A request that gets no turn is answered 503 with ``Retry-After`` and
changes nothing: what the person saved before is kept, and trying again is safe.

Run the web processes with threads (``gunicorn --threads``) so that waiting requests are held
here, where the wait is measured, rather than unseen in a queue ahead of the application.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request

# Answered whatever the load: the load balancer's health and readiness checks (a rush must not
# take every host out), the operators' metrics, and the style sheets and scripts.
FREE_PATHS = ("/healthz", "/readyz", "/metrics", "/static/")


@dataclass(frozen=True)
class AdmissionConfig:
    # Requests one process works on at once; 0 turns admission off.
    active: int = 4
    wait_seconds: float = 2.0
    max_waiting: int = 64
    # What a refused request is told to wait before trying again.
    retry_after_seconds: int = 2


class Gate:
    """At most ``active`` holders at once; a bounded, time-limited wait for the rest."""

    def __init__(self, active: int, wait_seconds: float, max_waiting: int) -> None:
        self._turns = threading.BoundedSemaphore(active)
        self._wait_seconds = wait_seconds
        self._max_waiting = max_waiting
        self._waiting = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        """True with a turn (give it back with ``leave``); False when the server is behind."""
        if self._turns.acquire(blocking=False):
            return True
        with self._lock:
            if self._waiting >= self._max_waiting:
                return False
            self._waiting += 1
        try:
            return self._turns.acquire(timeout=self._wait_seconds)
        finally:
            with self._lock:
                self._waiting -= 1

    def leave(self) -> None:
        self._turns.release()


def _admit() -> None:
    if request.path.startswith(FREE_PATHS):
        return
    gate: Gate = current_app.extensions["admission"]
    if not gate.enter():
        abort(503)
    g.admitted = True


def _release(_error: BaseException | None) -> None:
    if g.pop("admitted", False):
        current_app.extensions["admission"].leave()


def init_app(app: Flask, config: AdmissionConfig) -> None:
    if config.active <= 0:
        return
    app.extensions["admission"] = Gate(config.active, config.wait_seconds, config.max_waiting)
    # First of all, so a refused request costs no database or session work.
    app.before_request_funcs.setdefault(None, []).insert(0, _admit)
    app.teardown_request(_release)
