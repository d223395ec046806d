"""A message repeats what someone typed (a name) only to an email address its account holder
confirmed: anyone may type a stranger's address next to any name."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from housing.accounts.emails import queue_confirmation, queue_password_link
from housing.applications.models import Application, ApplicationStatus
from housing.lottery.models import LotteryRank
from housing.notifications import broadcasts, tasks
from housing.notifications.contacts import addressed_context
from housing.notifications.models import Broadcast, Channel, OutboundMessage
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import (
    YOU_FORM,
    fill_all,
    open_listing,
    start,
    submit,
    valid_answers,
    with_applicant,
)


def _everything(message) -> str:  # type: ignore[no-untyped-def]
    html = message.get_body(("html",))
    return "\n".join(
        [
            message["Subject"],
            message.get_body(("plain",)).get_content(),
            html.get_content() if html is not None else "",
        ]
    )


def test_a_confirmation_to_an_unconfirmed_address_carries_no_submitted_name(
    client, db_session, mailbox
):
    listing = open_listing()
    answers = with_applicant(first_name="Rosalind", email="stranger@example.org")
    response = client.post(
        f"/api/v1/listings/{listing.id}/applications",
        data=json.dumps(answers),
        content_type="application/json",
    )
    assert response.status_code == 201, response.text
    [received] = mailbox.messages
    assert received["To"] == "stranger@example.org"
    text = _everything(received)
    assert "Rosalind" not in text
    assert received.get_body(("plain",)).get_content().splitlines()[0] == "Hello,"
    stored = db_session.scalars(select(OutboundMessage)).one()
    assert stored.context["name"] == ""


@pytest.mark.parametrize(
    ("address", "greeted"),
    [("Rosa@Example.org", True), ("someone.else@example.org", False)],
)
def test_a_signed_in_applicant_is_greeted_by_name_only_at_their_confirmed_address(
    client, db_session, mailbox, address, greeted
):
    user = factories.UserFactory(email="rosa@example.org")
    listing = open_listing()
    sign_in_as(client, user)
    mailbox.messages.clear()
    public_id = start(client, listing.id)
    fill_all(client, public_id, you={**YOU_FORM, "first_name": "Rosa", "email": address})
    assert submit(client, public_id).status_code == 302
    [received] = mailbox.messages
    assert received["To"].lower() == address.lower()
    body = received.get_body(("plain",)).get_content()
    assert body.splitlines()[0] == ("Hello Rosa," if greeted else "Hello,")
    assert ("Rosa" in _everything(received)) is greeted


@pytest.mark.parametrize(
    ("channel", "recipient", "confirmed_email", "kept"),
    [
        (Channel.EMAIL, "rosa@example.org", "ROSA@example.org", True),
        (Channel.EMAIL, "rosa@example.org", None, False),  # an account not confirmed
        (Channel.EMAIL, "rosa@example.org", "ivan@example.org", False),
        (Channel.SMS, "+14155550100", "rosa@example.org", False),
        (Channel.LETTER, "Rosa Lopez\n1 Main St", "rosa@example.org", False),
    ],
)
def test_a_name_is_kept_only_for_the_confirmed_email_address(
    channel, recipient, confirmed_email, kept
):
    context = {"name": "Rosa", "lottery_number": "10000001"}
    addressed = addressed_context(context, channel, recipient, confirmed_email)
    assert addressed == (context if kept else {"name": "", "lottery_number": "10000001"})


def test_account_emails_name_the_holder_only_once_the_address_is_confirmed(
    app, db_session, mailbox
):
    stranger = factories.UserFactory(
        email="stranger@example.org", full_name="Visit evil example now", unconfirmed=True
    )
    holder = factories.UserFactory(email="holder@example.org", full_name="Amara Okafor")
    with app.test_request_context():
        messages = [
            queue_confirmation(db_session, stranger),
            queue_password_link(db_session, holder),
        ]
        tasks.deliver_batch([message.id for message in messages])
    by_address = {message["To"]: _everything(message) for message in mailbox.messages}
    assert "evil" not in by_address["stranger@example.org"]
    assert "Hello,\r\n" in by_address["stranger@example.org"]
    assert "Hello Amara Okafor," in by_address["holder@example.org"]


def test_lottery_results_name_only_an_applicant_whose_address_is_confirmed(app, db_session):
    listing = open_listing()
    user = factories.UserFactory(email="rosa@example.org")
    run_id = 4242
    for number, (first_name, email, user_id) in enumerate(
        [("Rosa", "rosa@example.org", user.id), ("Ivan", "ivan@example.org", None)]
    ):
        answers = valid_answers()
        answers["applicant"].update(first_name=first_name, email=email)
        application = Application(
            public_id=f"R{number:09d}",
            listing_id=listing.id,
            user_id=user_id,
            status=ApplicationStatus.SUBMITTED,
            answers=answers,
            submitted_answers=answers,
            lottery_number=str(10_000_000 + number),
        )
        db_session.add(application)
        db_session.flush()
        db_session.add(
            LotteryRank(
                run_id=run_id,
                application_id=application.id,
                master_rank=number + 1,
                list_ranks={"general": number + 1},
            )
        )
    broadcast = Broadcast(
        key="names-test",
        listing_id=listing.id,
        template="results_published",
        context={"run_id": run_id},
    )
    db_session.add(broadcast)
    db_session.flush()
    with app.test_request_context():
        broadcasts.write_chunk(db_session, broadcast.id)
    names = {
        message.recipient: message.context["name"]
        for message in db_session.scalars(select(OutboundMessage))
    }
    assert names == {"rosa@example.org": "Rosa", "ivan@example.org": ""}
