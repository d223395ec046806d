"""Drafts keep incomplete answers, but not answers past the limits a submission has: the same
length and count limits, and a bound on the size and nesting of the whole."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from housing.applications.models import Application
from housing.applications.rules import (
    MAX_ANSWERS_DEPTH,
    MAX_HOUSEHOLD_MEMBERS,
    MAX_NAME,
    check_draft,
)
from housing.applications.services import AnswersRefused, save_answers, start_application
from housing.db_types import utcnow
from tests.applications.helpers import YOU_FORM, open_listing, start, step, valid_answers
from tests.applications.test_rules import RULES, TODAY

ELEVEN_MB_NAME = "A" * (11 * 1000 * 1000)
MEMBER = {"first_name": "Ana", "last_name": "Lopez"}


def _make(client, listing_id: int, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/listings/{listing_id}/drafts",
        data=json.dumps(body),
        content_type="application/json",
    )


def _put(client, made, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.put(
        f"/api/v1/drafts/{made['draft_id']}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {made['token']}"},
    )


def _problems(response) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.json["error"]["code"] == "invalid_answers"
    return {(p["field"], p["code"]) for p in response.json["error"]["problems"]}


def _stored(db_session) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return dict(db_session.scalars(select(Application)).one().answers)


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_an_incomplete_draft_is_still_kept(client, db_session):
    listing = open_listing()
    made = _make(client, listing.id, {"applicant": {"first_name": "María José"}})
    assert made.status_code == 201, made.text
    assert _stored(db_session)["applicant"] == {"first_name": "María José"}


def test_a_new_draft_with_an_11_mb_first_name_is_refused_and_not_made(client, db_session):
    listing = open_listing()
    response = _make(client, listing.id, {"applicant": {"first_name": ELEVEN_MB_NAME}})
    assert _problems(response) == {("applicant.first_name", "too_long")}
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0


def test_an_11_mb_first_name_is_refused_and_the_draft_is_unchanged(client, db_session):
    listing = open_listing()
    made = _make(client, listing.id, {"applicant": {"first_name": "Maria"}}).json
    before = _stored(db_session)
    response = _put(client, made, {"applicant": {"first_name": ELEVEN_MB_NAME}})
    assert _problems(response) == {("applicant.first_name", "too_long")}
    assert _stored(db_session) == before


def test_ten_thousand_household_members_are_refused_and_the_draft_is_unchanged(client, db_session):
    listing = open_listing()
    made = _make(client, listing.id, {"household": [MEMBER]}).json
    before = _stored(db_session)
    response = _put(client, made, {"household": [MEMBER] * 10_000})
    assert _problems(response) == {("household", "too_many")}
    assert _stored(db_session) == before
    allowed = _put(client, made, {"household": [MEMBER] * MAX_HOUSEHOLD_MEMBERS})
    assert allowed.status_code == 200, allowed.text


def test_a_name_that_is_not_a_name_is_refused_in_a_draft(client, db_session):
    listing = open_listing()
    response = _make(client, listing.id, {"applicant": {"first_name": "Visit evil.example"}})
    assert _problems(response) == {("applicant.first_name", "invalid_name")}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        # Claims the rules do not check one by one (the listing has no such preference) are
        # bounded by the size of the whole.
        (
            {"preferences": {f"P{number}": {"claimed": False} for number in range(4000)}},
            ("answers", "too_large"),
        ),
        ({"applicant": "Maria"}, ("applicant", "invalid")),
    ],
)
def test_answers_too_large_or_of_the_wrong_shape_are_refused(client, db_session, body, problem):
    listing = open_listing()
    made = _make(client, listing.id, {"applicant": {"first_name": "Maria"}}).json
    before = _stored(db_session)
    assert problem in _problems(_put(client, made, body))
    assert _stored(db_session) == before


def test_answers_nested_too_deeply_are_refused_before_they_are_read():
    assert check_draft({"demographics": _nested(MAX_ANSWERS_DEPTH - 2)}, RULES, TODAY) == []
    assert [
        (problem.field, problem.code)
        for problem in check_draft({"demographics": _nested(MAX_ANSWERS_DEPTH)}, RULES, TODAY)
    ] == [("answers", "too_deep")]
    deep: list[Any] = []
    for _ in range(100_000):  # far deeper than the interpreter could recurse
        deep = [deep]
    assert check_draft({"household": deep}, RULES, TODAY)[0].code == "too_deep"


def test_answers_saved_earlier_do_not_stop_another_part_from_being_saved():
    answers = valid_answers()
    answers["applicant"]["first_name"] = "M" * (MAX_NAME + 1)
    assert check_draft(answers, RULES, TODAY) == check_draft(
        answers, RULES, TODAY, parts=["applicant"]
    )
    assert check_draft(answers, RULES, TODAY, parts=["household", "income"]) == []


def test_the_web_form_refuses_a_name_too_long_and_keeps_what_was_typed_on_the_page(
    client, db_session
):
    listing = open_listing()
    public_id = start(client, listing.id)
    response = step(client, public_id, "you", {**YOU_FORM, "first_name": "A" * 2000})
    assert response.status_code == 422
    assert 'href="#first_name"' in response.text
    assert "at most 100 characters" in response.text
    assert 'value="Port Alder"' in response.text
    assert "applicant" not in _stored(db_session)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"applicant": {"first_name": ELEVEN_MB_NAME}}, ("applicant.first_name", "too_long")),
        ({"household": [MEMBER] * 10_000}, ("household", "too_many")),
        (
            {"alternate_contact": {"kind": "friend", "name": "Maria 2"}},
            ("alternate_contact.name", "invalid_name"),
        ),
    ],
)
def test_every_way_of_saving_a_draft_applies_the_limits(app, db_session, values, problem):
    listing = open_listing()
    with app.test_request_context():
        draft = start_application(db_session, listing.id, utcnow(), language="en")
        save_answers(db_session, draft.public_id, {"applicant": {"first_name": "Maria"}}, utcnow())
        before = _stored(db_session)
        with pytest.raises(AnswersRefused) as refused:
            save_answers(db_session, draft.public_id, values, utcnow())
    assert [(p.field, p.code) for p in refused.value.problems] == [problem]
    assert _stored(db_session) == before


def _maxlengths(page: str) -> dict[str, int]:
    """Each text input's name and maxlength."""
    limits = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, limit = re.search(r'name="([^"]+)"', tag), re.search(r'maxlength="(\d+)"', tag)
        if name and limit:
            limits[name.group(1)] = int(limit.group(1))
    return limits


def test_the_form_states_the_limits_the_document_and_the_rules_keep(client, db_session):
    """A browser stops typing where the rules would refuse, at the limit the API states."""
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    public_id = start(client, open_listing().id)
    you = _maxlengths(client.get(f"/applications/{public_id}/you").text)
    applicant = schemas["Applicant"]["properties"]
    for field in ("first_name", "middle_name", "last_name", "email", "phone"):
        assert you[field] == applicant[field]["maxLength"], field
    assert you["first_name"] == MAX_NAME
    address = schemas["PostalAddress"]["properties"]
    for field in ("street", "unit", "city", "state", "postal_code"):
        assert you[field] == you[f"mailing_{field}"] == address[field]["maxLength"], field
    household = _maxlengths(client.get(f"/applications/{public_id}/household").text)
    member = schemas["HouseholdMember"]["properties"]
    names = {name: limit for name, limit in household.items() if name.endswith("_name")}
    assert names, household
    for name, limit in names.items():
        assert limit == member[name.rsplit("-", 1)[-1]]["maxLength"], name
