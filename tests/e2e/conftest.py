"""Browser tests: the app served by gunicorn on a loopback port, with PostgreSQL, Redis and a
real rq worker beside it, driven by real Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from redis import Redis
from rq import Queue, worker_registration

from housing import create_app, jobs
from housing.accounts.models import Role, User
from housing.accounts.passwords import hash_password
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from tests.conftest import (
    RecordingHandler,
    create_postgres_database,
    drop_postgres_database,
    make_config,
)
from tests.notifications.test_worker_delivery import REDIS_URL, forget_queues, let_go

CHROMIUM = os.environ.get("HOUSING_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PASSWORD = "browser test password here"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Person:
    email: str
    totp_secret: str | None = None

    def code(self) -> str:
        assert self.totp_secret
        return pyotp.TOTP(self.totp_secret).now()


@dataclass(frozen=True)
class LiveSite:
    url: str
    partner: Person
    staff: Person
    database_url: str
    storage: Path
    worker: subprocess.Popen[bytes]
    worker_log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(database_url: str, storage: Path) -> tuple[Person, Person]:
    app = create_app(make_config(database_url, storage))
    people = []
    with app.app_context():
        for role, email in (
            (Role.PARTNER, "partner@example.org"),
            (Role.STAFF, "staff@example.org"),
        ):
            secret = pyotp.random_base32()
            db.session.add(
                User(
                    email=email,
                    full_name=role.value.title(),
                    role=role,
                    password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow(),
                    totp_secret=secret,
                    totp_enabled_at=utcnow(),
                )
            )
            people.append(Person(email, secret))
        db.session.commit()
        db.engine.dispose()
    return people[0], people[1]


def _wait_for_port(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            assert server.poll() is None, "gunicorn stopped while starting"
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _wait_for_worker(prefix: str, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until the worker has registered for its queues in Redis: a worker that cannot start
    fails here, not as a message that never comes."""
    connection = Redis.from_url(REDIS_URL)
    try:
        queue = Queue(f"{prefix}{jobs.MAIL_QUEUE}", connection=connection)
        deadline = time.monotonic() + 30
        while not worker_registration.get_keys(queue):
            assert worker.poll() is None, f"the worker stopped: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "the worker never registered"
            time.sleep(0.1)
    finally:
        connection.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Iterator[LiveSite]:  # type: ignore[no-untyped-def]
    name, url = create_postgres_database()
    storage = tmp_path_factory.mktemp("e2e-storage")
    port = _free_port()
    # Keeps this run's queues, jobs and rate-limit counters apart on the shared Redis.
    prefix = f"e2e-{os.getpid()}-{name[-6:]}-"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": prefix,
        "SECRET_KEY": "browser-tests",
        "STORAGE_FOLDER": str(storage),
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(smtp_server[1]),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        # The journeys look at a page right after changing it; production keeps pages 20 s.
        "PAGE_CACHE_SECONDS": "0",
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(
        [*flask, "db", "upgrade", "-d", "migrations"],
        cwd=PROJECT_ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*flask, "demo", "load"], cwd=PROJECT_ROOT, env=environment, check=True, capture_output=True
    )
    partner, staff = _seed(url, storage)
    worker_log = tmp_path_factory.mktemp("e2e-worker") / "worker.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with worker_log.open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "housing.worker"],
                    cwd=PROJECT_ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        worker = processes[0]
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "wsgi:app",
                ],
                cwd=PROJECT_ROOT,
                env=environment,
            )
        )
        _wait_for_port(port, processes[1])
        _wait_for_worker(prefix, worker, worker_log)
        yield LiveSite(f"http://127.0.0.1:{port}", partner, staff, url, storage, worker, worker_log)
    finally:
        for process in processes:
            _stop(process)
        forget_site(url, storage, prefix, name)


def forget_site(url: str, folder: Path, prefix: str, database_name: str) -> None:
    """After a site's processes stop: its queues and counters on the shared Redis, then its
    database."""
    cleaner = create_app(make_config(url, folder, redis_url=REDIS_URL, queue_prefix=prefix))
    try:
        with cleaner.app_context():
            forget_queues(prefix)
    finally:
        let_go(cleaner)
        drop_postgres_database(database_name)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


# The last time step each person's code was used for: the site takes a code once.
_STEPS_USED: dict[str, int] = {}


def _unused_code(person: Person) -> str:
    """The current code, or the next one (the site allows one step of clock drift either way)
    when the current one was used: a second sign-in within 30 seconds does not wait."""
    assert person.totp_secret
    totp = pyotp.TOTP(person.totp_secret)
    wanted = _STEPS_USED.get(person.email, -1) + 1
    while (current := int(time.time()) // totp.interval) + 1 < wanted:
        time.sleep(0.5)
    step = max(current, wanted)
    _STEPS_USED[person.email] = step
    return totp.generate_otp(step)


def sign_in(page, site, person) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/account/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(_unused_code(person))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site.url}/account")


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page) -> list[tuple[str, list[object]]]:  # type: ignore[no-untyped-def]
    """axe-core's moderate, serious and critical violations on the page (stricter than the
    target of no serious or critical one), each with up to three of its elements.

    A click that navigates returns once the new page has begun to arrive, when its document
    may still be empty; axe-core waits for the whole page, or it reads a document not there."""
    page.wait_for_load_state("load")
    results = Axe().run(page)
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("moderate", "serious", "critical")
    ]


def wait_for_mail(
    mailbox: RecordingHandler, site: LiveSite, wanted: Callable[[EmailMessage], bool]
) -> EmailMessage:
    """The first message ``wanted`` that the worker delivered to the SMTP sink, within 30 s."""
    deadline = time.monotonic() + 30
    while True:
        found = [message for message in list(mailbox.messages) if wanted(message)]
        if found:
            return found[0]
        assert site.worker.poll() is None, f"the worker stopped: {site.worker_log.read_text()}"
        assert time.monotonic() < deadline, "the worker delivered no such message in 30 s"
        time.sleep(0.05)


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


@contextmanager
def worker_paused(site: LiveSite) -> Iterator[None]:
    """The worker takes no job meanwhile, as when it is busy with others: what staff see
    while a job waits, then how the page follows it once the worker goes on."""
    os.kill(site.worker.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(site.worker.pid, signal.SIGCONT)
