"""Applying through the API: the same rules as the web form, documented and idempotent."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    PreferenceClaim,
)
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.listings.models import ListingStatus
from housing.notifications.models import OutboundMessage
from tests import factories
from tests.api.test_api import DOCUMENT, REGISTRY
from tests.applications.helpers import open_listing, valid_answers, with_applicant


def check(response, path: str, method: str, status: int):  # type: ignore[no-untyped-def]
    """Assert the status and that the body matches the documented schema for it."""
    assert response.status_code == status, response.text
    pointer = "/".join(
        [
            *("#", "paths", path.replace("/", "~1"), method, "responses", str(status)),
            *("content", "application~1json", "schema"),
        ]
    )
    validator = Draft202012Validator({"$ref": "urn:openapi" + pointer}, registry=REGISTRY)
    errors = sorted(validator.iter_errors(response.json), key=str)
    assert errors == [], [error.message for error in errors]
    return response.json


SUBMIT = "/api/v1/listings/{listing_id}/applications"


def post(client, listing_id, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/listings/{listing_id}/applications",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Application)) or 0


def problems_of(response) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    body = check(response, SUBMIT, "post", 422)
    return {(p["field"], p["code"]) for p in body["error"]["problems"]}


def test_a_complete_application_is_submitted_with_its_numbers(client, db_session, mailbox):
    listing = open_listing()
    body = check(post(client, listing.id, valid_answers()), SUBMIT, "post", 201)
    application = db_session.scalars(select(Application)).one()
    assert body["application_number"] == application.public_id
    assert body["lottery_number"] == application.lottery_number
    assert application.channel is ApplicationChannel.ONLINE
    assert application.status is ApplicationStatus.SUBMITTED
    [message] = mailbox.messages
    assert body["lottery_number"] in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (with_applicant(first_name=None), ("applicant.first_name", "required")),
        (with_applicant(date_of_birth="1985-13-01"), ("applicant.date_of_birth", "invalid_date")),
        (with_applicant(date_of_birth="2015-01-01"), ("applicant.date_of_birth", "under_18")),
        (with_applicant(email="not-an-email"), ("applicant.email", "invalid_email")),
        (with_applicant(phone="12"), ("applicant.phone", "invalid_phone")),
        (
            with_applicant(
                address={"street": "PO Box 9", "city": "A", "state": "CA", "postal_code": "94999"}
            ),
            ("applicant.address.street", "po_box"),
        ),
        (
            with_applicant(
                address={"street": "1 A St", "city": "A", "state": "CA", "postal_code": "ABCDE"}
            ),
            ("applicant.address.postal_code", "invalid_zip"),
        ),
        (valid_answers(household=[]), ("eligibility", "income_too_high")),
        (
            valid_answers(income={"has_voucher": False, "amount": "100", "period": "month"}),
            ("eligibility", "income_too_low"),
        ),
        (valid_answers(terms_accepted=False), ("terms_accepted", "required")),
        (valid_answers(color="blue"), ("color", "unknown_field")),
    ],
)
def test_each_blocking_rule_answers_422_with_the_field_and_changes_nothing(
    client, db_session, answers, expected
):
    listing = open_listing()
    response = post(client, listing.id, answers)
    assert expected in problems_of(response)
    assert count(db_session) == 0


def test_too_big_and_too_small_households_through_the_api(client, db_session):
    listing = open_listing()
    big = valid_answers(
        household=[
            {
                "first_name": name,
                "last_name": "L",
                "date_of_birth": "1990-01-01",
                "relationship": "other",
            }
            for name in ("Ana", "Ben", "Cy")
        ],
        income={"has_voucher": True, "amount": "1000", "period": "month"},
    )
    assert ("eligibility", "too_big") in problems_of(post(client, listing.id, big))
    two_bedroom = open_listing()
    two_bedroom.units[0].unit_type = two_bedroom.units[0].unit_type.TWO_BEDROOM
    db_session.flush()
    small = valid_answers(
        household=[], income={"has_voucher": True, "amount": "10", "period": "month"}
    )
    assert ("eligibility", "too_small") in problems_of(post(client, two_bedroom.id, small))


def test_a_senior_listing_refuses_a_younger_household(client, db_session):
    from housing.listings.eligibility import SeniorRule
    from housing.listings.models import ReservedCommunity

    listing = open_listing(
        reserved_community=ReservedCommunity.SENIOR,
        senior_minimum_age=62,
        senior_rule=SeniorRule.ENTIRE_HOUSEHOLD,
    )
    assert ("eligibility", "age") in problems_of(post(client, listing.id, valid_answers()))


def test_preferences_must_be_claimed_with_an_uploaded_proof_or_declined(client, db_session):
    listing = open_listing()
    preference = factories.PreferenceFactory(code="COP", proof_types=["Certificate"])
    factories.ListingPreferenceFactory(listing=listing, preference=preference)
    assert ("preferences.COP", "claim_or_decline") in problems_of(
        post(client, listing.id, valid_answers())
    )
    claim = {"claimed": True, "member": 0, "proof_type": "Certificate", "document": "f" * 32}
    assert ("preferences.COP.document", "unknown_document") in problems_of(
        post(client, listing.id, valid_answers(preferences={"COP": claim}))
    )
    uploaded = client.post(
        f"/api/v1/listings/{listing.id}/documents",
        data={"file": (io.BytesIO(pdf_document("Certificate", ["COP"])), "cop.pdf")},
        content_type="multipart/form-data",
    )
    document = check(uploaded, "/api/v1/listings/{listing_id}/documents", "post", 201)
    claim["document"] = document["document_id"]
    check(post(client, listing.id, valid_answers(preferences={"COP": claim})), SUBMIT, "post", 201)
    # A claimed document cannot be claimed again by another application.
    again = post(
        client,
        listing.id,
        with_applicant(email="other@example.org") | {"preferences": {"COP": claim}},
    )
    assert ("preferences.COP.document", "unknown_document") in problems_of(again)


def upload_proof(client, listing_id: int, title: str) -> str:  # type: ignore[no-untyped-def]
    uploaded = client.post(
        f"/api/v1/listings/{listing_id}/documents",
        data={"file": (io.BytesIO(pdf_document(title, ["x"])), f"{title}.pdf")},
        content_type="multipart/form-data",
    )
    return check(uploaded, "/api/v1/listings/{listing_id}/documents", "post", 201)["document_id"]


def test_a_claim_made_as_a_veteran_is_taken_as_the_schema_says_and_refused_otherwise(
    client, db_session
):
    listing = open_listing()
    for rank, (code, veteran_list) in enumerate((("COP", True), ("LW", False)), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=code, proof_types=["Certificate"]),
            veterans_first=veteran_list,
        )
    detail = client.get(f"/api/v1/listings/{listing.id}").json
    assert [p["veterans_first"] for p in detail["preferences"]] == [True, False]
    schema = DOCUMENT["components"]["schemas"]
    claim_schema = schema["PreferenceClaim"]["properties"]
    assert claim_schema["veteran_proof_type"]["enum"] == [
        "dd214",
        "va_letter",
        "service_record",
        None,
    ]
    assert "veteran" not in schema["Applicant"]["properties"]

    def claim(**veteran: object) -> dict[str, object]:
        return {
            "claimed": True,
            "member": 0,
            "proof_type": "Certificate",
            "document": upload_proof(client, listing.id, "Certificate"),
            **veteran,
        }

    # Made as a veteran where the preference has no veteran list, or without its proof.
    refused = problems_of(
        post(
            client,
            listing.id,
            valid_answers(preferences={"COP": claim(veteran=True), "LW": claim(veteran=True)}),
        )
    )
    assert {
        ("preferences.COP.veteran_proof_type", "required"),
        ("preferences.COP.veteran_document", "required"),
        ("preferences.LW.veteran", "no_veteran_list"),
    } <= refused
    assert ("preferences.COP.veteran", "invalid") in problems_of(
        post(client, listing.id, valid_answers(preferences={"COP": claim(veteran="yes")}))
    )
    assert count(db_session) == 0
    proven = claim(
        veteran=True,
        veteran_proof_type="dd214",
        veteran_document=upload_proof(client, listing.id, "DD-214"),
    )
    answers = valid_answers(preferences={"COP": proven, "LW": claim(veteran=False)})
    assert Draft202012Validator(
        {"$ref": "urn:openapi#/components/schemas/ApplicationAnswers"}, registry=REGISTRY
    ).is_valid(answers)
    body = check(post(client, listing.id, answers), SUBMIT, "post", 201)
    rows = db_session.execute(
        select(PreferenceClaim.preference_code, PreferenceClaim.veteran)
        .join(Application, Application.id == PreferenceClaim.application_id)
        .where(Application.public_id == body["application_number"])
    ).all()
    assert sorted(rows) == [("COP", True), ("LW", False)]


def test_a_fake_pdf_is_refused_with_its_reason(client, db_session):
    listing = open_listing()
    response = client.post(
        f"/api/v1/listings/{listing.id}/documents",
        data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "proof.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    body = check(response, "/api/v1/listings/{listing_id}/documents", "post", 422)
    assert body["error"]["reason"] == "wrong_type"


@pytest.mark.parametrize(
    ("listing_fields", "code"),
    [
        ({"upcoming": True}, "not_open_yet"),
        ({"closed": True}, "closed"),
        (
            {
                "application_due_at": utcnow() - timedelta(minutes=1),
                "application_open_at": utcnow() - timedelta(days=9),
            },
            "deadline_passed",
        ),
    ],
)
def test_a_listing_that_is_not_open_refuses(client, db_session, listing_fields, code):
    listing = open_listing(**listing_fields)
    assert ("listing", code) in problems_of(post(client, listing.id, valid_answers()))
    assert count(db_session) == 0


def test_a_draft_or_unknown_listing_is_not_found(client, db_session):
    draft = open_listing(status=ListingStatus.DRAFT)
    check(post(client, draft.id, valid_answers()), SUBMIT, "post", 404)
    check(post(client, 999_999, valid_answers()), SUBMIT, "post", 404)


def test_an_idempotency_key_makes_a_retry_return_the_same_application(client, db_session, mailbox):
    listing = open_listing()
    first = check(
        post(client, listing.id, valid_answers(), **{"Idempotency-Key": "k-1"}), SUBMIT, "post", 201
    )
    retry = check(
        post(client, listing.id, valid_answers(), **{"Idempotency-Key": "k-1"}), SUBMIT, "post", 201
    )
    assert retry == first
    assert count(db_session) == 1
    assert len(mailbox.messages) == 1
    other = with_applicant(first_name="Someone")
    check(post(client, listing.id, other, **{"Idempotency-Key": "k-1"}), SUBMIT, "post", 409)
    assert count(db_session) == 1


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"', b"{" * 100_000, b"null"])
def test_a_body_that_is_not_a_json_object_is_a_400(client, db_session, raw):
    listing = open_listing()
    response = client.post(
        f"/api/v1/listings/{listing.id}/applications", data=raw, content_type="application/json"
    )
    check(response, SUBMIT, "post", 400)


def test_messages_follow_the_request_language(client, db_session):
    listing = open_listing()
    response = post(
        client, listing.id, valid_answers(terms_accepted=False), **{"Accept-Language": "es"}
    )
    [problem] = check(response, SUBMIT, "post", 422)["error"]["problems"]
    english = post(client, listing.id, valid_answers(terms_accepted=False)).json["error"][
        "problems"
    ][0]
    assert problem["code"] == english["code"] == "required"
    assert problem["message"] != english["message"]


def test_drafts_are_made_read_changed_and_submitted_with_their_token(client, app, db_session):
    listing = open_listing()
    partial = {"applicant": valid_answers()["applicant"]}
    made = check(
        client.post(f"/api/v1/listings/{listing.id}/drafts", json=partial),
        "/api/v1/listings/{listing_id}/drafts",
        "post",
        201,
    )
    draft_id, token = made["draft_id"], made["token"]
    assert ("income.amount", "required") in {(p["field"], p["code"]) for p in made["problems"]}
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/drafts/{draft_id}").status_code == 401
    assert (
        client.get(
            f"/api/v1/drafts/{draft_id}", headers={"Authorization": "Bearer nope"}
        ).status_code
        == 404
    )
    read = check(
        client.get(f"/api/v1/drafts/{draft_id}", headers=auth),
        "/api/v1/drafts/{draft_id}",
        "get",
        200,
    )
    assert read["answers"]["applicant"]["first_name"] == "Maria"
    rest = {k: v for k, v in valid_answers().items() if k != "applicant"}
    updated = check(
        client.put(f"/api/v1/drafts/{draft_id}", json=rest, headers=auth),
        "/api/v1/drafts/{draft_id}",
        "put",
        200,
    )
    assert updated["problems"] == []
    submitted = check(
        client.post(f"/api/v1/drafts/{draft_id}/submit", headers=auth),
        "/api/v1/drafts/{draft_id}/submit",
        "post",
        201,
    )
    assert submitted["application_number"] == draft_id
    again = check(
        client.post(f"/api/v1/drafts/{draft_id}/submit", headers=auth),
        "/api/v1/drafts/{draft_id}/submit",
        "post",
        200,
    )
    assert again == submitted
    assert client.put(f"/api/v1/drafts/{draft_id}", json=rest, headers=auth).status_code == 409


def test_an_incomplete_draft_is_refused_at_submit(client, db_session):
    listing = open_listing()
    made = client.post(f"/api/v1/listings/{listing.id}/drafts", json={}).json
    response = client.post(
        f"/api/v1/drafts/{made['draft_id']}/submit",
        headers={"Authorization": f"Bearer {made['token']}"},
    )
    body = check(response, "/api/v1/drafts/{draft_id}/submit", "post", 422)
    assert ("applicant.first_name", "required") in {
        (p["field"], p["code"]) for p in body["error"]["problems"]
    }
    assert db_session.scalars(select(Application)).one().status is ApplicationStatus.DRAFT


def test_a_nul_character_is_refused_and_the_draft_is_left_as_it_was(client, db_session):
    listing = open_listing()
    drafts = "/api/v1/listings/{listing_id}/drafts"
    nul = {"applicant": {"email": "a\x00@b.org"}}
    check(client.post(drafts.format(listing_id=listing.id), json=nul), drafts, "post", 400)
    assert count(db_session) == 0
    made = client.post(
        drafts.format(listing_id=listing.id), json={"applicant": {"email": "a@b.org"}}
    )
    auth = {"Authorization": f"Bearer {made.json['token']}"}
    draft = f"/api/v1/drafts/{made.json['draft_id']}"
    check(client.put(draft, json=nul, headers=auth), "/api/v1/drafts/{draft_id}", "put", 400)
    assert client.get(draft, headers=auth).json["answers"]["applicant"]["email"] == "a@b.org"


def test_outbox_rows_are_only_written_for_submitted_applications(client, db_session):
    listing = open_listing()
    post(client, listing.id, valid_answers(terms_accepted=False))
    assert db_session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
