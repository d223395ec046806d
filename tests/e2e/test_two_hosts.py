"""Two web hosts behind one name, as a city runs the site for a deadline: each a gunicorn of
its own, in a folder of its own, sharing only the PostgreSQL database, Redis, the S3 bucket and
the secret key. One browser (one cookie jar) goes back and forth between them, as a load
balancer without sticky sessions would send it: a draft, a proof, a sign-out and the rate
limits follow it from one host to the other."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from flask_migrate import upgrade
from limits import parse_many

from housing import create_app
from housing.accounts.views import AUTH_LIMITS
from housing.config import PROJECT_ROOT, S3Config
from housing.demo_files import pdf_document
from housing.extensions import db
from housing.storage_s3 import S3Storage
from tests import factories
from tests.applications.helpers import HOUSEHOLD_FORM, INCOME_FORM, YOU_FORM, open_listing
from tests.conftest import (
    create_postgres_database,
    free_port,
    make_config,
)
from tests.e2e.conftest import _stop, _wait_for_port, forget_site
from tests.notifications.test_worker_delivery import REDIS_URL, let_go

pytestmark = pytest.mark.postgresql_only

PROOF = "Utility bill"
# The sign-in pages' first limit: so many posts a minute from one address.
PER_MINUTE = parse_many(AUTH_LIMITS)[0]
S3_KEYS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret"}


@dataclass(frozen=True)
class TwoHosts:
    a: str
    b: str
    database_url: str
    listing_id: int
    applicant_email: str
    bucket: S3Storage


def _seed(database_url: str, storage: Path) -> tuple[int, str]:
    """The schema, built by the migrations, and an open listing with a preference that asks
    for a proof, and an applicant's account; committed, so the servers see them."""
    app = create_app(make_config(database_url, storage))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        factories.use_session(db.session())
        try:
            listing = open_listing()
            preference = factories.PreferenceFactory(proof_types=[PROOF])
            factories.ListingPreferenceFactory(listing=listing, preference=preference)
            applicant = factories.UserFactory()
            db.session.commit()
            seeded = (int(listing.id), str(applicant.email))
        finally:
            factories.use_session(None)
    let_go(app)
    return seeded


def _host(folder: Path, port: int, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    """A gunicorn of two workers run from ``folder``, its instance folder: nothing on disk is
    shared with the other host."""
    folder.mkdir()
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(PROJECT_ROOT),
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=folder,
        env={**environment, "HOUSING_INSTANCE_FOLDER": str(folder)},
    )


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[TwoHosts]:
    name, url = create_postgres_database()
    prefix = f"hosts-{os.getpid()}-{name[-6:]}-"
    bucket = S3Storage.from_config(
        S3Config(
            bucket=f"housing-{secrets.token_hex(6)}",
            prefix="documents",
            endpoint_url=s3_endpoint,
            region="us-east-1",
            access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
            secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
            addressing_style="path",
        )
    )
    bucket.client.create_bucket(Bucket=bucket.bucket)
    folder = tmp_path_factory.mktemp("two-hosts")
    listing_id, applicant_email = _seed(url, folder / "seed-storage")
    ports = free_port(), free_port()
    environment = {
        **os.environ,
        **S3_KEYS,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "HOUSING_QUEUE_PREFIX": prefix,
        "SECRET_KEY": "two-hosts-one-key",
        "STORAGE_URL": f"s3://{bucket.bucket}/documents",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
        "PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
    }
    hosts: list[subprocess.Popen[bytes]] = []
    try:
        for letter, port in zip("ab", ports, strict=True):
            hosts.append(_host(folder / f"host-{letter}", port, environment))
        for host, port in zip(hosts, ports, strict=True):
            _wait_for_port(port, host)
        yield TwoHosts(
            a=f"http://127.0.0.1:{ports[0]}",
            b=f"http://127.0.0.1:{ports[1]}",
            database_url=url,
            listing_id=listing_id,
            applicant_email=applicant_email,
            bucket=bucket,
        )
    finally:
        for host in hosts:
            _stop(host)
        forget_site(url, folder, prefix, name)


class Browser(requests.Session):
    """One person's browser: the cookies it gets from either host go to both (the hosts
    share a name; a cookie does not depend on the port). A host that hangs fails the test."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return super().request(*args, **kwargs)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with Browser() as session:
        yield session


def csrf_token(browser: Browser, url: str) -> str:
    page = browser.get(url)
    match = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(browser: Browser, host: str, path: str, data: dict[str, str]) -> requests.Response:
    """A form sent as the browser would, with a token from a page of the same host."""
    token = csrf_token(browser, f"{host}/account/sign-in")
    return browser.post(f"{host}{path}", data={"csrf_token": token, **data}, allow_redirects=False)


def step(browser: Browser, host: str, public_id: str, name: str, data: dict[str, str]) -> None:
    response = post(
        browser, host, f"/applications/{public_id}/{name}", {"action": "continue", **data}
    )
    assert response.status_code == 302, (name, response.text[-2000:])


def start_draft(browser: Browser, host: str, listing_id: int) -> str:
    response = post(browser, host, f"/listings/{listing_id}/apply", {})
    assert response.status_code == 302, response.text[-2000:]
    match = re.search(r"/applications/([A-Z0-9]+)/you", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def stored_document(database_url: str, public_id: str) -> tuple[str, str]:
    """The public id and the storage key of the one proof the draft ``public_id`` holds."""
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        row = connection.execute(
            """
            SELECT document.public_id, document.storage_key
            FROM application_documents AS document
            JOIN applications AS application ON application.id = document.application_id
            WHERE application.public_id = %s
            """,
            (public_id,),
        ).fetchone()
    assert row is not None, "no document was recorded"
    return str(row[0]), str(row[1])


def test_a_draft_started_on_one_host_is_resumed_on_the_other(two_hosts, browser):
    public_id = start_draft(browser, two_hosts.a, two_hosts.listing_id)
    step(browser, two_hosts.a, public_id, "you", YOU_FORM)

    resumed = browser.get(f"{two_hosts.b}/applications/{public_id}/you", allow_redirects=False)

    assert resumed.status_code == 200
    assert 'value="Maria"' in resumed.text
    assert 'value="120 Harbor Way"' in resumed.text
    # Someone without this browser's cookie gets nothing from either host.
    for host in (two_hosts.a, two_hosts.b):
        with Browser() as stranger:
            answer = stranger.get(f"{host}/applications/{public_id}/you", allow_redirects=False)
        assert answer.status_code == 404


def test_a_proof_uploaded_through_one_host_is_downloaded_through_the_other(two_hosts, browser):
    public_id = start_draft(browser, two_hosts.a, two_hosts.listing_id)
    step(browser, two_hosts.a, public_id, "you", YOU_FORM)
    step(browser, two_hosts.b, public_id, "alternate", {"kind": "none"})
    step(browser, two_hosts.b, public_id, "household", HOUSEHOLD_FORM)
    step(browser, two_hosts.a, public_id, "income", INCOME_FORM)
    content = pdf_document("Bill", ["March", "Port Alder Water"])
    token = csrf_token(browser, f"{two_hosts.a}/account/sign-in")
    uploaded = browser.post(
        f"{two_hosts.a}/applications/{public_id}/preferences",
        data={
            "csrf_token": token,
            "action": "continue",
            "claims-0-claimed": "yes",
            "claims-0-member": "1",
            "claims-0-proof_type": PROOF,
        },
        files={"claims-0-document": ("bill.pdf", content, "application/pdf")},
        allow_redirects=False,
    )
    assert uploaded.status_code == 302, uploaded.text[-2000:]

    document, key = stored_document(two_hosts.database_url, public_id)
    downloaded = browser.get(f"{two_hosts.b}/applications/{public_id}/documents/{document}")

    assert downloaded.status_code == 200
    assert downloaded.content == content
    # Kept in the bucket, under the deployment's prefix.
    listed = two_hosts.bucket.client.list_objects_v2(Bucket=two_hosts.bucket.bucket)
    assert f"documents/{key}" in [item["Key"] for item in listed["Contents"]]


def test_signing_out_on_one_host_ends_the_session_on_the_other(two_hosts, browser):
    signed_in = post(
        browser,
        two_hosts.a,
        "/account/sign-in",
        {"email": two_hosts.applicant_email, "password": factories.TEST_PASSWORD},
    )
    assert signed_in.status_code == 302, signed_in.text[-2000:]
    assert browser.get(f"{two_hosts.b}/account", allow_redirects=False).status_code == 200
    kept = browser.cookies.copy()

    signed_out = post(browser, two_hosts.a, "/account/sign-out", {})
    assert signed_out.status_code == 302

    after = browser.get(f"{two_hosts.b}/account", allow_redirects=False)
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/account/sign-in")
    # The cookies from before the sign-out, replayed, open nothing: the session ended on the
    # server, not only in this browser.
    with Browser() as thief:
        replayed = thief.get(f"{two_hosts.b}/account", cookies=kept, allow_redirects=False)
    assert replayed.status_code == 302
    assert replayed.headers["Location"].startswith("/account/sign-in")


def test_the_hosts_count_requests_against_one_rate_limit(two_hosts, browser):
    assert PER_MINUTE.GRANULARITY.name == "minute"
    token = csrf_token(browser, f"{two_hosts.a}/account/sign-in")
    answers = []
    for attempt in range(PER_MINUTE.amount + 1):
        host = (two_hosts.a, two_hosts.b)[attempt % 2]
        answers.append(
            browser.post(
                f"{host}/account/password/reset/not-a-token",
                data={"csrf_token": token, "password": "whatever it is"},
                allow_redirects=False,
            ).status_code
        )

    # Each host alone saw only half of them: only a shared count reaches the limit.
    assert answers == [400] * PER_MINUTE.amount + [429]
