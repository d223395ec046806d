"""Browser tests: the app served by gunicorn on a loopback port, driven by real Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

from housing import create_app
from housing.accounts.models import Role, User
from housing.accounts.passwords import hash_password
from housing.config import PROJECT_ROOT
from housing.db_types import utcnow
from housing.extensions import db
from tests.conftest import create_postgres_database, drop_postgres_database, make_config

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


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory, smtp_server) -> Iterator[LiveSite]:  # type: ignore[no-untyped-def]
    name, url = create_postgres_database()
    storage = tmp_path_factory.mktemp("e2e-storage")
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "browser-tests",
        "STORAGE_FOLDER": str(storage),
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": str(smtp_server[1]),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        # The journeys look at a page right after changing it; production keeps pages 20 s.
        "PAGE_CACHE_SECONDS": "0",
    }
    environment.pop("REDIS_URL", None)
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
    server = subprocess.Popen(
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
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield LiveSite(f"http://127.0.0.1:{port}", partner, staff, url, storage)
    finally:
        server.terminate()
        server.wait(timeout=30)
        drop_postgres_database(name)


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


_CODES_USED: dict[str, str] = {}


def sign_in(page, site, person) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/account/sign-in")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = person.code()
    while code == _CODES_USED.get(person.email):  # a code works once: wait for the next one
        time.sleep(1)
        code = person.code()
    _CODES_USED[person.email] = code
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site.url}/account")


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
