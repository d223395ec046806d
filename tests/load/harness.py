"""Load and fault runs on loopback, shared by ``tests/load`` and ``bench/rush.py``.

A run has a PostgreSQL server and a Redis of its own (so either can be stopped or restarted
without touching anyone else's), the portal under gunicorn, a real rq worker, and an SMTP sink.
Residents submit complete applications through the API with an Idempotency-Key, as a phone
near the deadline would: a 503 is waited out for as long as its Retry-After says, a lost answer
is sent again with the same key. Other residents browse the listing pages meanwhile, and some
keep saving drafts. Afterwards the database and the sink are checked against what every
resident was told.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from tests.applications.helpers import name_for, valid_answers

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
# Longer than any answer should take: a request still unanswered by then counts as a timeout.
CLIENT_TIMEOUT = 15.0


def _template() -> dict[str, Any]:
    """The tests' complete answers, in Spanish, with places for a name, email and street."""
    answers = valid_answers(language="es")
    answers["applicant"].update(first_name="Rush", last_name="NAME", email="EMAIL")
    answers["applicant"]["address"]["street"] = "STREET"
    answers["household"][0]["last_name"] = "NAME"
    return answers


APPLICATION = _template()


# A name is letters only: a tag's digits are written as letters no tag holds.
_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def application_for(tag: str) -> dict[str, object]:
    """Complete answers with a name, email and street of their own."""
    answers = json.loads(json.dumps(APPLICATION))
    answers["applicant"]["last_name"] = f"N{tag.translate(_DIGITS_AS_LETTERS)}"
    answers["applicant"]["email"] = f"r{tag}@example.org"
    answers["applicant"]["address"]["street"] = f"{tag} Rush Street"
    answers["household"][0]["last_name"] = f"N{tag.translate(_DIGITS_AS_LETTERS)}"
    return answers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# --- servers of the run's own ------------------------------------------------------------------


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL's initdb is needed for the fault runs")
    return Path(initdb).parent


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary folder on a free port, durable as in production
    (fsync and synchronous commit on), that can be restarted at will."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="housing-pg-"))
        self.port = free_port()
        self.bin = _postgres_bin()
        # PostgreSQL refuses to run as root; the system's postgres account runs it then.
        self._owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._owner:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self._owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        if not self.data.exists():
            subprocess.run(
                [
                    *self._owner,
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                ],
                check=True,
                capture_output=True,
            )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._ctl("-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def restart(self) -> None:
        """As after a crash: sessions cut off, the server back after recovery."""
        self._ctl("-l", str(self.folder / "log"), "-m", "immediate", "-w", "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="housing-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is needed for the fault runs")
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Portal:
    """gunicorn serving the portal, and rq workers kept running the way a service manager
    would keep them: each started again whenever it stops (as it does when Redis goes away)."""

    environment: dict[str, str]
    workers: int = 2
    threads: int = 16
    rq_workers: int = 2
    port: int = field(default_factory=free_port)
    _server: subprocess.Popen[bytes] | None = None
    _jobs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    _keep_jobs: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "-w",
                str(self.workers),
                "--threads",
                str(self.threads),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.environment,
        )
        wait_for_port(self.port)
        self._jobs = [None] * self.rq_workers
        self._keep_jobs.set()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _supervise(self) -> None:
        while self._keep_jobs.is_set():
            for index, process in enumerate(self._jobs):
                if process is None or process.poll() is not None:
                    self._jobs[index] = subprocess.Popen(
                        [PYTHON, "-m", "housing.worker"],
                        cwd=ROOT,
                        env=self.environment,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
            time.sleep(1.0)

    def stop(self) -> None:
        self._keep_jobs.clear()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for process in [*self._jobs, self._server]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def flask_command(environment: dict[str, str], *args: str) -> None:
    subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def create_listing(database_url: str, *, units: int = 20) -> int:
    """An open rental listing taking applications, on the demo city's AMI chart."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from housing.db_types import utcnow
    from housing.listings.eligibility import UnitType
    from housing.models import AmiChart, Listing, Unit

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with Session(engine) as session:
        chart = session.scalars(select(AmiChart)).first()
        listing = Listing(
            name="Rush Court",
            street_address="1 Rush Street",
            city="Port Alder",
            state="CA",
            postal_code="94999",
            neighborhood="Harbor Flats",
            developer="Rush Housing",
            tenure="rental",
            status="open",
            application_open_at=utcnow() - timedelta(days=1),
            application_due_at=utcnow() + timedelta(days=10),
        )
        listing.units = [
            Unit(
                unit_type=UnitType.ONE_BEDROOM,
                unit_count=units,
                monthly_rent=Decimal("2102"),
                rent_multiple=Decimal("2.5"),
                ami_chart=chart,
                ami_percent=80,
            )
        ]
        session.add(listing)
        session.commit()
        listing_id = listing.id
    engine.dispose()
    return listing_id


class MailSink:
    """An SMTP server on loopback that keeps who got what (aiosmtpd, in a thread)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.received: list[tuple[str, str, str]] = []  # (to, Message-ID, plain text)
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        from email import policy
        from email.parser import BytesParser

        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        plain = message.get_body(("plain",))
        text = plain.get_content() if plain is not None else ""  # type: ignore[union-attr]
        with self._lock:
            self.received.append((str(message["To"]), str(message["Message-ID"]), text))
        return "250 Message accepted"

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()


def delivery_problems(
    sink: MailSink, result: RushResult, *, copies_allowed: bool = False
) -> list[str]:
    """Every resident got a confirmation naming their lottery number, once (or, where a crash
    may have cut a worker off between sending and recording, again with the same Message-ID,
    which mail systems treat as one message)."""
    wrong = []
    by_recipient: dict[str, list[tuple[str, str]]] = {}
    for to, message_id, text in sink.received:
        by_recipient.setdefault(to, []).append((message_id, text))
    for person in result.residents:
        got = by_recipient.pop(f"r{person.tag}@example.org", [])
        if not got:
            wrong.append(f"resident {person.tag} got no confirmation")
            continue
        if len(got) > 1 and not (copies_allowed and len({mid for mid, _ in got}) == 1):
            wrong.append(f"resident {person.tag} got {len(got)} confirmations")
        if person.lottery_number and person.lottery_number not in got[0][1]:
            wrong.append(f"resident {person.tag}'s confirmation lacks the lottery number")
    if by_recipient:
        wrong.append(f"{len(by_recipient)} unexpected recipients")
    return wrong


# --- residents ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw, across every request they made."""

    statuses: Counter[int] = field(default_factory=Counter)
    # Requests that got no answer at all: refused connections, cut connections, timeouts.
    unanswered: int = 0
    busy_without_retry_after: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | None, seconds: float, retry_after: str | None) -> None:
        with self.lock:
            if status is None:
                self.unanswered += 1
                return
            self.statuses[status] += 1
            self.latencies.append(seconds)
            if status == 503 and not (retry_after or "").isdigit():
                self.busy_without_retry_after += 1

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


class Client:
    """One phone: a kept-alive connection, opened again whenever it is lost."""

    # A browser does not reuse a connection the server may have closed while it sat idle.
    IDLE_SECONDS = 1.0

    def __init__(self, port: int, tally: Tally) -> None:
        self.port = port
        self.tally = tally
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int | None, dict[str, object] | None, str | None]:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})} if payload else headers
        started = time.monotonic()
        if self.connection is not None and started - self.last_used > self.IDLE_SECONDS:
            self.close()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=CLIENT_TIMEOUT
                )
            self.connection.request(method, path, body=payload, headers=sent or {})
            response = self.connection.getresponse()
            raw = response.read()
            self.last_used = time.monotonic()
        except (OSError, http.client.HTTPException):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            self.tally.record(None, time.monotonic() - started, None)
            return None, None, None
        retry_after = response.getheader("Retry-After")
        self.tally.record(response.status, time.monotonic() - started, retry_after)
        parsed = None
        if response.getheader("Content-Type", "").startswith("application/json"):
            parsed = json.loads(raw)
        return response.status, parsed, retry_after

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def wait_out(status: int | None, retry_after: str | None) -> None:
    """A 503 waits as long as it was told (and a little more, so retries spread out); an
    unanswered request waits a moment."""
    if status == 503 and retry_after and retry_after.isdigit():
        time.sleep(int(retry_after) * (1 + random.random() * 0.5))
    else:
        time.sleep(0.2 + random.random() * 0.3)


@dataclass
class Resident:
    key: str
    tag: str
    application_number: str | None = None
    lottery_number: str | None = None
    attempts: int = 0
    refusals: list[str] = field(default_factory=list)


def submit_until_answered(
    client: Client, listing_id: int, resident: Resident, give_up: float
) -> None:
    """Submit, and again with the same key after a 503 or a lost answer, until the portal says
    it has the application or refuses it outright."""
    path = f"/api/v1/listings/{listing_id}/applications"
    answers = application_for(resident.tag)
    while time.monotonic() < give_up:
        resident.attempts += 1
        status, body, retry_after = client.request(
            "POST", path, answers, {"Idempotency-Key": resident.key}
        )
        if status in (200, 201) and body is not None:
            resident.application_number = str(body["application_number"])
            resident.lottery_number = str(body["lottery_number"])
            return
        if status is not None and status != 503:
            resident.refusals.append(f"{status}: {json.dumps(body)[:300]}")
            return
        wait_out(status, retry_after)


@dataclass
class DraftWriter:
    """Saves a draft again and again; remembers the last save the portal confirmed."""

    draft_id: str = ""
    token: str = ""
    confirmed_step: int = -1
    failures: list[str] = field(default_factory=list)


def keep_saving(client: Client, writer: DraftWriter, steps: int, give_up: float) -> None:
    try:
        _save_steps(client, writer, steps, give_up)
    finally:
        client.close()


def _save_steps(client: Client, writer: DraftWriter, steps: int, give_up: float) -> None:
    headers = {"Authorization": f"Bearer {writer.token}"}
    for step in range(steps):
        answers = {"applicant": {"first_name": name_for(step), "email": "draft@example.org"}}
        while time.monotonic() < give_up:
            status, body, retry_after = client.request(
                "PUT", f"/api/v1/drafts/{writer.draft_id}", answers, headers
            )
            if status == 200:
                writer.confirmed_step = step
                break
            if status is not None and status != 503:
                writer.failures.append(f"{status}: {json.dumps(body)[:300]}")
                return
            wait_out(status, retry_after)
        time.sleep(0.05)


def start_drafts(port: int, listing_id: int, count: int) -> list[DraftWriter]:
    client = Client(port, Tally())
    writers = []
    for _ in range(count):
        status, body, _retry = client.request(
            "POST", f"/api/v1/listings/{listing_id}/drafts", {"language": "en"}
        )
        assert status == 201 and body is not None, (status, body)
        writers.append(DraftWriter(str(body["draft_id"]), str(body["token"])))
    client.close()
    return writers


def browse(port: int, paths: list[str], tally: Tally, until: threading.Event) -> None:
    client = Client(port, tally)
    while not until.is_set():
        for path in paths:
            client.request("GET", path, headers={"Cookie": "language=es"})
    client.close()


def warm_up(port: int, listing_id: int) -> None:
    """A web process's first requests load its catalogs, templates and database connections:
    send a few of each kind (an incomplete application is refused and stores nothing) from
    several connections at once, so the run measures the portal and not its start."""

    def visit() -> None:
        client = Client(port, Tally())
        for _ in range(4):
            client.request("GET", "/listings", headers={"Cookie": "language=es"})
            client.request("GET", f"/listings/{listing_id}", headers={"Cookie": "language=es"})
            client.request(
                "POST", f"/api/v1/listings/{listing_id}/applications", {"language": "es"}
            )
        client.close()

    visitors = [threading.Thread(target=visit) for _ in range(8)]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join()


@dataclass
class RushResult:
    residents: list[Resident]
    writers: list[DraftWriter]
    submissions: Tally
    browsing: Tally
    drafts: Tally
    seconds: float
    fault_at: float | None = None

    @property
    def committed(self) -> int:
        return sum(1 for resident in self.residents if resident.application_number)


def rush(
    port: int,
    listing_id: int,
    *,
    residents: int,
    concurrency: int,
    browsers: int = 4,
    writers: list[DraftWriter] | None = None,
    draft_steps: int = 0,
    fault: Callable[[], None] | None = None,
    fault_after: float = 0.3,
    budget_seconds: float = 240,
) -> RushResult:
    """``residents`` submit at once through ``concurrency`` connections while ``browsers``
    read the listing pages and ``writers`` save drafts; ``fault`` runs once ``fault_after`` of
    the residents have their answer."""
    people = [
        Resident(uuid.uuid4().hex, f"{index}x{uuid.uuid4().hex[:6]}") for index in range(residents)
    ]
    submissions, browsing, drafts = Tally(), Tally(), Tally()
    started = time.monotonic()
    give_up = started + budget_seconds
    waiting = list(reversed(people))
    done = threading.Event()
    taken = threading.Lock()
    fault_at: list[float] = []

    def resident_loop() -> None:
        client = Client(port, submissions)
        while True:
            with taken:
                if not waiting:
                    break
                resident = waiting.pop()
            submit_until_answered(client, listing_id, resident, give_up)
        client.close()

    def fault_loop() -> None:
        assert fault is not None
        while not done.is_set():
            answered = sum(1 for person in people if person.application_number or person.refusals)
            if answered >= fault_after * residents:
                fault_at.append(time.monotonic() - started)
                fault()
                return
            time.sleep(0.01)

    warm_up(port, listing_id)
    threads = [threading.Thread(target=resident_loop) for _ in range(concurrency)]
    paths = ["/listings", f"/listings/{listing_id}", "/listings/1"]
    readers = [
        threading.Thread(target=browse, args=(port, paths, browsing, done)) for _ in range(browsers)
    ]
    savers = [
        threading.Thread(
            target=keep_saving, args=(Client(port, drafts), writer, draft_steps, give_up)
        )
        for writer in writers or []
    ]
    side = [threading.Thread(target=fault_loop)] if fault else []
    for thread in [*readers, *savers, *side, *threads]:
        thread.start()
    for thread in [*threads, *savers]:
        thread.join()
    seconds = time.monotonic() - started
    done.set()
    for thread in [*readers, *side]:
        thread.join()
    return RushResult(
        people,
        writers or [],
        submissions,
        browsing,
        drafts,
        seconds,
        fault_at[0] if fault_at else None,
    )


# --- what must hold afterwards -----------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    applications: dict[
        str, tuple[str, str]
    ]  # idempotency key -> (application number, lottery number)
    confirmations: Counter[str]  # application number -> confirmation emails recorded
    drafts: dict[str, str]  # draft id -> first name saved


def stored(database_url: str, listing_id: int) -> Stored:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT idempotency_key, public_id, lottery_number FROM applications "
            "WHERE listing_id = %s AND status = 'submitted'",
            (listing_id,),
        ).fetchall()
        messages = connection.execute(
            "SELECT a.public_id FROM outbound_messages m JOIN applications a "
            "ON a.id = m.application_id WHERE a.listing_id = %s "
            "AND m.template = 'application_submitted' AND m.channel = 'email'",
            (listing_id,),
        ).fetchall()
        drafts = connection.execute(
            "SELECT public_id, answers -> 'applicant' ->> 'first_name' FROM applications "
            "WHERE listing_id = %s AND status = 'draft'",
            (listing_id,),
        ).fetchall()
    return Stored(
        {str(key): (str(number), str(lottery)) for key, number, lottery in rows},
        Counter(str(number) for (number,) in messages),
        {str(draft): str(name) for draft, name in drafts},
    )


def problems(result: RushResult, found: Stored) -> list[str]:
    """Everything that broke the promise: an application lost, made twice, or unanswered; a
    confirmation missing; a draft that lost a save the portal confirmed."""
    wrong: list[str] = []
    told = {person.key: person for person in result.residents}
    unanswered = [person for person in result.residents if not person.application_number]
    if unanswered:
        wrong.append(f"{len(unanswered)} residents never had their application taken")
    refused = [text for person in result.residents for text in person.refusals]
    if refused:
        wrong.append(f"{len(refused)} refusals, first: {refused[0]}")
    if set(found.applications) != set(told):
        extra = set(found.applications) - set(told)
        missing = {key for key in told if told[key].application_number} - set(found.applications)
        wrong.append(f"stored applications differ: {len(extra)} unknown, {len(missing)} missing")
    for key, (number, lottery) in found.applications.items():
        person = told.get(key)
        if (
            person
            and person.application_number
            and (number, lottery)
            != (
                person.application_number,
                person.lottery_number,
            )
        ):
            wrong.append(
                f"resident {person.tag} was told {person.application_number}, stored {number}"
            )
    lotteries = [lottery for _number, lottery in found.applications.values()]
    if len(set(lotteries)) != len(lotteries):
        wrong.append("a lottery number was given twice")
    twice = {number: count for number, count in found.confirmations.items() if count != 1}
    if twice:
        wrong.append(f"{len(twice)} applications with other than one confirmation")
    if len(found.confirmations) != len(found.applications):
        wrong.append(f"{len(found.applications) - len(found.confirmations)} confirmations missing")
    for writer in result.writers:
        if writer.failures:
            wrong.append(f"draft {writer.draft_id} refused: {writer.failures[0]}")
        expected = name_for(writer.confirmed_step) if writer.confirmed_step >= 0 else None
        if found.drafts.get(writer.draft_id) != expected:
            wrong.append(
                f"draft {writer.draft_id} holds {found.drafts.get(writer.draft_id)}, confirmed {expected}"
            )
    for name, tally in (
        ("submissions", result.submissions),
        ("browsing", result.browsing),
        ("drafts", result.drafts),
    ):
        errors = {
            status: count
            for status, count in tally.statuses.items()
            if status >= 500 and status != 503
        }
        if errors:
            wrong.append(f"{name}: server errors {errors}")
        if tally.unanswered:
            wrong.append(f"{name}: {tally.unanswered} requests got no answer")
        if tally.busy_without_retry_after:
            wrong.append(
                f"{name}: {tally.busy_without_retry_after} answers of 503 without Retry-After"
            )
    return wrong


def summary(result: RushResult) -> str:
    lines = [
        f"{len(result.residents)} residents, {result.committed} applications taken in "
        f"{result.seconds:.1f} s ({result.committed / result.seconds:.0f}/s)"
        + (f"; fault at {result.fault_at:.1f} s" if result.fault_at is not None else ""),
    ]
    for name, tally in (
        ("submissions", result.submissions),
        ("browsing", result.browsing),
        ("drafts", result.drafts),
    ):
        if tally.latencies or tally.unanswered:
            statuses = ", ".join(
                f"{status}: {count}" for status, count in sorted(tally.statuses.items())
            )
            lines.append(
                f"  {name:12} {len(tally.latencies)} answers ({statuses}); unanswered "
                f"{tally.unanswered}; p50 {tally.percentile(0.5):.0f} ms, p99 "
                f"{tally.percentile(0.99):.0f} ms, max {tally.percentile(1.0):.0f} ms"
            )
    return "\n".join(lines)


QUIET = ("REDIS_URL", "MAIL_HOST", "MAIL_PORT")


@dataclass(frozen=True)
class Servers:
    postgres: PrivatePostgres
    redis: PrivateRedis
    database_url: str
    environment: dict[str, str]


@contextmanager
def own_servers(mail_port: int) -> Iterator[Servers]:
    """A private PostgreSQL and Redis holding the schema and the demo city."""
    postgres, redis = PrivatePostgres(), PrivateRedis()
    storage = Path(tempfile.mkdtemp(prefix="housing-rush-storage-"))
    try:
        postgres.start()
        redis.start()
        database_url = postgres.create_database("rush")
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "HOUSING_QUEUE_PREFIX": "rush:",
            "SECRET_KEY": "rush",
            "FLASK_APP": "wsgi",
            "RATE_LIMITS": "off",
            "STORAGE_FOLDER": str(storage),
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": str(mail_port),
        }
        flask_command(environment, "db", "upgrade", "-d", "migrations")
        # The demo city's own messages are written to a folder, not sent to the sink.
        quiet = {key: value for key, value in environment.items() if key not in QUIET}
        flask_command({**quiet, "HOUSING_INSTANCE_FOLDER": str(storage)}, "demo", "load")
        yield Servers(postgres, redis, database_url, environment)
    finally:
        redis.remove()
        postgres.remove()
        shutil.rmtree(storage, ignore_errors=True)


@contextmanager
def serving(servers: Servers, *, threads: int = 8, **settings: str) -> Iterator[Portal]:
    portal = Portal({**servers.environment, **settings}, threads=threads)
    try:
        portal.start()
        yield portal
    finally:
        portal.stop()


def sweep(environment: dict[str, str], *, stale: bool = False) -> None:
    """What the periodic sweep does once its grace has passed: hand out every confirmation
    that never reached a worker; with ``stale``, also those a worker cut off in the middle left
    half-sent (call it only once deliveries have gone quiet, as the sweep's ten minutes do)."""
    offset = "STALE_SENDING + SWEEP_GRACE" if stale else "SWEEP_GRACE"
    code = (
        "from datetime import timedelta\n"
        "from housing import create_app\n"
        "from housing.db_types import utcnow\n"
        "from housing.notifications.tasks import STALE_SENDING, SWEEP_GRACE, sweep\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    print(sweep(utcnow() + {offset} + timedelta(seconds=1)))\n"
    )
    subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=environment, check=True, capture_output=True)


def wait_for_mail(count: Callable[[], int], expected: int, seconds: float = 120) -> int:
    """Wait until the sink has ``expected`` messages, or nothing has arrived for a few seconds,
    or the time is up; then a little longer, so that a message sent twice would show."""
    deadline = time.monotonic() + seconds
    seen, quiet_since = count(), time.monotonic()
    while seen < expected and time.monotonic() < deadline:
        time.sleep(0.2)
        now_seen = count()
        if now_seen != seen:
            seen, quiet_since = now_seen, time.monotonic()
        elif time.monotonic() - quiet_since > 4:
            break
    time.sleep(1.0)
    return count()
