"""Lottery and application numbers typed the way people write long numbers, in groups with a
space or a dash, are the same numbers wherever they are typed."""

from __future__ import annotations

from sqlalchemy import select

from housing.applications.models import Application, PreferenceClaim, PreferenceDecision
from housing.lottery.left_out import left_out_by_number
from housing.lottery.lookup import look_up, published_run
from housing.typed_numbers import typed_number
from tests.accounts.helpers import post_form
from tests.applications.test_table import add, numbers, partner_for, table_page
from tests.applications.test_table import listing as listing  # a fixture
from tests.lottery.test_corrections import draw_and_publish

TYPED = ("8358-3663", " 8358 3663 ", "8358\u20133663")


def test_spaces_dashes_other_digits_and_small_letters_are_read_as_the_stored_number():
    assert typed_number("8358-3663") == "83583663"
    assert typed_number(" 8358 3663 ") == "83583663"
    assert typed_number("8358\u00a03663") == "83583663"
    assert typed_number("٨٣٥٨-٣٦٦٣") == "83583663"
    assert typed_number("abcd-efgh 23") == "ABCDEFGH23"
    assert typed_number("") == ""


def test_the_result_lookup_finds_a_number_typed_in_groups(
    client, db_session, lottery_listing, staff
):
    application = db_session.scalars(
        select(Application).where(Application.listing_id == lottery_listing.id)
    ).first()
    application.lottery_number = "83583663"  # plays no part in the draw
    db_session.flush()
    draw_and_publish(client, db_session, lottery_listing)
    run = published_run(db_session, lottery_listing.id)
    assert run is not None
    anonymous = client.application.test_client()
    for typed in TYPED:
        found = look_up(db_session, run, typed)
        assert found is not None and found.application_id == application.id
        assert not left_out_by_number(db_session, lottery_listing.id, typed)
        page = anonymous.get(
            f"/listings/{lottery_listing.id}/lottery/lookup", query_string={"number": typed}
        )
        assert page.status_code == 200 and "Lottery number 83583663: rank" in page.text


def test_a_staff_decision_takes_the_application_number_as_written(
    client, db_session, lottery_listing, staff
):
    claim = db_session.scalars(
        select(PreferenceClaim).where(PreferenceClaim.listing_id == lottery_listing.id)
    ).first()
    public_id = db_session.get(Application, claim.application_id).public_id
    base = f"/staff/lottery/{lottery_listing.id}"
    typed = f" {public_id[:5].lower()}-{public_id[5:]} "
    decision = {
        "application_number": typed,
        "preference": claim.preference_code,
        "decision": "invalid",
        "reason": "Proof is a bill for another address",
    }
    post_form(client, f"{base}/claims", decision, token_from=base)
    recorded = db_session.scalars(
        select(PreferenceDecision).where(PreferenceDecision.application_id == claim.application_id)
    ).one()
    assert recorded.preference_code == claim.preference_code and recorded.valid is False


def test_the_applications_table_finds_a_lottery_number_typed_in_groups(
    client,
    db_session,
    listing,
):
    add(db_session, listing, 1, applicant_name="Amara Okafor")
    add(db_session, listing, 2, applicant_name="Bo Chen")
    partner_for(db_session, client, listing)
    for typed in ("2000-0002", " 2000 0002 ", "t000-0002"):
        assert numbers(table_page(client, listing, q=typed)) == ["T0000002"]
