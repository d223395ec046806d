"""Apply again without retyping: a signed-in resident's next application may start from the
last one (contact, household, accessibility, income), never its preferences, proofs,
demographics or terms; every copied answer is checked again against the new listing."""

from __future__ import annotations

import re

from housing.applications.models import Application, ApplicationStatus
from housing.applications.services import new_public_id
from housing.db_types import utcnow
from housing.listings.eligibility import SeniorRule
from housing.listings.models import ReservedCommunity
from tests.accounts.helpers import csrf_token, sign_in_as
from tests.applications.helpers import open_listing, step, submit, valid_answers
from tests.factories import UserFactory


def earlier_application(db_session, user) -> Application:  # type: ignore[no-untyped-def]
    answers = valid_answers(
        applicant={**valid_answers()["applicant"], "email": user.email},
        accessibility={"mobility": True, "vision": False, "hearing": False},
        preferences={"COP": {"claimed": True, "member": 0, "document": "d" * 32}},
        demographics={"gender": "woman"},
    )
    application = Application(
        public_id=new_public_id(),
        listing=open_listing(),
        user_id=user.id,
        status=ApplicationStatus.SUBMITTED,
        answers=answers,
        submitted_answers=answers,
        lottery_number="23456789",
        contact_email=user.email,
        submitted_at=utcnow(),
    )
    db_session.add(application)
    db_session.flush()
    return application


def start(client, listing_id: int, start_from: str | None):  # type: ignore[no-untyped-def]
    url = f"/listings/{listing_id}/apply"
    data = {"csrf_token": csrf_token(client, url)}
    if start_from:
        data["start_from"] = start_from
    response = client.post(url, data=data)
    assert response.status_code == 302, response.text
    match = re.search(r"/applications/([A-Z0-9]+)/you", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_the_start_page_offers_the_choice_only_with_an_earlier_application(client, db_session):
    user = UserFactory()
    listing = open_listing()
    sign_in_as(client, user)
    assert (
        "Start from your last application" not in client.get(f"/listings/{listing.id}/apply").text
    )

    earlier = earlier_application(db_session, user)
    page = client.get(f"/listings/{listing.id}/apply").text

    assert "Start from your last application" in page and "Start empty" in page
    assert earlier.public_id in page


def test_starting_from_the_last_application_copies_the_household_but_no_preference(
    client, db_session
):
    user = UserFactory()
    earlier = earlier_application(db_session, user)
    listing = open_listing()
    sign_in_as(client, user)

    public_id = start(client, listing.id, "last")

    draft = db_session.query(Application).filter_by(public_id=public_id).one()
    copied = earlier.submitted_answers
    for part in ("applicant", "alternate_contact", "household", "accessibility", "income"):
        assert draft.answers[part] == copied[part], part
    for part in ("preferences", "demographics", "terms_accepted"):
        assert part not in draft.answers, part
    assert draft.status is ApplicationStatus.DRAFT and draft.submitted_at is None
    page = client.get(f"/applications/{public_id}/you").text
    assert "from your last application are filled in" in page
    assert 'value="Maria"' in page  # shown for review in the step's own form


def test_starting_empty_copies_nothing(client, db_session):
    user = UserFactory()
    earlier_application(db_session, user)
    listing = open_listing()
    sign_in_as(client, user)

    public_id = start(client, listing.id, "empty")

    draft = db_session.query(Application).filter_by(public_id=public_id).one()
    assert set(draft.answers) == {"language", "applicant"}
    assert draft.answers["applicant"] == {"email": user.email}


def test_copied_answers_are_checked_against_the_new_listings_rules(client, db_session):
    user = UserFactory()
    earlier = earlier_application(db_session, user)
    senior = open_listing(
        reserved_community=ReservedCommunity.SENIOR,
        senior_minimum_age=62,
        senior_rule=SeniorRule.ONE_MEMBER,
    )
    sign_in_as(client, user)
    public_id = start(client, senior.id, "last")
    step(client, public_id, "preferences", {})

    # Nothing skips a check: the copied household is too young for a senior listing.
    refused = submit(client, public_id)
    assert refused.status_code == 422
    assert "62" in refused.text and "Eligibility" in refused.text
    db_session.expire_all()
    assert db_session.query(Application).filter_by(public_id=public_id).one().submitted_at is None

    # One answer changed, the application goes through.
    older = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "date_of_birth": "1950-04-23",
        "email": user.email,
        "phone": "555-234-5678",
        "phone_type": "cell",
        "street": "120 Harbor Way",
        "city": "Port Alder",
        "state": "CA",
        "postal_code": "94999",
        "works_in_city": "yes",
        "language": "en",
    }
    assert step(client, public_id, "you", older).status_code == 302
    assert submit(client, public_id).status_code == 302
    db_session.expire_all()
    submitted = db_session.query(Application).filter_by(public_id=public_id).one()
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.submitted_answers["applicant"]["date_of_birth"] == "1950-04-23"
    assert submitted.submitted_answers["household"] == earlier.submitted_answers["household"]
