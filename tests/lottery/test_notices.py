"""Applicants hear about the lottery: results by email, text message or a posted letter, each in
the applicant's language, and every preference claim decision. Jobs run in-process here; the
real worker on Redis is in tests/notifications/test_worker_delivery.py."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from housing.applications.models import Application, ApplicationChannel
from housing.notifications import tasks
from housing.notifications.models import (
    Broadcast,
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)
from housing.notifications.sms import FolderSmsProvider
from tests.accounts.helpers import post_form
from tests.conftest import set_aside_messages
from tests.lottery.conftest import lottery_of, record_beacon


def _change_applicant(application: Application, **changes: object) -> None:
    answers = copy.deepcopy(application.submitted_answers)
    answers["applicant"].update(changes)
    application.submitted_answers = answers


def _publish(client, db_session, listing, staff) -> None:  # type: ignore[no-untyped-def]
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    record_beacon(db_session, listing, staff)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)


def _results(db_session, channel: Channel) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.template == "results_published", OutboundMessage.channel == channel
            )
            .order_by(OutboundMessage.application_id)
        )
    )


def test_published_results_reach_every_entrant_by_their_channel_in_their_language(
    app, client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    set_aside_messages(db_session)  # the setup's confirmations are not this test's
    spanish, arabic, texter, by_post, both = db_session.scalars(
        select(Application).order_by(Application.id).limit(5)
    ).all()
    spanish.language = "es"
    arabic.language = "ar"
    _change_applicant(texter, no_email=True, email=None, phone="415-555-0102")
    _change_applicant(by_post, no_email=True, email=None, no_phone=True, phone=None)
    by_post.channel = ApplicationChannel.PAPER
    _change_applicant(both, phone="415-555-0104", updates_by="both")
    db_session.flush()

    _publish(client, db_session, listing, staff)

    lottery = lottery_of(db_session, listing)
    broadcast = db_session.scalars(select(Broadcast)).one()
    assert broadcast.key == f"results:{lottery.current_run.id}"
    assert broadcast.finished_at is not None and broadcast.written == 40 + 1

    results = [
        m
        for m in mailbox.messages
        if m["Message-ID"].strip() in {r.provider_id for r in _results(db_session, Channel.EMAIL)}
    ]
    assert len(results) == 38  # every entrant but the one who texts and the one by post
    by_address = {m["To"]: m for m in results}
    assert len(by_address) == 38, "one email each"
    english = by_address[f"{both.submitted_answers['applicant']['email']}"]
    assert english["Subject"] == f"Lottery results for {listing.name}"
    body = english.get_body(("plain",)).get_content()
    rank = lottery.current_run.bundle["ranking"].index(both.public_id) + 1
    assert f"Lottery number: {both.lottery_number}" in body
    assert f"Your place in the drawing: {rank} of 40 households." in body
    assert f"/listings/{listing.id}/lottery/lookup?number={both.lottery_number}" in body

    in_spanish = by_address[spanish.submitted_answers["applicant"]["email"]]
    assert in_spanish["Content-Language"] == "es"
    assert in_spanish["Subject"] != f"Lottery results for {listing.name}"
    assert listing.name in in_spanish["Subject"]
    in_arabic = by_address[arabic.submitted_answers["applicant"]["email"]]
    assert in_arabic["Content-Language"] == "ar"
    assert "Lottery number" not in in_arabic.get_body(("plain",)).get_content()

    texts = FolderSmsProvider(app.config["HOUSING"].sms.folder).messages()
    to_texter = [t for t in texts if t["to"] == "+14155550102"]
    assert len(to_texter) == 1 and texter.lottery_number in to_texter[0]["body"]
    assert [t["to"] for t in texts if t["to"] == "+14155550104"] == ["+14155550104"]
    assert both.submitted_answers["applicant"]["email"] in by_address

    [letter] = _results(db_session, Channel.LETTER)
    assert letter.application_id == by_post.id and letter.state is MessageState.PENDING
    assert "Port Alder, CA 94999" in letter.recipient
    assert all(m.state is MessageState.SENT for m in _results(db_session, Channel.EMAIL))

    # A second run of the broadcast's job, or of a delivery job, writes and sends nothing more.
    with app.app_context():
        tasks.write_broadcast(broadcast.id)
        tasks.deliver_batch([m.id for m in _results(db_session, Channel.EMAIL)])
    assert len(mailbox.messages) == len({m["Message-ID"] for m in mailbox.messages})
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.template == "results_published")
        )
        == 41
    )


def test_staff_print_the_letters_and_mark_them_posted(
    client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    by_post = db_session.scalars(select(Application).order_by(Application.id)).first()
    by_post.language = "ar"
    _change_applicant(by_post, no_email=True, email=None, no_phone=True, phone=None)
    db_session.flush()
    _publish(client, db_session, listing, staff)

    page = client.get(f"/staff/messages/listings/{listing.id}/letters").text
    [letter] = _results(db_session, Channel.LETTER)
    assert f'value="{letter.id}"' in page
    printed = client.get(f"/staff/messages/listings/{listing.id}/letters/print").text
    assert 'lang="ar" dir="rtl"' in printed
    assert by_post.lottery_number in printed
    assert "94999" in printed

    base = f"/staff/messages/listings/{listing.id}/letters"
    post_form(client, f"{base}/mailed", {}, token_from=base)
    assert db_session.get(OutboundMessage, letter.id).state is MessageState.PENDING
    post_form(client, f"{base}/mailed", {"letter": str(letter.id)}, token_from=base)
    db_session.expire_all()
    posted = db_session.get(OutboundMessage, letter.id)
    assert posted.state is MessageState.SENT and posted.sent_at is not None
    [event] = db_session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == letter.id)
    ).all()
    assert event.event == "mailed" and event.actor_id == staff.id
    assert "No letters are waiting." in client.get(base).text


def test_a_claim_decision_reaches_the_applicant_with_its_reason(
    client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    holder.language = "vi"
    db_session.flush()
    set_aside_messages(db_session)
    mailbox.messages.clear()
    base = f"/staff/lottery/{listing.id}"
    reason = "The utility bill is for another address"
    post_form(
        client,
        f"{base}/claims",
        {
            "application_number": holder.public_id,
            "preference": "NRHP",
            "decision": "invalid",
            "reason": reason,
        },
        token_from=base,
    )
    [message] = mailbox.messages
    assert message["To"] == holder.submitted_answers["applicant"]["email"]
    assert message["Content-Language"] == "vi"
    body = message.get_body(("plain",)).get_content()
    assert reason in body and holder.public_id in body
    preference = next(c.preference for c in listing.preferences if c.preference.code == "NRHP")
    assert preference.name in body

    holder.language = "en"
    db_session.flush()
    post_form(
        client,
        f"{base}/claims",
        {"application_number": holder.public_id, "preference": "NRHP", "decision": "valid"},
        token_from=base,
    )
    accepted = mailbox.messages[-1]
    assert accepted["Subject"] == f"Your preference claim for {listing.name} was accepted"
    assert reason not in accepted.get_body(("plain",)).get_content()


def test_withdrawn_results_are_announced_and_unsent_ones_stay_unsent(
    app, client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    _publish(client, db_session, listing, staff)
    first = db_session.scalars(select(Application).order_by(Application.id)).first()
    mailbox.messages.clear()
    # One results message not yet sent when the results are withdrawn.
    waiting = _results(db_session, Channel.EMAIL)[0]
    waiting.state = MessageState.PENDING
    db_session.flush()

    base = f"/staff/lottery/{listing.id}"
    reason = "A paper application was not entered"
    post_form(client, f"{base}/retract", {"retract_reason": reason}, token_from=base)

    withdrawn = [m for m in mailbox.messages if "withdrawn" in m["Subject"]]
    assert len(withdrawn) == 40
    to_first = next(
        m for m in withdrawn if m["To"] == first.submitted_answers["applicant"]["email"]
    )
    body = to_first.get_body(("plain",)).get_content()
    assert reason in body and first.lottery_number in body
    assert not [m for m in mailbox.messages if m["Subject"].startswith("Lottery results")]
    db_session.expire_all()
    suppressed = db_session.get(OutboundMessage, waiting.id)
    assert suppressed.state is MessageState.SUPPRESSED


def test_a_preference_name_is_escaped_in_the_html_of_a_claim_decision(
    client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    preference = next(c.preference for c in listing.preferences if c.preference.code == "NRHP")
    preference.name = "<b>Neighborhood</b> & more"
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    db_session.flush()
    set_aside_messages(db_session)
    mailbox.messages.clear()
    base = f"/staff/lottery/{listing.id}"
    post_form(
        client,
        f"{base}/claims",
        {
            "application_number": holder.public_id,
            "preference": "NRHP",
            "decision": "invalid",
            "reason": "<i>no proof</i>",
        },
        token_from=base,
    )
    [message] = mailbox.messages
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;Neighborhood&lt;/b&gt; &amp; more" in html
    assert "&lt;i&gt;no proof&lt;/i&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    assert "<b>Neighborhood</b> & more" in message.get_body(("plain",)).get_content()
