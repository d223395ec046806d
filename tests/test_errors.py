"""Never a 500 for what a visitor can type: out-of-range ids, NUL characters, deep JSON; and
the errors that do happen are logged with a request id the page shows."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from flask import Flask, request, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select

from housing import create_app
from housing.applications.models import Application
from housing.extensions import limiter
from housing.request_checks import MAX_JSON_DEPTH
from tests.accounts.helpers import csrf_token, post_form, sign_in_as
from tests.applications.helpers import YOU_FORM, open_listing, start, step
from tests.conftest import make_config
from tests.factories import (
    ListingFactory,
    ListingPreferenceFactory,
    PreferenceFactory,
    UserFactory,
)

# 2^31, one past the largest id a PostgreSQL integer column holds, and one past a 64-bit one.
OUT_OF_RANGE = ("2147483648", "9999999999999999999999")
ROLES = ("anonymous", "applicant", "partner", "staff", "auditor")
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _sign_in(client, role: str) -> str:  # type: ignore[no-untyped-def]
    """Sign in as ``role`` and return a CSRF token of the session."""
    if role != "anonymous":
        traits = {} if role == "applicant" else {role: True, "with_two_factor": True}
        sign_in_as(client, UserFactory(**traits))
    page = client.get("/account" if role != "anonymous" else "/account/sign-in").text
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match
    return match.group(1)


def _paths_with(app: Flask, number: str) -> list[tuple[str, str]]:
    """Every rule with a number in its path, that number set to ``number``, other parts "x"."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(kind == "int" for kind, _name in ARGUMENT.findall(rule.rule)):
            continue
        path = ARGUMENT.sub(lambda m: number if m.group(1) == "int" else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_an_out_of_range_id_with_not_found(app, client, db_session, role):
    token = _sign_in(client, role)
    wrong = []
    for number in OUT_OF_RANGE:
        paths = _paths_with(app, number)
        assert len(paths) > 50
        for method, path in paths:
            response = client.open(path, method=method, data={"csrf_token": token})
            # 405: the address takes other methods, and werkzeug says so before it reads the id.
            if response.status_code not in ({404} if method == "GET" else {404, 405}):
                wrong.append((method, path, response.status_code))
            response.close()
    assert wrong == [], wrong


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/staff/activity?before={HUGE}", 200),
        ("/staff/activity?before=2147483648", 200),
        (f"/listings?page={HUGE}", 200),
        ("/listings?page=\N{SUPERSCRIPT TWO}", 200),
        (f"/staff/ami-charts/new?from={HUGE}", 200),
        ("/staff/ami-charts/new?from=\N{SUPERSCRIPT TWO}", 200),
        ("/staff/messages/listings/{listing}?before=99999999999", 200),
        (f"/staff/messages/listings/{{listing}}?before={HUGE}", 200),
        ("/api/v1/listings?page=\N{SUPERSCRIPT TWO}", 400),
        ("/api/v1/listings?per_page=\N{SUPERSCRIPT TWO}", 400),
        ("/api/v1/eligibility?listing_id=2147483648", 400),
        ("/api/v1/eligibility?listing_id=\N{SUPERSCRIPT TWO}", 400),
    ],
)
def test_numbers_in_the_query_string_beyond_the_database_are_not_an_error(
    client, db_session, path, status
):
    listing = ListingFactory()
    _sign_in(client, "staff")
    response = client.get(path.format(listing=listing.id))
    assert response.status_code == status, response.text


def test_numbers_in_a_form_beyond_the_database_are_not_an_error(client, db_session):
    listing = ListingFactory()
    token = _sign_in(client, "staff")
    response = client.post(
        f"/staff/messages/listings/{listing.id}/letters/mailed",
        data={"csrf_token": token, "letter": [HUGE, "2147483648"]},
    )
    assert response.status_code == 302
    assert "Choose the letters" in client.get(response.headers["Location"]).text


def _nested(depth: int) -> object:
    value: object = "deep"
    for _level in range(depth):
        value = [value]
    return value


NUL_CLAIM = {"preferences": {"LW": {"claimed": True, "document": "x\x00"}}}


@pytest.mark.parametrize(
    "body",
    [
        NUL_CLAIM,
        {"applicant": {"first_name": "Ma\x00ria"}},
        {"applicant": {"first\x00name": "Maria"}},
        {"applicant": {"first_name": _nested(900)}},
        {"applicant": {"first_name": _nested(40)}},
    ],
    ids=["nul-in-a-document", "nul-in-a-name", "nul-in-a-key", "900-deep", "40-deep"],
)
def test_nul_characters_and_deep_json_are_a_400_and_store_nothing(client, db_session, body):
    listing = open_listing()
    ListingPreferenceFactory(listing=listing, preference=PreferenceFactory(code="LW"))
    for path in (
        f"/api/v1/listings/{listing.id}/drafts",
        f"/api/v1/listings/{listing.id}/applications",
    ):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 400, response.text
        assert response.json["error"]["code"] == "bad_request"
        assert response.json["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0


def test_json_within_the_depth_bound_reaches_the_application_rules(client, db_session):
    listing = open_listing()
    body = {"applicant": {"first_name": _nested(MAX_JSON_DEPTH - 2)}}
    response = client.post(f"/api/v1/listings/{listing.id}/drafts", json=body)
    assert response.status_code == 422, response.text  # the rules' answer, not a 400


def test_a_form_post_with_a_nul_character_is_a_400_in_the_readers_language(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    response = step(client, public_id, "you", {**YOU_FORM, "first_name": "Ma\x00ria"})
    assert response.status_code == 400
    assert "NUL" in response.text
    saved = db_session.scalars(select(Application)).one()
    assert "applicant" not in saved.answers
    client.set_cookie("language", "es")
    signing_in = post_form(
        client, "/account/sign-in", {"email": "a\x00@example.org", "password": "x" * 12}
    )
    assert signing_in.status_code == 400
    assert 'lang="es"' in signing_in.text and "NUL" in signing_in.text


@pytest.mark.parametrize(
    "path",
    ["/applications/AB%00CD", "/applications/AB%00CD/you", "/static/%00", "/listings?q=%00"],
)
def test_a_nul_character_in_the_address_is_never_an_error(client, db_session, path):
    response = client.get(path)
    assert response.status_code in (400, 404), response.text


def test_a_multipart_part_whose_name_cannot_be_read_is_not_an_error(client, db_session):
    """Werkzeug gives such a part the name None; the NUL check must not trip over it."""
    listing = open_listing()
    body = b'--b\r\nContent-Disposition: form-data; name="\\"\r\n\r\nnull\r\n--b--\r\n'
    response = client.post(
        f"/api/v1/listings/{listing.id}/documents",
        data=body,
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code < 500, response.text


@pytest.fixture
def production_client(database_url, tmp_path, db_session) -> FlaskClient:
    """The app as it runs for people (failures are answered, not raised to the test), with a
    route that fails."""
    application = create_app(make_config(database_url, tmp_path, testing=False))

    def fail() -> str:
        raise RuntimeError("a failure of the portal's own")

    for path in ("/test-only/fail", "/api/v1/test-only/fail"):
        application.add_url_rule(path, path, fail, methods=["GET", "POST"])
    return application.test_client()


def _logged_failures(caplog) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    return [record for record in caplog.records if record.exc_info]


def test_a_failure_is_logged_with_the_request_id_the_page_shows(production_client, caplog):
    given = "edge-7f3a9c21"
    with caplog.at_level(logging.ERROR, logger="housing.errors"):
        page = production_client.get("/test-only/fail", headers={"X-Request-ID": given})
    assert page.status_code == 500
    assert page.headers["X-Request-ID"] == given
    assert given in page.text
    assert "Nothing you saved has changed" in page.text
    [record] = _logged_failures(caplog)
    assert given in record.getMessage() and record.request_id == given  # type: ignore[attr-defined]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_a_failed_post_does_not_claim_that_nothing_was_lost(production_client, caplog):
    token = csrf_token(production_client, "/account/sign-in")
    with caplog.at_level(logging.ERROR, logger="housing.errors"):
        page = production_client.post(
            "/test-only/fail",
            data={"csrf_token": token},
            headers={"X-Request-ID": "not sane\tat all"},
        )
    assert page.status_code == 500
    made = page.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # the insane one was replaced
    assert made in page.text
    assert "may not have been saved" in page.text
    assert "has been lost" not in page.text and "Nothing you saved" not in page.text
    [record] = _logged_failures(caplog)
    assert made in record.getMessage()


def test_an_api_failure_answers_json_with_the_request_id(production_client, caplog):
    token = csrf_token(production_client, "/account/sign-in")
    with caplog.at_level(logging.ERROR, logger="housing.errors"):
        response = production_client.post(
            "/api/v1/test-only/fail", json={}, headers={"X-CSRFToken": token}
        )
    assert response.status_code == 500
    error = response.json["error"]
    assert error["code"] == "server_error"
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert "may not have been saved" in error["message"]
    assert error["request_id"] in _logged_failures(caplog)[0].getMessage()


def test_every_answer_carries_a_request_id(client, db_session):
    first = client.get("/listings").headers["X-Request-ID"]
    second = client.get("/listings").headers["X-Request-ID"]
    assert first != second
    assert (
        client.get("/nowhere", headers={"X-Request-ID": "lb-42abc"}).headers["X-Request-ID"]
        == "lb-42abc"
    )


def _behind_proxies(database_url: str, storage: Path, trusted: int) -> FlaskClient:
    application = create_app(make_config(database_url, storage, trusted_proxies=trusted))

    def where() -> dict[str, object]:
        return {
            "client": request.remote_addr,
            "home": url_for("listings.directory", _external=True),
        }

    application.add_url_rule("/test-only/where", "where", where)
    with application.app_context():
        limiter.reset()
    return application.test_client()


def test_behind_a_trusted_proxy_each_resident_is_limited_on_their_own(
    database_url, tmp_path, db_session
):
    client = _behind_proxies(database_url, tmp_path, trusted=1)
    one, other = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    for _attempt in range(10):
        assert client.get("/lottery/audit-log.json", headers=one).status_code == 200
    assert client.get("/lottery/audit-log.json", headers=one).status_code == 429
    assert client.get("/lottery/audit-log.json", headers=other).status_code == 200
    # Only the hop the proxy added counts: an address the client wrote before it does not.
    spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert client.get("/lottery/audit-log.json", headers=spoofed).status_code == 429

    seen = client.get(
        "/test-only/where",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert seen.json == {"client": "203.0.113.9", "home": "https://localhost/listings"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(database_url, tmp_path, db_session):
    client = _behind_proxies(database_url, tmp_path, trusted=0)
    for number in range(10):
        forwarded = {"X-Forwarded-For": f"203.0.113.{number}"}
        assert client.get("/lottery/audit-log.json", headers=forwarded).status_code == 200
    other = {"X-Forwarded-For": "203.0.113.200"}
    assert client.get("/lottery/audit-log.json", headers=other).status_code == 429

    seen = client.get(
        "/test-only/where",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert seen.json == {"client": "127.0.0.1", "home": "http://localhost/listings"}


def test_a_request_turned_away_for_its_rate_says_when_to_try_again(
    database_url, tmp_path, db_session
):
    """A 429 carries Retry-After, in whole seconds, for a page, the JSON files and the API."""
    client = _behind_proxies(database_url, tmp_path, trusted=0)
    for _attempt in range(10):
        client.get("/lottery/audit-log.json")
    refused = client.get("/lottery/audit-log.json")
    assert refused.status_code == 429
    # The limit counts per minute: the wait is what is left of that minute, never a date.
    assert refused.headers["Retry-After"].isdigit()
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    api = client.get("/lottery/audit-log.json", headers={"Accept": "application/json"})
    assert api.status_code == 429 and api.headers["Retry-After"].isdigit()

    for _attempt in range(120):
        client.post("/api/v1/listings/1/applications", json={})
    refused = client.post("/api/v1/listings/1/applications", json={})
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"].isdigit()
