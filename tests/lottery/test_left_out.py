"""Households left out of a lottery as duplicates of another application from the same
household: told once, in their language, at the freeze that leaves them out (and again only
when a re-freeze brings them back); the result look-up and the partner table say so."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext
from sqlalchemy import select

from housing.applications.models import Application
from housing.dashboard.services import status_counts
from housing.lottery.duplicate_decisions import duplicate_groups
from housing.lottery.left_out import RECORD_KEY
from housing.lottery.models import LotteryLogEntry
from housing.notifications.models import OutboundMessage
from tests.accounts.helpers import post_form
from tests.conftest import set_aside_messages
from tests.lottery.conftest import lottery_of, record_beacon
from tests.lottery.test_duplicates import add_duplicate_of_applicant_0, decide

LEFT_OUT_VERDICT = "Not entered: left out as a duplicate of another application from your household"


def _one_household_twice(client, db_session, listing, staff, *, language: str = "en"):  # type: ignore[no-untyped-def]
    """Applicant 0 applied twice; staff keep the first application and leave the second out.
    Returns (kept, left out)."""
    duplicate_id = add_duplicate_of_applicant_0(client, db_session, listing)
    groups = duplicate_groups(db_session, listing.id)
    kept_id = next(member for member in groups[0].members if member != duplicate_id)
    for group in groups:
        decide(db_session, listing, group, staff, kept=kept_id, reason="Same family (called)")
    duplicate = db_session.scalars(
        select(Application).where(Application.public_id == duplicate_id)
    ).one()
    duplicate.language = language
    kept = db_session.scalars(select(Application).where(Application.public_id == kept_id)).one()
    db_session.flush()
    set_aside_messages(db_session)  # the setup's confirmations are not these tests'
    return kept, duplicate


def _told(db_session, application) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.template == "duplicate_entry",
                OutboundMessage.application_id == application.id,
            )
            .order_by(OutboundMessage.id)
        )
    )


def test_the_household_left_out_hears_once_in_its_language_and_again_only_when_entered(
    app, client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    kept, duplicate = _one_household_twice(client, db_session, listing, staff, language="es")
    mailbox.messages.clear()
    base = f"/staff/lottery/{listing.id}"

    post_form(client, f"{base}/freeze", {}, token_from=base)

    [message] = mailbox.messages  # nobody else hears anything from the freeze
    assert message["To"] == duplicate.submitted_answers["applicant"]["email"]
    assert message["Content-Language"] == "es"
    with app.test_request_context(), force_locale("es"):
        subject = gettext(
            "Your application for %(listing)s is not entered in the lottery", listing=listing.name
        )
        questions = gettext("Questions? Contact the leasing office:")
    assert questions != "Questions? Contact the leasing office:"  # the catalog has it
    assert message["Subject"] == subject
    body = message.get_body(("plain",)).get_content()
    assert duplicate.public_id in body and questions in body
    assert listing.leasing_agent_phone in body and listing.leasing_agent_email in body
    # Nothing of the application that stays in: staff may be wrong about it.
    assert kept.public_id not in body and kept.lottery_number not in body
    [recorded] = _told(db_session, duplicate)
    assert recorded.language == "es"
    assert _told(db_session, kept) == []
    freeze_entry = db_session.scalars(
        select(LotteryLogEntry).where(LotteryLogEntry.action == "freeze")
    ).one()
    assert freeze_entry.detail[RECORD_KEY] == [duplicate.public_id]

    # Frozen again for another reason: the household was told already.
    post_form(
        client, f"{base}/refreeze", {"refreeze_reason": "A paper application"}, token_from=base
    )
    assert len(mailbox.messages) == 1 and len(_told(db_session, duplicate)) == 1

    # Staff find they are two households after all: the next freeze enters it, and says so.
    for group in duplicate_groups(db_session, listing.id):
        decide(db_session, listing, group, staff, kept="", reason="Two families after all")
    post_form(client, f"{base}/refreeze", {"refreeze_reason": "Two families"}, token_from=base)
    assert duplicate.public_id in {e["id"] for e in lottery_of(db_session, listing).manifest}
    assert len(mailbox.messages) == 2
    entered = mailbox.messages[-1]
    assert entered["Content-Language"] == "es"
    assert entered["Subject"] != subject
    assert duplicate.lottery_number in entered.get_body(("plain",)).get_content()
    post_form(client, f"{base}/refreeze", {"refreeze_reason": "Once more"}, token_from=base)
    assert len(mailbox.messages) == 2 and len(_told(db_session, duplicate)) == 2


def test_a_household_without_email_or_phone_gets_a_letter(
    client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    _kept, duplicate = _one_household_twice(client, db_session, listing, staff)
    answers = dict(duplicate.submitted_answers)
    answers["applicant"] = {
        **answers["applicant"],
        "no_email": True,
        "email": None,
        "no_phone": True,
        "phone": None,
    }
    duplicate.submitted_answers = answers
    db_session.flush()
    mailbox.messages.clear()
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    [letter] = _told(db_session, duplicate)
    assert letter.channel.value == "letter" and "94999" in letter.recipient
    assert "is not entered in the lottery" in letter.body_text
    assert mailbox.messages == []


def test_the_look_up_says_a_number_was_left_out_as_a_duplicate(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    kept, duplicate = _one_household_twice(client, db_session, listing, staff)
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    # A decision changed after the freeze counts only at the next one: the draw below is of
    # the entrants as frozen, with the duplicate left out.
    for group in duplicate_groups(db_session, listing.id):
        decide(db_session, listing, group, staff, kept="", reason="Two families after all")
    record_beacon(db_session, listing, staff)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)
    anonymous = client.application.test_client()
    lookup = f"/listings/{listing.id}/lottery/lookup"

    left_out = anonymous.get(lookup, query_string={"number": duplicate.lottery_number})
    assert left_out.status_code == 200
    assert LEFT_OUT_VERDICT in left_out.text
    assert "No entrant of this lottery has the number" not in left_out.text
    assert listing.leasing_agent_phone in left_out.text
    assert kept.public_id not in left_out.text and kept.lottery_number not in left_out.text

    entered = anonymous.get(lookup, query_string={"number": kept.lottery_number})
    assert entered.status_code == 200 and LEFT_OUT_VERDICT not in entered.text
    unknown = anonymous.get(lookup, query_string={"number": "00000000"})
    assert unknown.status_code == 404 and LEFT_OUT_VERDICT not in unknown.text


def _rows(page: str) -> dict[str, str]:
    """Application number → the row's status cell."""
    rows = re.findall(
        r'<th scope="row"><a href="[^"]+">([A-Z0-9]+)</a></th>(.*?)</tr>', page, re.DOTALL
    )
    return {
        number: re.findall(r"<td[^>]*>(.*?)</td>", cells, re.DOTALL)[-3] for number, cells in rows
    }


def test_the_table_and_the_application_page_show_left_out_and_the_filter_finds_them(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    kept, duplicate = _one_household_twice(client, db_session, listing, staff)
    table = f"/partner/listings/{listing.id}/applications"

    every = _rows(client.get(table).text)
    assert len(every) == 41
    assert every[duplicate.public_id] == "Left out (duplicate)"
    assert every[kept.public_id] == "Submitted"

    left_out = _rows(client.get(table, query_string={"status": "left_out"}).text)
    assert list(left_out) == [duplicate.public_id]
    submitted = _rows(client.get(table, query_string={"status": "submitted"}).text)
    assert len(submitted) == 40 and duplicate.public_id not in submitted
    assert set(submitted.values()) == {"Submitted"}
    # The dashboard counts the same applications as left out.
    assert status_counts(db_session, listing.id).left_out == len(left_out)

    page = client.get(f"{table}/{duplicate.public_id}").text
    assert "Left out (duplicate)" in page
    assert "Left out (duplicate)" not in client.get(f"{table}/{kept.public_id}").text

    # Staff change their mind: the table follows the decision.
    for group in duplicate_groups(db_session, listing.id):
        decide(db_session, listing, group, staff, kept="", reason="Two families after all")
    assert _rows(client.get(table, query_string={"status": "left_out"}).text) == {}
    assert _rows(client.get(table).text)[duplicate.public_id] == "Submitted"
