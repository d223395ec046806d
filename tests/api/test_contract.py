"""The OpenAPI document and the code agree: what the document allows is taken, what it does not
is refused with the usual error body, and every refusal of a method says which ones are allowed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from housing.api.application_views import MAX_IDEMPOTENCY_KEY
from housing.api.views import FILTER_CHOICES, FLAGS, MAX_PAGE, MAX_PER_PAGE
from housing.applications import rules
from housing.applications.models import Application
from housing.demo_files import pdf_document, png_picture
from housing.i18n import LOCALE_CODES
from housing.listings.forms import MAX_HOUSEHOLD_SIZE
from housing.routing import DATABASE_ID_MAX
from tests.api.test_api import DOCUMENT, REGISTRY
from tests.applications.helpers import open_listing, valid_answers
from tests.factories import ListingFactory, UnitFactory

SCHEMAS = DOCUMENT["components"]["schemas"]


def parameter(path: str, method: str, name: str) -> Draft202012Validator:
    """A validator for one documented parameter's schema."""
    [index] = [
        i
        for i, item in enumerate(DOCUMENT["paths"][path][method]["parameters"])
        if item["name"] == name
    ]
    pointer = "/".join(
        ["#", "paths", path.replace("/", "~1"), method, "parameters", str(index), "schema"]
    )
    return Draft202012Validator({"$ref": "urn:openapi" + pointer}, registry=REGISTRY)


def error_body(response, status: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The usual error body, with this status."""
    assert response.status_code == status, response.text
    validator = Draft202012Validator(
        {"$ref": "urn:openapi#/components/schemas/Error"}, registry=REGISTRY
    )
    assert validator.is_valid(response.json), response.json
    return dict(response.json["error"])


def drafts(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(Application)) or 0


def test_an_empty_income_is_refused_by_the_document_and_the_code(client, db_session):
    income = parameter("/api/v1/eligibility", "get", "income")
    assert not income.is_valid("")
    assert income.is_valid("5500") and income.is_valid("5500.50")
    response = client.get("/api/v1/eligibility?household_size=2&income=&income_period=month")
    assert error_body(response, 422)["fields"]["income"]


@pytest.mark.parametrize("income", ["$5,500", " 5500", "5500.", "1e3", "+5"])
def test_an_income_the_document_refuses_is_refused(client, db_session, income):
    assert not parameter("/api/v1/eligibility", "get", "income").is_valid(income)
    response = client.get(
        "/api/v1/eligibility",
        query_string={"household_size": 2, "income": income, "income_period": "month"},
    )
    assert "income" in error_body(response, 422)["fields"]


def test_any_neighborhood_name_is_a_filter_and_one_without_listings_finds_none(client, db_session):
    UnitFactory(listing=ListingFactory(name="East", neighborhood="Eastgate"))
    assert parameter("/api/v1/listings", "get", "neighborhood").is_valid("Nowhere at all")
    found = client.get("/api/v1/listings?neighborhood=Nowhere%20at%20all")
    assert found.status_code == 200, found.text
    assert found.json["listings"] == []
    east = client.get("/api/v1/listings?neighborhood=Eastgate").json["listings"]
    assert [listing["name"] for listing in east] == ["East"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tenure=", "tenure"),
        ("unit_type=", "unit_type"),
        ("phase=", "phase"),
        ("sort=", "sort"),
        ("sort=NAME", "sort"),
        ("accessible=yes", "accessible"),
        ("accessible=", "accessible"),
        ("accessible=TRUE", "accessible"),
        ("page=100001", "page"),
    ],
)
def test_a_filter_value_outside_the_document_is_a_400_naming_it(client, db_session, query, field):
    name, value = query.split("=")
    assert not parameter("/api/v1/listings", "get", name).is_valid(
        int(value) if value.isdigit() else value
    )
    body = error_body(client.get(f"/api/v1/listings?{query}"), 400)
    assert list(body["fields"]) == [field]


def submit(client, listing_id: int, key: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/listings/{listing_id}/applications",
        data=json.dumps(valid_answers()),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_an_idempotency_key_is_taken_exactly_when_the_document_allows_it(client, db_session):
    listing = open_listing()
    key = parameter("/api/v1/listings/{listing_id}/applications", "post", "Idempotency-Key")
    longest = "k" * 99 + "~"
    assert key.is_valid(longest)
    assert submit(client, listing.id, longest).status_code == 201
    for refused in ("k" * 101, "", "two words", "caf\u00e9"):
        assert not key.is_valid(refused)
        body = error_body(submit(client, listing.id, refused), 400)
        assert body["code"] == "bad_request"
    assert drafts(db_session) == 1


def test_the_upload_types_in_the_document_are_the_ones_kept(client, db_session):
    from housing.applications.services import PROOF_TYPES

    operation = DOCUMENT["paths"]["/api/v1/listings/{listing_id}/documents"]["post"]
    encoding = operation["requestBody"]["content"]["multipart/form-data"]["encoding"]
    declared = {kind.strip() for kind in encoding["file"]["contentType"].split(",")}
    stored = DOCUMENT["components"]["schemas"]["UploadedDocument"]["properties"]["content_type"]
    assert declared == set(stored["enum"]) == PROOF_TYPES
    listing = open_listing()
    for name, data in (
        ("proof.pdf", pdf_document("Proof", ["x"])),
        ("proof.png", png_picture(40, 30, (120, 170, 230), (200, 80, 60))),
    ):
        response = client.post(
            f"/api/v1/listings/{listing.id}/documents",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.text
        assert response.json["content_type"] in declared


@pytest.mark.parametrize(
    "answers",
    [
        {"applicant": {"phone_type": "fax"}},
        {"household": [{"relationship": "landlord"}]},
        {"income": {"period": "week"}},
        {"demographics": {"race": "martian"}},
        {"alternate_contact": {"kind": "neighbor"}},
        {"language": "klingon"},
    ],
)
def test_a_draft_with_a_value_outside_its_choices_is_refused_and_nothing_is_saved(
    client, db_session, answers
):
    listing = open_listing()
    response = client.post(f"/api/v1/listings/{listing.id}/drafts", json=answers)
    body = error_body(response, 422)
    assert {problem["code"] for problem in body["problems"]} == {"invalid_choice"}
    assert drafts(db_session) == 0

    made = client.post(f"/api/v1/listings/{listing.id}/drafts", json={"applicant": {}}).json
    auth = {"Authorization": f"Bearer {made['token']}"}
    changed = client.put(f"/api/v1/drafts/{made['draft_id']}", json=answers, headers=auth)
    assert error_body(changed, 422)["problems"]
    kept = client.get(f"/api/v1/drafts/{made['draft_id']}", headers=auth).json["answers"]
    assert kept == {"language": "en", "applicant": {}}


def test_an_incomplete_draft_is_still_taken(client, db_session):
    listing = open_listing()
    made = client.post(
        f"/api/v1/listings/{listing.id}/drafts",
        json={"applicant": {"first_name": "Maria", "phone_type": None}, "household": [{}]},
    )
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/listings"),
        ("TRACE", "/api/v1/listings/1"),
        ("PUT", "/api/v1/listings/1/documents"),
        ("POST", "/api/v1/eligibility"),
        ("DELETE", "/"),
    ],
)
def test_a_method_not_allowed_says_which_are(client, db_session, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]
    assert method not in response.headers["Allow"]
    if path.startswith("/api/"):
        assert error_body(response, 405)["code"] == "method_not_allowed"


def test_a_body_that_is_not_json_is_a_415_with_the_usual_body(client, db_session):
    listing = open_listing()
    for operation in ("drafts", "applications"):
        documented = DOCUMENT["paths"][f"/api/v1/listings/{{listing_id}}/{operation}"]["post"]
        assert "415" in documented["responses"]
        response = client.post(
            f"/api/v1/listings/{listing.id}/{operation}",
            data="applicant=Maria",
            content_type="text/plain",
        )
        assert error_body(response, 415)["code"] == "unsupported_media_type"
    assert drafts(db_session) == 0


def test_a_draft_asked_for_without_a_token_is_a_401_that_says_how(client, db_session):
    listing = open_listing()
    made = client.post(f"/api/v1/listings/{listing.id}/drafts", json={}).json
    for method in ("GET", "PUT"):
        response = client.open(f"/api/v1/drafts/{made['draft_id']}", method=method, json={})
        assert error_body(response, 401)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    missing = client.post(f"/api/v1/drafts/{made['draft_id']}/submit")
    assert error_body(missing, 401)["code"] == "unauthorized"
    wrong = client.get(
        f"/api/v1/drafts/{made['draft_id']}", headers={"Authorization": "Bearer nope"}
    )
    assert error_body(wrong, 404)["code"] == "not_found"


def choices(schema: dict[str, Any]) -> list[Any]:
    return [value for value in schema["enum"] if value is not None]


def test_the_document_lists_the_choices_the_rules_take():
    answers = SCHEMAS["ApplicationAnswers"]["properties"]
    applicant = SCHEMAS["Applicant"]["properties"]
    assert set(answers) == rules.ANSWER_ROOTS
    assert choices(answers["language"]) == list(LOCALE_CODES)
    assert choices(applicant["phone_type"]) == list(rules.PHONE_TYPES)
    assert choices(applicant["updates_by"]) == list(rules.UPDATE_CHANNELS)
    assert choices(SCHEMAS["AlternateContact"]["properties"]["kind"]) == list(rules.ALTERNATE_KINDS)
    relationship = SCHEMAS["HouseholdMember"]["properties"]["relationship"]
    assert choices(relationship) == list(rules.RELATIONSHIPS)
    assert choices(answers["income"]["properties"]["period"]) == list(rules.INCOME_PERIODS)
    veteran_proof = SCHEMAS["PreferenceClaim"]["properties"]["veteran_proof_type"]
    assert choices(veteran_proof) == list(rules.VETERAN_PROOF_TYPES)
    assert list(answers["accessibility"]["properties"]) == list(rules.ACCESSIBILITY_NEEDS)
    demographics = answers["demographics"]["properties"]
    assert {name: choices(schema) for name, schema in demographics.items()} == {
        name: list(values) for name, values in rules.DEMOGRAPHIC_CHOICES.items()
    }


def test_the_document_counts_as_the_rules_and_the_api_do():
    answers = SCHEMAS["ApplicationAnswers"]["properties"]
    assert answers["household"]["maxItems"] == rules.MAX_HOUSEHOLD_MEMBERS
    member = SCHEMAS["PreferenceClaim"]["properties"]["member"]
    assert (member["minimum"], member["maximum"]) == (0, rules.MAX_HOUSEHOLD_MEMBERS)
    amount = answers["income"]["properties"]["amount"]
    assert f"at most {rules.MAX_INCOME}." in amount["description"]

    listings = {
        item["name"]: item["schema"]
        for item in DOCUMENT["paths"]["/api/v1/listings"]["get"]["parameters"]
    }
    for name, values in FILTER_CHOICES.items():
        assert listings[name]["enum"] == list(values)
    assert listings["accessible"]["enum"] == list(FLAGS)
    assert (listings["page"]["maximum"], listings["per_page"]["maximum"]) == (
        MAX_PAGE,
        MAX_PER_PAGE,
    )
    eligibility = {
        item["name"]: item["schema"]
        for item in DOCUMENT["paths"]["/api/v1/eligibility"]["get"]["parameters"]
    }
    assert eligibility["household_size"]["maximum"] == MAX_HOUSEHOLD_SIZE
    assert eligibility["children_under_six"]["maximum"] == MAX_HOUSEHOLD_SIZE - 1
    assert eligibility["voucher"]["enum"] == list(FLAGS)
    assert eligibility["listing_id"]["items"]["maximum"] == DATABASE_ID_MAX
    for item in DOCUMENT["paths"].values():
        for operation in item.values():
            for value in operation.get("parameters", []):
                if value["name"] == "listing_id" and value["in"] == "path":
                    assert value["schema"]["maximum"] == DATABASE_ID_MAX
                if value["name"] == "Idempotency-Key":
                    assert value["schema"]["maxLength"] == MAX_IDEMPOTENCY_KEY


def text_fields(
    schema: dict[str, Any], path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every free-text field of the answers (one without a list of choices), with its path."""
    if "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("oneOf", []):
        yield from text_fields(option, path)
    kinds = schema.get("type", [])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds and "enum" not in schema:
        yield path, schema
    for name, part in schema.get("properties", {}).items():
        yield from text_fields(part, (*path, name))
    if isinstance(schema.get("additionalProperties"), dict):
        yield from text_fields(schema["additionalProperties"], (*path, "P"))
    if "items" in schema:
        yield from text_fields(schema["items"], (*path, 0))


def every_part_answered() -> dict[str, Any]:
    """Answers in which the rules read every field: an alternate contact, a mailing address,
    a preference claimed as a veteran."""
    answers = valid_answers(
        alternate_contact={
            "kind": "family",
            "name": "Ana Lopez",
            "relationship": "Aunt",
            "email": "ana@example.org",
            "phone": "555-234-5679",
        },
        preferences={
            "P": {
                "claimed": True,
                "member": 0,
                "proof_type": "Lease",
                "document": "d" * 32,
                "veteran": True,
                "veteran_proof_type": "dd214",
                "veteran_document": "e" * 32,
            }
        },
    )
    answers["applicant"]["mailing_address"] = dict(answers["applicant"]["address"])
    return answers


def too_long(path: tuple[Any, ...], length: int) -> Any:
    answers = every_part_answered()
    *parents, last = path
    place = answers
    for part in parents:
        place = place[part]
    place[last] = "a" * length
    listing = rules.ListingRules(
        units=(), preferences=(rules.PreferenceRule("P", ("Lease",), veteran_list=True),)
    )
    field = ".".join(str(part) for part in path)
    return next(
        (
            problem.detail["maximum"]
            for problem in rules.check_application(answers, listing, date(2026, 6, 1))
            if problem.field == field and problem.code == "too_long"
        ),
        None,
    )


def test_every_text_the_rules_limit_has_that_limit_in_the_document():
    fields = list(text_fields(SCHEMAS["ApplicationAnswers"]))
    assert len(fields) > 25
    for path, schema in fields:
        limit = schema.get("maxLength")
        if limit is None:
            assert too_long(path, 5000) is None, path
        else:
            assert (too_long(path, limit), too_long(path, limit + 1)) == (None, limit), path


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        (
            {"applicant": {"mailing_address": {"planet": "Mars"}}},
            "applicant.mailing_address.planet",
        ),
        ({"applicant": {"mailing_address": {"street": 12}}}, "applicant.mailing_address.street"),
        ({"preferences": {"COP": {"claimed": True, "member": "me"}}}, "preferences.COP.member"),
        ({"accessibility": {"stairs": True}}, "accessibility.stairs"),
        ({"household": [{"first_name": "Ana", "age": 9}]}, "household.0.age"),
    ],
)
def test_a_body_outside_the_document_is_refused_by_field_for_drafts_and_submissions(
    client, db_session, answers, problem
):
    assert not Draft202012Validator(
        {"$ref": "urn:openapi#/components/schemas/ApplicationAnswers"}, registry=REGISTRY
    ).is_valid(answers)
    listing = open_listing()
    for operation in ("drafts", "applications"):
        response = client.post(f"/api/v1/listings/{listing.id}/{operation}", json=answers)
        fields = [item["field"] for item in error_body(response, 422)["problems"]]
        assert problem in fields
    assert drafts(db_session) == 0
