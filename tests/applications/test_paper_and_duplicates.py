"""Paper applications entered by partners, and duplicate flags across a listing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from housing.accounts.models import PartnerAssignment
from housing.applications.duplicates import (
    DuplicateRule,
    address_key,
    duplicate_keys,
    name_key,
    normalize_text,
)
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.services import flagged_sets
from housing.db_types import utcnow
from housing.listings.models import ListingStatus
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as
from tests.api.test_applications_api import post
from tests.applications.helpers import (
    YOU_FORM,
    fill_all,
    open_listing,
    step,
    submit,
    valid_answers,
    with_applicant,
)


def partner_of(listing, db_session, client):  # type: ignore[no-untyped-def]
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    sign_in_as(client, partner)
    return partner


def start_paper(client, listing, received_on: str):  # type: ignore[no-untyped-def]
    return post_form(
        client, f"/partner/listings/{listing.id}/paper-applications", {"received_on": received_on}
    )


def test_a_partner_enters_a_paper_application_through_the_same_rules(client, db_session):
    listing = open_listing()
    partner = partner_of(listing, db_session, client)
    today = utcnow().date().isoformat()
    response = start_paper(client, listing, today)
    assert response.status_code == 302
    public_id = response.headers["Location"].rsplit("/", 1)[-1]
    refused = step(client, public_id, "you", {**YOU_FORM, "street": "PO Box 4"})
    assert refused.status_code == 422
    fill_all(client, public_id, you={**YOU_FORM, "email": "", "no_email": "y"})
    assert submit(client, public_id).status_code == 302
    db_session.expire_all()
    paper = db_session.scalars(select(Application).where(Application.public_id == public_id)).one()
    assert paper.channel is ApplicationChannel.PAPER
    assert paper.status is ApplicationStatus.SUBMITTED
    assert paper.entered_by_id == partner.id and paper.user_id is None
    assert paper.versions[0].actor_id == partner.id
    listing_page = client.get(f"/partner/listings/{listing.id}/applications")
    assert public_id in listing_page.text and "Paper" in listing_page.text


def test_a_paper_form_can_be_entered_after_the_deadline_if_it_arrived_in_time(client, db_session):
    listing = open_listing()
    partner_of(listing, db_session, client)
    due_day = (utcnow() - timedelta(days=1)).date()
    listing.application_due_at = utcnow() - timedelta(hours=1)
    listing.status = ListingStatus.CLOSED
    db_session.flush()
    late = start_paper(client, listing, (due_day + timedelta(days=2)).isoformat())
    assert late.status_code == 422
    assert "arrived after the deadline" in late.text
    in_time = start_paper(client, listing, (due_day - timedelta(days=1)).isoformat())
    assert in_time.status_code == 302
    public_id = in_time.headers["Location"].rsplit("/", 1)[-1]
    fill_all(client, public_id)
    assert submit(client, public_id).status_code == 302
    listing.status = ListingStatus.LOTTERY_RUN
    db_session.flush()
    frozen = start_paper(client, listing, (due_day - timedelta(days=1)).isoformat())
    assert "closed" in frozen.text


def test_names_are_compared_without_case_accents_or_spacing():
    assert normalize_text("  José  O'Neil ") == "jose oneil"
    assert name_key("JOSÉ", "o'neil", "1980-01-01") == name_key("jose", "ONeil", "1980-01-01")
    assert address_key(
        {"street": "120 Harbor Street", "unit": "Apt. 4", "postal_code": "94999-1234"}
    ) == address_key({"street": "120 harbor st", "unit": "4", "postal_code": "94999"})
    rules = {rule for rule, _key in duplicate_keys(valid_answers())}
    assert rules == {DuplicateRule.NAME_AND_BIRTH_DATE, DuplicateRule.EMAIL, DuplicateRule.ADDRESS}


def test_duplicates_are_flagged_by_the_rule_that_matched_and_never_block(client, db_session):
    listing = open_listing()
    first = post(client, listing.id, valid_answers())
    # Same child, different spelling of the applicant, other email and address.
    other = valid_answers()
    other["applicant"].update(
        first_name="Marta",
        email="marta@example.org",
        address={
            "street": "9 Elm Ave",
            "city": "Port Alder",
            "state": "CA",
            "postal_code": "94998",
        },
    )
    other["household"][0]["first_name"] = "  ANA "
    second = post(client, listing.id, other)
    third = post(
        client,
        listing.id,
        with_applicant(
            first_name="Someone",
            last_name="Else",
            email="MARIA@example.org",
            date_of_birth="1970-01-01",
        ),
    )
    assert first.status_code == second.status_code == third.status_code == 201
    groups = {
        (group.rule, frozenset(a.public_id for a in group.applications))
        for group in flagged_sets(db_session, listing.id)
    }
    a, b, c = (r.json["application_number"] for r in (first, second, third))
    # All three list the same child.
    assert (DuplicateRule.NAME_AND_BIRTH_DATE, frozenset({a, b, c})) in groups
    assert (DuplicateRule.EMAIL, frozenset({a, c})) in groups
    assert (DuplicateRule.ADDRESS, frozenset({a, c})) in groups
    assert (
        len(
            list(
                db_session.scalars(select(Application).where(Application.listing_id == listing.id))
            )
        )
        == 3
    )


def test_staff_see_the_flagged_sets_side_by_side(client, app, db_session):
    listing = open_listing()
    post(client, listing.id, valid_answers())
    post(client, listing.id, with_applicant(first_name="Maria", email="maria2@example.org"))
    other_listing = open_listing()
    post(client, other_listing.id, valid_answers())
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    browser = app.test_client()
    sign_in_as(browser, staff)
    page = browser.get(f"/partner/listings/{listing.id}/duplicates")
    assert page.status_code == 200
    assert "Same household member (name and date of birth)" in page.text
    assert "Same home address" in page.text
    assert page.text.count("maria2@example.org") >= 1
    # The whole address, to tell two households at one street number apart.
    assert "120 Harbor Way, Apt 4, Port Alder, CA 94999" in page.text
    elsewhere = browser.get(f"/partner/listings/{other_listing.id}/duplicates")
    assert "No possible duplicates." in elsewhere.text
