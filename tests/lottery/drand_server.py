"""A drand-style randomness beacon on a loopback port, and a wall clock the tests move.

drand's HTTP API answers ``GET /public/{round}`` (its default chain) and
``GET /{chain_hash}/public/{round}`` with JSON holding ``round``, ``randomness`` and
``signature`` (hex), and 404 for a round it has not published yet. This server does the same
for a few recorded rounds of the chain a beacon rule describes (genesis, period, chain hash).

The rounds are not drand's: the tests cannot reach the network. Each round's signature is
random bytes (``os.urandom``, 96 bytes like a drand mainnet signature, not a real BLS
signature) and its randomness is the SHA-256 of those bytes, which is drand's rule for a
round's value. A round is answered only once ``clock`` has reached its publication time
(genesis + (round - 1) * period); before that the answer is 404, as drand's.

``Clock`` is the application's wall clock while a test runs: installed into
``housing.db_types``, every ``utcnow()`` reads it, so a test can let an hour pass at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import housing.db_types
from housing.lottery.verify import round_time

SIGNATURE_BYTES = 96
_real_datetime = datetime


class Clock:
    """Real time moved forward by an offset the test sets."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return _real_datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by

    def move_to(self, moment: datetime) -> None:
        """Let time pass until ``moment`` (time never runs backwards)."""
        if moment > self.now():
            self.offset += moment - self.now()


def install(clock: Clock) -> type[datetime]:
    """A ``datetime`` whose ``now`` reads ``clock``, to replace ``housing.db_types.datetime``."""

    class ClockDatetime(_real_datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            moment = clock.now()
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    ClockDatetime.clock = clock  # type: ignore[attr-defined]
    return ClockDatetime


def installed_clock() -> Clock:
    """The clock ``utcnow()`` reads in this test (the ``clock`` fixture installs it)."""
    clock = getattr(housing.db_types.datetime, "clock", None)
    if not isinstance(clock, Clock):
        raise RuntimeError("this test needs the clock fixture (tests/lottery/conftest.py)")
    return clock


@dataclass
class DrandServer:
    """The beacon's state: its chain, its recorded rounds, and what was asked of it."""

    rule: Mapping[str, Any]
    clock: Clock
    url: str = ""
    rounds: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def published_at(self, number: int) -> datetime:
        return datetime.fromtimestamp(round_time(self.rule, number), UTC)

    def record(self, number: int) -> dict[str, Any]:
        """The round as the beacon publishes it, made now if it was not recorded yet."""
        if number not in self.rounds:
            signature = os.urandom(SIGNATURE_BYTES)
            self.rounds[number] = {
                "round": number,
                "randomness": hashlib.sha256(signature).hexdigest(),
                "signature": signature.hex(),
            }
        return self.rounds[number]

    def answer(self, path: str) -> dict[str, Any] | None:
        self.requests.append(path)
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == self.rule["chain_hash"]:
            parts = parts[1:]
        if len(parts) != 2 or parts[0] != "public" or not parts[1].isdigit():
            return None
        number = int(parts[1])
        if number not in self.rounds or self.clock.now() < self.published_at(number):
            return None
        return self.rounds[number]


def serve(beacon: DrandServer) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = beacon.answer(self.path)
            body = json.dumps(found).encode() if found is not None else b"not found"
            self.send_response(200 if found is not None else 404)
            self.send_header("Content-Type", "application/json" if found else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    beacon.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def made_up_round(number: int) -> dict[str, str]:
    """A round's value and signature as staff would copy them, where no beacon is running:
    the same for the same round, and the value is the SHA-256 of the signature."""
    signature = b"".join(
        hashlib.sha256(f"made-up round {number} part {part}".encode()).digest() for part in range(3)
    )
    return {"randomness": hashlib.sha256(signature).hexdigest(), "signature": signature.hex()}
