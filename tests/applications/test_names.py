"""Names are names: every place a person's name is taken accepts the names of any script and
refuses what a link, an address or a sentence needs."""

from __future__ import annotations

import json
import unicodedata

import pytest
from sqlalchemy import func, select

from housing.applications.models import Application
from housing.applications.rules import Problem, check_application, is_name
from housing.applications.wording import problem_text
from housing.notifications.models import OutboundMessage
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    YOU_FORM,
    open_listing,
    start,
    step,
    with_applicant,
)
from tests.applications.test_rules import RULES, TODAY, codes

# The text of the security test: a first name that is a message of its own.
PHISHING = "Your place is at risk. Confirm your bank details at https://evil.example/verify"

REAL_NAMES = [
    "María José",
    "O'Brien",
    "O\u2019Brien",
    "Nguyễn Thị Minh Khai",
    "陳大文",
    "محمد عبد الله",
    "Jean-Luc",
    "St. John",
    "J.R.R.",
    "Ng",
    "Ó Súilleabháin",
    "Łukasz",
    "Þórunn",
    "Chukwuemeka",
    "Дмитрий",
    "Αλέξανδρος",
    "अंजलि",
    "สมชาย",
    "김민준",
    "יוסף",
    "زهرا\u200cسادات",  # noqa: RUF001 - Persian letters, with a zero-width non-joiner
    unicodedata.normalize("NFD", "Nguyễn Thị Minh Khai"),  # letters and combining marks
    unicodedata.normalize("NFD", "François Müller"),
]

NOT_NAMES = [
    PHISHING,
    "Maria2",
    "Call 555 0100",
    "https://evil.example",
    "evil.example",
    "www.evil.example",
    "maria@example.org",
    "Maria\nLopez",
    "Maria\tLopez",
    "<b>Maria</b>",
    "Maria 🙂",
    "Maria (call me)",
    "Maria: read this",
    "١٢٣",  # digits of another script are digits too
    "-",
    "'.'",
    "Maria\u202eairaM",  # a right-to-left override turns text around
    "$$$",
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_of_any_script_are_taken_everywhere_a_name_is(name):
    assert is_name(name)
    answers = with_applicant(first_name=name, middle_name=name, last_name=name)
    answers["household"][0].update(first_name=name, last_name=name)
    answers["alternate_contact"] = {"kind": "friend", "name": name, "phone": "555-234-5679"}
    assert check_application(answers, RULES, TODAY) == []


@pytest.mark.parametrize("text", NOT_NAMES)
def test_what_is_not_a_name_is_refused_at_each_name_field(text):
    assert not is_name(text.strip())
    answers = with_applicant(first_name=text, middle_name=text, last_name=text)
    answers["household"][0].update(first_name=text, last_name=text)
    answers["alternate_contact"] = {"kind": "friend", "name": text, "phone": "555-234-5679"}
    found = codes(answers)
    for path in (
        "applicant.first_name",
        "applicant.middle_name",
        "applicant.last_name",
        "household.0.first_name",
        "household.0.last_name",
        "alternate_contact.name",
    ):
        assert (path, "invalid_name") in found, path


def test_a_name_past_the_limit_is_too_long_rather_than_not_a_name():
    found = codes(with_applicant(first_name="Ma" * 60, last_name="Lo0" * 60))
    assert ("applicant.first_name", "too_long") in found
    assert ("applicant.last_name", "too_long") in found


def test_the_problem_is_told_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        text = problem_text(Problem("applicant.first_name", "invalid_name"))
    assert text.startswith("Use letters only: no digits, links or symbols.")


def test_the_security_tests_request_is_refused_and_nothing_is_stored_or_sent(
    client, db_session, mailbox
):
    listing = open_listing()
    answers = with_applicant(first_name=PHISHING, email="stranger@example.org")
    response = client.post(
        f"/api/v1/listings/{listing.id}/applications",
        data=json.dumps(answers),
        content_type="application/json",
    )
    assert response.status_code == 422, response.text
    problems = response.json["error"]["problems"]
    assert [(p["field"], p["code"]) for p in problems] == [("applicant.first_name", "invalid_name")]
    assert problems[0]["message"].startswith("Use letters only")
    assert db_session.scalar(select(func.count()).select_from(Application)) == 0
    assert db_session.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert mailbox.messages == []


def test_an_international_household_is_submitted_through_the_api(client, db_session):
    listing = open_listing()
    answers = with_applicant(first_name="Nguyễn Thị", last_name="Minh Khai")
    answers["household"][0].update(first_name="María José", last_name="O\u2019Brien")
    answers["alternate_contact"] = {"kind": "family", "name": "陳大文", "phone": "555-234-5679"}
    response = client.post(
        f"/api/v1/listings/{listing.id}/applications",
        data=json.dumps(answers),
        content_type="application/json",
    )
    assert response.status_code == 201, response.text


def test_the_web_form_shows_the_problem_at_the_name_field(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    response = step(client, public_id, "you", {**YOU_FORM, "first_name": "Visit evil.example"})
    assert response.status_code == 422
    assert 'href="#first_name"' in response.text
    assert "Use letters only" in response.text
    response = step(
        client, public_id, "household", {**HOUSEHOLD_FORM, "members-0-last_name": "L0pez"}
    )
    assert response.status_code == 422
    assert 'href="#members-0-last_name"' in response.text
    stored = db_session.scalars(select(Application)).one().answers
    assert "applicant" not in stored and "household" not in stored
