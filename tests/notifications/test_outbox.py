"""The outbox in-process: channels, deadline reminders and their opt-out, header injection,
missing translations, and the staff pages. Each message is received by the real SMTP server
(aiosmtpd on loopback) or the local text-message stand-in."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from housing import create_app
from housing.applications.models import Application, ApplicationStatus
from housing.applications.services import submit_answers
from housing.config import PROJECT_ROOT, MailConfig
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import LOCALE_CODES
from housing.notifications import services, tasks
from housing.notifications.contacts import contacts
from housing.notifications.models import (
    Broadcast,
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)
from housing.notifications.sms import FolderSmsProvider
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as
from tests.applications.helpers import open_listing, valid_answers
from tests.conftest import make_config


def _draft(db_session, listing, **applicant) -> Application:  # type: ignore[no-untyped-def]
    answers = valid_answers()
    answers["applicant"].update(applicant)
    application = Application(
        public_id=f"D{applicant.get('first_name', 'X')[:9].upper():0>9}",
        listing_id=listing.id,
        status=ApplicationStatus.DRAFT,
        language=applicant.pop("language", "en") if "language" in applicant else "en",
        answers=answers,
    )
    db_session.add(application)
    db_session.flush()
    return application


def test_contacts_follow_what_the_applicant_gave():
    you = valid_answers()["applicant"]
    assert contacts({"applicant": you}, letter=True) == [(Channel.EMAIL, you["email"].lower())]
    both = {**you, "updates_by": "both"}
    assert [c for c, _ in contacts({"applicant": both}, letter=True)] == [
        Channel.EMAIL,
        Channel.SMS,
    ]
    texts_only = {**you, "updates_by": "text"}
    assert contacts({"applicant": texts_only}, letter=True) == [(Channel.SMS, "+15552345678")]
    # Text messages asked for, but the phone is a landline: email rather than nothing.
    landline_texts = {**texts_only, "phone_type": "home"}
    assert [c for c, _ in contacts({"applicant": landline_texts}, letter=True)] == [Channel.EMAIL]
    no_email = {**you, "no_email": True, "email": None}
    assert contacts({"applicant": no_email}, letter=False) == [(Channel.SMS, "+15552345678")]
    landline = {**no_email, "phone_type": "home"}
    [(channel, address)] = contacts({"applicant": landline}, letter=True)
    assert (channel is Channel.LETTER and address.endswith("CA 94999")) or "\n" in address
    assert contacts({"applicant": landline}, letter=False) == []
    injected = {**you, "email": "a@example.org\r\nBcc: b@example.org", "no_phone": True}
    assert [c for c, _ in contacts({"applicant": injected}, letter=False)] == []


def test_a_submission_reaches_an_applicant_without_email_by_text_message(app, db_session, client):
    listing = open_listing()
    answers = valid_answers()
    answers["applicant"].update(no_email=True, email=None, phone="(415) 555-0199")
    with app.test_request_context():
        submit_answers(db_session, listing.id, answers, utcnow())
        message = db_session.scalars(select(OutboundMessage)).one()
        assert message.channel is Channel.SMS and message.recipient == "+14155550199"
        tasks.deliver_batch([message.id])
    texts = FolderSmsProvider(app.config["HOUSING"].sms.folder).messages()
    [text] = [t for t in texts if t["to"] == "+14155550199"]
    assert text["to"] == "+14155550199"
    assert listing.name in text["body"] and "/apply/resume/" in text["body"]
    assert len(text["body"]) < 400


def test_unfinished_drafts_are_reminded_once_two_days_before_the_deadline(
    app, db_session, client, mailbox
):
    listing = open_listing()
    listing.application_due_at = utcnow() + timedelta(hours=30)
    later = open_listing()
    later.application_due_at = utcnow() + timedelta(days=5)
    reminded = _draft(db_session, listing, first_name="Rosa", email="rosa@example.org")
    reminded.language = "es"
    stopped = _draft(db_session, listing, first_name="Ivan", email="ivan@example.org")
    stopped.reminders_stopped_at = utcnow()
    _draft(db_session, later, first_name="Too", email="tooearly@example.org")
    db_session.flush()
    for draft in db_session.scalars(select(Application)):
        draft.updated_at = utcnow() - timedelta(hours=7)  # left alone a while
    _draft(db_session, listing, first_name="Busy", email="busy@example.org")  # just now
    db_session.flush()

    with app.test_request_context():
        assert tasks.sweep() == 0
        tasks.sweep()  # a second sweep writes no second reminder

    [message] = mailbox.messages
    assert message["To"] == "rosa@example.org"
    assert message["Content-Language"] == "es"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert "/reminders/stop/" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_body(("plain",)).get_content()
    assert "2026" in body or str(listing.application_due_at.year) in body
    suppressed = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.recipient == "ivan@example.org")
    ).one()
    assert suppressed.state is MessageState.SUPPRESSED
    for address in ("tooearly@example.org", "busy@example.org"):
        assert (
            db_session.scalars(
                select(OutboundMessage).where(OutboundMessage.recipient == address)
            ).first()
            is None
        )

    # The link in the message stops further reminders; a forged one changes nothing.
    path = unsubscribe.split("127.0.0.1:5000", 1)[1]
    assert '<html lang="es"' in client.get(path).text  # in the applicant's language
    assert client.post(path.replace("?", "x?", 1)).status_code == 404
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db_session.expire_all()
    assert db_session.get(Application, reminded.id).reminders_stopped_at is not None


def test_a_header_injection_in_a_listing_name_stays_in_one_subject_line(app, db_session, mailbox):
    listing = open_listing(name="Sunset\r\nBcc: everyone@example.org")
    answers = valid_answers()  # a name with a line break is refused by the form's own rules
    with app.test_request_context():
        submit_answers(db_session, listing.id, answers, utcnow())
        message = db_session.scalars(select(OutboundMessage)).one()
        tasks.deliver_batch([message.id])
    [received] = mailbox.messages
    assert received["Bcc"] is None
    assert "\n" not in received["Subject"] and "Sunset Bcc:" in received["Subject"]
    db_session.expire_all()
    assert db_session.get(OutboundMessage, message.id).state is MessageState.SENT


def test_a_recipient_that_could_add_a_header_fails_and_is_not_sent(app, db_session, mailbox):
    with app.test_request_context():
        message = services.queue_email(
            db_session,
            to="a@example.org\r\nBcc: b@example.org",
            template="confirm_email",
            language="en",
            context={"name": "A", "link": "https://example.org"},
        )
        tasks.deliver_batch([message.id])
    assert mailbox.messages == []
    db_session.expire_all()
    failed = db_session.get(OutboundMessage, message.id)
    assert failed.state is MessageState.FAILED and "recipient" in failed.failure_reason


def test_every_template_renders_on_each_of_its_channels_in_every_language(app, db_session):
    with app.test_request_context():
        context = services.sample_context(utcnow())
        for template, channels in services.TEMPLATE_CHANNELS.items():
            english = services.render(db_session, Channel.EMAIL, template, "en", context)
            for language in LOCALE_CODES:
                for channel in channels:
                    shown = Channel.EMAIL if channel is Channel.LETTER else channel
                    content = services.render(db_session, shown, template, language, context)
                    assert content.text.strip(), (template, channel, language)
                    if channel is Channel.EMAIL and language != "en":
                        assert content.subject != english.subject, (template, language)


def test_a_sentence_missing_from_a_catalog_reads_in_english(tmp_path, db_session):
    """Babel leaves an untranslated sentence in English (and `flask translations check`, run by
    `make test`, names it: tests/test_i18n.py)."""
    folder = tmp_path / "translations"
    for code in LOCALE_CODES:
        if code == "en":
            continue
        (folder / code / "LC_MESSAGES").mkdir(parents=True)
        with (PROJECT_ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open(
            "rb"
        ) as handle:
            catalog = read_po(handle)
        if code == "es":
            catalog["Lottery results for %(listing)s"].string = ""
        with (folder / code / "LC_MESSAGES" / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    app = create_app(make_config("sqlite://", tmp_path, translations_folder=folder))
    cache = app.extensions["babel"].instance.domain_instance.cache
    cache.clear()  # catalogs are cached per locale, whichever app loaded them
    try:
        with app.test_request_context():
            context = services.sample_context(utcnow())
            content = services.render(db.session, Channel.EMAIL, "results_published", "es", context)
    finally:
        cache.clear()
    assert content.subject == "Lottery results for Sample Apartments"
    assert "Lottery number" not in content.text  # the rest is still Spanish


def test_staff_see_progress_resend_a_failure_and_preview_every_template(
    app, client, db_session, mailbox
):
    listing = open_listing()
    with app.test_request_context():

        def email_to(address: str, language: str) -> OutboundMessage:
            return services.queue(
                db_session,
                channel=Channel.EMAIL,
                to=address,
                template="confirm_email",
                language=language,
                context={"name": address, "link": "https://example.org/link"},
                listing_id=listing.id,
            )

        sent = email_to("ok@example.org", "en")
        mailbox.refuse.add("gone@example.org")
        failed = email_to("gone@example.org", "vi")
        tasks.deliver_batch([sent.id, failed.id])
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)

    page = client.get(f"/staff/messages/listings/{listing.id}").text
    assert "ok@example.org" in page and "gone@example.org" in page
    assert "550" in page
    only_failed = client.get(f"/staff/messages/listings/{listing.id}?state=failed").text
    assert "gone@example.org" in only_failed and "ok@example.org" not in only_failed
    unknown = client.get(f"/staff/messages/listings/{listing.id}?state=lost").text
    assert "That filter is not one this page knows" in unknown

    detail = f"/staff/messages/{failed.id}"
    assert "Send again" in client.get(detail).text
    mailbox.refuse.clear()
    post_form(client, f"{detail}/resend", {}, token_from=detail)
    db_session.expire_all()
    resent = db_session.get(OutboundMessage, failed.id)
    assert resent.state is MessageState.SENT and resent.attempts == 1
    assert [m["To"] for m in mailbox.messages][-1] == "gone@example.org"
    events = [
        e.event
        for e in db_session.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id == failed.id)
            .order_by(MessageEvent.id)
        )
    ]
    assert events == ["failed", "resend", "sent"]
    post_form(client, f"{detail}/resend", {}, token_from=detail)
    assert "Only a failed email or text message can be sent again." in client.get(detail).text

    # Every failure of a listing at once, once the cause is put right.
    mailbox.refuse.add("gone@example.org")
    with app.test_request_context():
        again = email_to("gone@example.org", "es")
        tasks.deliver_batch([again.id])
    listing_page = f"/staff/messages/listings/{listing.id}"
    assert "Send every failed message again" in client.get(listing_page).text
    mailbox.refuse.clear()
    post_form(client, f"{listing_page}/resend-failed", {}, token_from=listing_page)
    db_session.expire_all()
    assert db_session.get(OutboundMessage, again.id).state is MessageState.SENT
    assert "Send every failed message again" not in client.get(listing_page).text

    overview = client.get("/staff/messages/templates").text
    for template, channels in services.TEMPLATE_CHANNELS.items():
        for channel in channels:
            for language in LOCALE_CODES:
                url = f"/staff/messages/templates/{template}/{channel.value}/{language}"
                assert url in overview
    arabic = client.get("/staff/messages/templates/results_published/letter/ar")
    assert arabic.status_code == 200 and 'dir="rtl"' in arabic.text
    assert client.get("/staff/messages/templates/results_published/fax/es").status_code == 404
    assert client.get("/staff/messages/templates/nothing/email/es").status_code == 404


def _pending_email(db_session, to: str) -> OutboundMessage:  # type: ignore[no-untyped-def]
    return services.queue_email(
        db_session,
        to=to,
        template="confirm_email",
        language="en",
        context={"name": "A", "link": "https://example.org/a"},
    )


def test_a_retry_is_not_sent_before_its_time_nor_past_its_attempts(app, db_session, mailbox):
    with app.test_request_context():
        later = _pending_email(db_session, "later@example.org")
        later.attempts = 1
        later.next_attempt_at = utcnow() + timedelta(minutes=4)
        stuck = _pending_email(db_session, "stuck@example.org")
        stuck.state = MessageState.SENDING
        stuck.attempts = tasks.MAX_ATTEMPTS
        stuck.next_attempt_at = utcnow() - tasks.STALE_SENDING - timedelta(minutes=1)
        db_session.flush()
        tasks.deliver_batch([later.id])  # a duplicated job, early
        tasks.sweep()
    assert mailbox.messages == []
    db_session.expire_all()
    assert db_session.get(OutboundMessage, later.id).attempts == 1
    failed = db_session.get(OutboundMessage, stuck.id)
    assert failed.state is MessageState.FAILED and "interrupted" in failed.failure_reason


def test_a_batch_stops_trying_a_mail_server_that_keeps_failing(app, db_session, monkeypatch):
    unreachable = dataclasses.replace(
        app.config["HOUSING"], mail=MailConfig(host="127.0.0.1", port=1, timeout=1)
    )
    monkeypatch.setitem(app.config, "HOUSING", unreachable)
    with app.test_request_context():
        ids = [_pending_email(db_session, f"n{n}@example.org").id for n in range(5)]
        tasks.deliver_batch(ids)
    db_session.expire_all()
    messages = [db_session.get(OutboundMessage, i) for i in ids]
    assert all(m.state is MessageState.PENDING and m.attempts == 1 for m in messages)
    assert all("not tried" not in m.failure_reason for m in messages[:3])
    assert all("not tried" in m.failure_reason for m in messages[3:])
    assert all(m.next_attempt_at > utcnow() for m in messages)


def test_a_drain_delivers_every_message_due_a_batch_at_a_time(
    app, db_session, mailbox, monkeypatch
):
    monkeypatch.setattr(tasks, "BATCH", 2)
    monkeypatch.setattr(tasks, "DRAIN_SECONDS", 0)  # each drain hands on after one batch
    handed_on: list[int] = []
    wake = tasks.wake
    monkeypatch.setattr(tasks, "wake", lambda: handed_on.append(1) or wake())
    listing = open_listing()
    with app.test_request_context():
        due = [_pending_email(db_session, f"due{n}@example.org") for n in range(7)]
        later = _pending_email(db_session, "later@example.org")
        later.next_attempt_at = utcnow() + timedelta(minutes=4)
        results = Broadcast(key="drain-test", listing_id=listing.id, template="results_published")
        db_session.add(results)
        db_session.flush()
        broadcast = _pending_email(db_session, "broadcast@example.org")
        broadcast.broadcast_id = results.id  # its broadcast's batch jobs carry it
        db_session.flush()
        tasks.deliver_due()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(m.recipient for m in due)
    assert len(handed_on) == 3  # 2, 2 and 2 handed on; the last 1 ends the drain
    db_session.expire_all()
    assert {db_session.get(OutboundMessage, m.id).state for m in due} == {MessageState.SENT}
    assert db_session.get(OutboundMessage, later.id).state is MessageState.PENDING
    assert db_session.get(OutboundMessage, broadcast.id).state is MessageState.PENDING
