"""Fixtures: a throwaway database per run, built by the migrations; one rolled-back
transaction per test; an app, a client and factories bound to that transaction.

On PostgreSQL the migrations run as the superuser, who owns every table, and the app connects
as a login role of this run's own that owns nothing, as in production."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import Engine, create_engine, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from housing import create_app
from housing.config import PROJECT_ROOT, Config, MailConfig, SmsConfig
from housing.extensions import db, limiter
from housing.notifications.models import MessageState, OutboundMessage
from housing.notifications.services import OUTBOX_KEY
from tests import factories

ADMIN_URL = os.environ.get("HOUSING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="which database the suite runs against",
    )


@pytest.fixture(scope="session")
def database_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--database"))


def create_postgres_database() -> tuple[str, str]:
    name = f"housing_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class ThrowawayDatabase:
    url: str  # the app's: on PostgreSQL a role that owns no table
    owner_url: str  # the tables' owner's: migrations, and what only an owner may do

    @property
    def owner_url_if_other(self) -> str | None:
        return self.owner_url if self.owner_url != self.url else None


@contextmanager
def postgres_database() -> Iterator[ThrowawayDatabase]:
    """A database of its own and a login role of its own for the app, both dropped afterwards.

    The role's name is the database's, unique to this run, so no other run's data is in reach.
    """
    name, owner_url = create_postgres_database()
    role = f"{name}_app"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE ROLE "{role}" LOGIN')
        url = make_url(owner_url).set(username=role, password=None)
        yield ThrowawayDatabase(url.render_as_string(hide_password=False), owner_url)
    finally:
        drop_postgres_database(name)  # and with it every right the role was granted there
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture(scope="session")
def throwaway_database(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowawayDatabase]:
    if database_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        yield ThrowawayDatabase(url, url)
        return
    with postgres_database() as database:
        yield database


@pytest.fixture(scope="session")
def database_url(throwaway_database: ThrowawayDatabase) -> str:
    """Where the app connects."""
    return throwaway_database.url


def make_config(database_url: str, storage: Path, **overrides: object) -> Config:
    values: dict[str, object] = {
        "secret_key": "test-secret-key",
        "database_url": database_url,
        "storage_folder": storage,
        "testing": True,
        "page_cache_seconds": 0,
        "sms": SmsConfig(folder=storage / "sms"),
    }
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


class RecordingHandler:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    """A real SMTP server on a loopback port."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible HTTP server (moto's) on a loopback port, in a process of its own so
    that what it holds does not count in this process's memory; its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 test server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def mailbox(smtp_server: tuple[RecordingHandler, int]) -> Iterator[RecordingHandler]:
    handler, _port = smtp_server
    handler.messages.clear()
    handler.refuse.clear()
    yield handler
    handler.messages.clear()


@pytest.fixture(scope="session")
def app(
    throwaway_database: ThrowawayDatabase,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: tuple[RecordingHandler, int],
) -> Iterator[Flask]:
    application = create_app(
        make_config(
            throwaway_database.url,
            tmp_path_factory.mktemp("storage"),
            database_owner_url=throwaway_database.owner_url_if_other,
            mail=MailConfig(host="127.0.0.1", port=smtp_server[1]),
        )
    )
    with application.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    yield application
    with application.app_context():
        db.engine.dispose()


@contextmanager
def _one_rolled_back_transaction(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    # A plain SQLAlchemy session: Flask-SQLAlchemy's own would pick the engine, not this
    # connection.
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    factories.use_session(session)
    try:
        yield session
    finally:
        factories.use_session(None)
        session.close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """Everything a test writes happens in one transaction that is rolled back afterwards.

    The test's own session (used by the factories) and the sessions of the requests it makes
    share one connection, so requests see what the test flushed. No application context stays
    pushed, so each request gets its own, as in production.
    """
    with app.app_context():
        engine = db.engine
    with _one_rolled_back_transaction(engine) as session:
        yield session


@pytest.fixture(scope="session")
def owner_engine(app: Flask, throwaway_database: ThrowawayDatabase) -> Iterator[Engine]:
    if throwaway_database.owner_url_if_other is None:
        with app.app_context():
            engine = db.engine  # SQLite: one role, and the engine set up for its transactions
        yield engine
        return
    engine = create_engine(throwaway_database.owner_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def owner_db_session(owner_engine: Engine) -> Iterator[Session]:
    """As ``db_session``, but the app and the factories act as the tables' owner: for tests
    that do what only the owner (or a superuser) may, such as switching off the log's triggers."""
    with _one_rolled_back_transaction(owner_engine) as session:
        yield session


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    with app.app_context():
        limiter.reset()
    return app.test_client()


@pytest.fixture
def storage(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["storage"]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def runner(app: Flask, db_session: Session) -> FlaskCliRunner:
    return app.test_cli_runner()


def set_aside_messages(session: Session) -> None:
    """Count the messages a test's setup wrote as sent, so that the next delivery (which sends
    every message due) carries only what the test itself causes."""
    session.info.pop(OUTBOX_KEY, None)
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.state == MessageState.PENDING)
        .values(state=MessageState.SENT)
    )
