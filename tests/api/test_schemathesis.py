"""Every operation of the OpenAPI document, driven by schemathesis against the app itself.

Requests the document allows and requests it does not, each checked for: no server error, a
documented status with a body of the documented schema and content type, the document's valid
requests taken and its invalid ones refused, a 401 for a missing token, and an Allow header on
every 405. Ids the generator draws rarely exist, so a valid request is pointed at an open
listing, and a draft's operations at a fresh, complete draft opened with its own token.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from housing.extensions import limiter
from tests.applications.helpers import open_listing, valid_answers

# Per operation; the SQLite pass, which also measures coverage, samples fewer.
EXAMPLES = {"postgresql": 40, "sqlite": 20}
# Where the document's schemas cannot say everything: the application's rules (a submission),
# the file's bytes (an upload), and how the household's numbers fit together (eligibility)
# may refuse a request that is well formed, with 422 and the reason.
RULE_BOUND = ("submitApplication", "submitDraft", "uploadDocument", "checkEligibility")
# A draft refuses what it cannot keep even unfinished, such as a name with digits.
DRAFT_WRITES = ("createDraft", "updateDraft")


def schemathesis_config(examples: int) -> schemathesis.Config:
    accepted = ["2xx", "401", "403", "404", "409", "429"]
    return schemathesis.Config.from_dict(
        {
            # The document says no text holds a NUL character (refused with 400).
            "generation": {"mode": "all", "max-examples": examples, "allow-x00": False},
            "continue-on-failure": True,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": accepted},
                # A token that is not the draft's own answers 404, as for a draft that does not
                # exist, so that no one learns which drafts do; the document says so.
                "ignored_auth": {"enabled": False},
            },
            "operations": [
                {
                    "include-operation-id": list(RULE_BOUND + DRAFT_WRITES),
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [*accepted, "422"]}
                    },
                }
            ],
        }
    )


@pytest.fixture
def api_schema(app: Flask, db_session: Any, database_kind: str) -> Any:
    config = schemathesis_config(EXAMPLES[database_kind])
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


def _valid_request(case: schemathesis.Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _point_at_real_records(case: schemathesis.Case, client: FlaskClient, listing_id: int) -> None:
    path = case.path_parameters or {}
    if "listing_id" in path and _valid_request(case):
        path["listing_id"] = listing_id
    if "draft_id" in path:
        made = client.post(f"/api/v1/listings/{listing_id}/drafts", json=valid_answers()).json
        path["draft_id"] = made["draft_id"]
        # Only where a token is sent at all: one left out is a case of its own (401).
        headers = case.headers or {}
        if "Authorization" in headers:
            headers["Authorization"] = f"Bearer {made['token']}"


@pytest.fixture
def listing_id(db_session: Any) -> int:
    return int(open_listing().id)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_the_document(
    case: schemathesis.Case, app: Flask, client: FlaskClient, listing_id: int
) -> None:
    with app.app_context():
        limiter.reset()  # the limits are for people; this sends hundreds of requests
    _point_at_real_records(case, client, listing_id)
    case.call_and_validate()
