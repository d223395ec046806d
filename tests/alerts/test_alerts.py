"""Listing alerts in-process: sign-up with double opt-in, matching, exactly one alert per listing
and subscriber, one-click unsubscribe that erases, and refusals that store nothing. Every
message is received by the real SMTP server or the text-message stand-in."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from housing.alerts import services, tasks
from housing.alerts.models import AlertSubscription, ListingAlert, ListingOpening
from housing.db_types import utcnow
from housing.extensions import limiter
from housing.listings.eligibility import UnitType
from housing.listings.models import ListingStatus, Tenure
from housing.notifications.models import Channel, MessageState, OutboundMessage
from housing.notifications.sms import FolderSmsProvider
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as, without_csrf
from tests.conftest import set_aside_messages


def _opening_listing(**fields):  # type: ignore[no-untyped-def]
    """A published listing whose application window has just begun, with 1-bedroom units."""
    values = {
        "status": ListingStatus.APPROVED,
        "neighborhood": "Eastgate",
        "application_open_at": utcnow() - timedelta(minutes=1),
        "application_due_at": utcnow() + timedelta(days=20),
    }
    listing = factories.ListingFactory(**{**values, **fields})
    factories.UnitFactory(listing=listing)
    return listing


def _announce(app) -> dict[int, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return tasks.announce_openings()


def _subscription(db_session, **fields) -> AlertSubscription:  # type: ignore[no-untyped-def]
    values = {
        "public_id": f"sub{db_session.scalar(select(func.count(AlertSubscription.id)))}x",
        "channel": Channel.EMAIL,
        "address": "maria@example.org",
        "language": "es",
        "confirmed_at": utcnow(),
        "neighborhoods": [],
        "unit_types": [],
        "tenures": [],
    }
    subscription = AlertSubscription(**{**values, **fields})
    db_session.add(subscription)
    db_session.flush()
    return subscription


def _alerts_to(db_session, address: str) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.recipient == address,
                OutboundMessage.template == services.ALERT_TEMPLATE,
            )
        )
    )


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return str(message.get_body(("plain",)).get_content())


def _link(text: str, path: str) -> str:
    match = re.search(rf"https?://\S+{path}\S*", text)
    assert match, f"no {path} link in {text!r}"
    return "/" + match.group(0).split("/", 3)[3]


def test_a_listing_matches_the_wishes_and_the_household(app, db_session):
    listing = _opening_listing(tenure=Tenure.RENTAL)  # 1BR at $2,102, 80% AMI
    anything = AlertSubscription(neighborhoods=[], unit_types=[], tenures=[])
    assert services.matches(listing, anything)
    assert services.matches(listing, AlertSubscription(neighborhoods=["Eastgate", "Old Town"]))
    assert not services.matches(listing, AlertSubscription(neighborhoods=["Old Town"]))
    assert not services.matches(listing, AlertSubscription(tenures=[Tenure.SALE.value]))
    assert services.matches(listing, AlertSubscription(unit_types=[UnitType.ONE_BEDROOM.value]))
    assert not services.matches(listing, AlertSubscription(unit_types=[UnitType.STUDIO.value]))
    # The minimum is 2.5 x $2,102 x 12 = $63,060 a year; the limit for two at 80% is $68,900.
    fits = AlertSubscription(household_size=2, annual_income=Decimal(65000))
    too_poor = AlertSubscription(household_size=2, annual_income=Decimal(40000))
    voucher = AlertSubscription(household_size=2, annual_income=Decimal(40000), has_voucher=True)
    too_many = AlertSubscription(household_size=6, annual_income=Decimal(65000))
    too_rich = AlertSubscription(household_size=2, annual_income=Decimal(70000))
    assert services.matches(listing, fits)
    assert not services.matches(listing, too_poor)
    assert services.matches(listing, voucher)
    assert not services.matches(listing, too_many)
    assert not services.matches(listing, too_rich)
    other = _opening_listing()
    assert not services.matches(listing, AlertSubscription(listing_id=other.id))
    assert services.matches(other, AlertSubscription(listing_id=other.id))


def test_a_spanish_email_sign_up_is_confirmed_then_gets_one_spanish_alert(
    app, db_session, client, mailbox
):
    # Not open yet: its neighbourhood is one to choose.
    listing = _opening_listing(
        name="Eastgate Family Apartments", application_open_at=utcnow() + timedelta(days=2)
    )
    response = post_form(
        client,
        "/alerts?lang=es",
        {"channel": "email", "email": "Maria@Example.org", "neighborhoods": "Eastgate"},
        token_from="/alerts?lang=es",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    [confirmation] = mailbox.messages
    assert confirmation["To"] == "maria@example.org"
    assert confirmation["Content-Language"] == "es"
    stored = db_session.scalars(select(AlertSubscription)).one()
    assert (stored.language, stored.confirmed_at, stored.neighborhoods) == (
        "es",
        None,
        ["Eastgate"],
    )
    confirm = _link(_text(confirmation), "/alerts/confirm/")
    assert "lang=es" in confirm
    assert client.get(confirm).status_code == 200
    post_form(client, confirm.split("?")[0], {}, token_from=confirm)
    db_session.expire_all()
    assert db_session.scalars(select(AlertSubscription)).one().confirmed_at is not None

    listing.application_open_at = utcnow() - timedelta(minutes=1)
    _opening_listing(name="Somewhere Else", neighborhood="Old Town")
    db_session.flush()
    mailbox.messages.clear()
    _announce(app)
    _announce(app)  # the opening noticed again: nothing more is sent
    [alert] = mailbox.messages
    assert alert["To"] == "maria@example.org"
    assert alert["Content-Language"] == "es"
    assert "Eastgate Family Apartments" in alert["Subject"]
    stop = re.fullmatch(r"\s*<(\S+)>\s*", str(alert["List-Unsubscribe"])).group(1)
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = _text(alert)
    assert stop in body
    assert f"/listings/{listing.id}?lang=es" in body
    # The deadline is written the Spanish way ("... de enero de 2027").
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", body), body
    assert len(_alerts_to(db_session, "maria@example.org")) == 1


def test_exactly_one_alert_however_often_the_opening_is_handled(app, db_session, mailbox):
    listing = _opening_listing()
    subscription = _subscription(db_session)
    with app.app_context():
        assert services.announce_opening(db_session, listing, utcnow()) == 1
        # A second run that got past the opening's row (or a retried write) adds nothing.
        assert services.announce_opening(db_session, listing, utcnow()) is None
        assert services._write_alerts(db_session, listing, [subscription]) == 0
    assert len(_alerts_to(db_session, subscription.address)) == 1
    assert db_session.scalar(select(func.count(ListingAlert.id))) == 1
    assert db_session.get(ListingOpening, listing.id) is not None


def test_an_unconfirmed_sign_up_gets_no_alert_and_is_erased_after_a_few_days(
    app, db_session, client, mailbox
):
    post_form(client, "/alerts", {"channel": "email", "email": "late@example.org"})
    assert len(mailbox.messages) == 1  # the confirmation only
    _opening_listing()
    _announce(app)
    assert _alerts_to(db_session, "late@example.org") == []
    assert len(mailbox.messages) == 1
    with app.app_context():
        assert tasks.erase_unconfirmed(utcnow() + timedelta(days=2)) == 0
        assert tasks.erase_unconfirmed(utcnow() + timedelta(days=4)) == 1
    assert db_session.scalars(select(AlertSubscription)).all() == []
    confirmation = db_session.scalars(select(OutboundMessage)).one()
    assert (confirmation.recipient, confirmation.body_text) == ("", "")


def test_one_click_unsubscribe_erases_the_subscription_and_its_messages(
    app, db_session, client, mailbox
):
    subscription_id = _subscription(db_session, address="stop@example.org").id
    listing = _opening_listing()
    _announce(app)
    [alert] = mailbox.messages
    stop = re.fullmatch(r"\s*<(\S+)>\s*", str(alert["List-Unsubscribe"])).group(1)
    # RFC 8058: the mail program posts this body, with no page and no cookie.
    response = client.post(
        "/" + stop.split("/", 3)[3],
        data={"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    db_session.expire_all()
    assert db_session.get(AlertSubscription, subscription_id) is None
    assert _alerts_to(db_session, "stop@example.org") == []
    [kept] = db_session.scalars(select(ListingAlert)).all()
    assert (kept.subscription_id, kept.listing_id) == (None, listing.id)
    # The same link again, and a page load of it: the same calm answer.
    assert client.post("/" + stop.split("/", 3)[3]).status_code == 200
    assert client.get("/" + stop.split("/", 3)[3]).status_code == 200


def test_an_alert_not_yet_sent_is_not_sent_after_unsubscribing(app, db_session):
    subscription = _subscription(db_session, address="gone@example.org")
    listing = _opening_listing()
    with app.app_context():
        services.announce_opening(db_session, listing, utcnow())
        [message] = _alerts_to(db_session, "gone@example.org")
        assert services.unsubscribe(db_session, subscription.public_id)
    db_session.expire_all()
    assert message.state is MessageState.SUPPRESSED
    assert message.recipient == ""


def test_bad_input_is_refused_in_the_readers_language_and_nothing_is_stored(
    app, db_session, client, mailbox
):
    cases = [
        {"channel": "email", "email": "not an address"},
        {"channel": "sms", "phone": "12"},
        {"channel": "email", "email": "a@example.org", "household_size": "two"},
        {"channel": "email", "email": "a@example.org", "annual_income": "40000"},
        {"channel": "email", "email": "a@example.org", "neighborhoods": "Nowhere"},
        {"channel": "pigeon", "email": "a@example.org"},
    ]
    for data in cases:
        with app.app_context():
            limiter.reset()
        response = post_form(client, "/alerts?lang=es", data, token_from="/alerts?lang=es")
        assert response.status_code == 422, data
        assert 'class="error-summary"' in response.text
    spanish = post_form(client, "/alerts?lang=es", cases[0], token_from="/alerts?lang=es").text
    assert "Enter an email address like name@example.com." not in spanish
    assert db_session.scalars(select(AlertSubscription)).all() == []
    assert mailbox.messages == []


def test_the_answer_is_the_same_whether_or_not_the_address_is_subscribed(
    app, db_session, client, mailbox
):
    existing = _subscription(db_session, address="known@example.org", language="en")
    first = post_form(client, "/alerts", {"channel": "email", "email": "known@example.org"})
    second = post_form(client, "/alerts", {"channel": "email", "email": "new@example.org"})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert without_csrf(client.get(first.headers["Location"]).text) == without_csrf(
        client.get(second.headers["Location"]).text
    )
    assert len(mailbox.messages) == 2
    # The confirmed subscription is untouched until the new one is confirmed.
    db_session.expire_all()
    assert db_session.get(AlertSubscription, existing.id).confirmed_at is not None


def test_a_text_message_sign_up_is_confirmed_with_its_code(app, db_session, client):
    folder = app.config["HOUSING"].sms.folder
    before = len(FolderSmsProvider(folder).messages())
    post_form(client, "/alerts", {"channel": "sms", "phone": "(415) 555-0142"})
    [text] = FolderSmsProvider(folder).messages()[before:]
    assert text["to"] == "+14155550142"
    code = re.search(r"\b(\d{6})\b", text["body"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    refused = post_form(client, "/alerts/code", {"code": wrong}, token_from="/alerts/sent")
    assert refused.status_code == 422
    assert db_session.scalars(select(AlertSubscription)).one().confirmed_at is None
    accepted = post_form(client, "/alerts/code", {"code": code}, token_from="/alerts/sent")
    assert accepted.status_code == 200
    db_session.expire_all()
    assert db_session.scalars(select(AlertSubscription)).one().confirmed_at is not None

    listing = _opening_listing()
    _announce(app)
    [alert] = FolderSmsProvider(folder).messages()[before + 1 :]
    assert alert["to"] == "+14155550142"
    assert f"/listings/{listing.id}?lang=en" in alert["body"]
    assert "/alerts/stop/" in alert["body"]


def test_too_many_wrong_codes_end_the_sign_up(app, db_session, client):
    post_form(client, "/alerts", {"channel": "sms", "phone": "(415) 555-0143"})
    for _attempt in range(services.MAX_CODE_ATTEMPTS):
        post_form(client, "/alerts/code", {"code": "99999x"}, token_from="/alerts/sent")
    assert db_session.scalars(select(AlertSubscription)).all() == []


def test_tell_me_when_this_listing_opens(app, db_session, client, mailbox):
    listing = factories.ListingFactory(upcoming=True, name="Bayside Condominiums")
    factories.UnitFactory(listing=listing)
    page = client.get(f"/listings/{listing.id}")
    assert f'action="/alerts/listing/{listing.id}"' in page.text
    post_form(
        client, f"/alerts/listing/{listing.id}", {"channel": "email", "email": "b@example.org"}
    )
    [confirmation] = mailbox.messages
    assert "Bayside Condominiums" in confirmation["Subject"]
    confirm = _link(_text(confirmation), "/alerts/confirm/")
    post_form(client, confirm.split("?")[0], {}, token_from=confirm)
    mailbox.messages.clear()
    _announce(app)
    assert mailbox.messages == []  # not open yet
    listing.application_open_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    _announce(app)
    _announce(app)
    [alert] = mailbox.messages
    assert "Bayside Condominiums" in alert["Subject"]
    # Its message written, the subscription is gone.
    assert db_session.scalars(select(AlertSubscription)).all() == []
    # An open listing cannot be followed.
    assert client.get(f"/alerts/listing/{listing.id}").status_code == 404


def test_sign_ups_are_rate_limited(app, db_session, client):
    statuses = [
        post_form(client, "/alerts", {"channel": "email", "email": f"r{n}@example.org"}).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429


def test_staff_see_counts_and_never_addresses(app, db_session, client):
    set_aside_messages(db_session)
    _subscription(db_session, address="secret.one@example.org", language="es")
    _subscription(db_session, address="+14155550100", channel=Channel.SMS, language="zh_Hant")
    _subscription(db_session, address="pending@example.org", confirmed_at=None)
    _opening_listing(name="Counted Commons")
    _announce(app)
    sign_in_as(client, factories.UserFactory(staff=True, with_two_factor=True))
    page = client.get("/staff/dashboard").text
    panel = page[page.index('id="alert-counts-title"') :]
    assert "Confirmed subscribers: 2" in panel
    assert "Español" in panel and "中文" in panel
    assert "Counted Commons" in panel
    for address in ("secret.one@example.org", "+14155550100", "pending@example.org"):
        assert address not in page
    counts = services.alert_counts(db_session)
    assert counts.confirmed == 2
    assert dict(counts.by_channel) == {Channel.EMAIL: 1, Channel.SMS: 1}
    assert [count for _listing, count in counts.per_listing] == [2]
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    client.get("/account/sign-out")
    sign_in_as(client, partner)
    assert 'id="alert-counts-title"' not in client.get("/staff/dashboard").text


def test_a_listing_approved_with_its_window_begun_is_announced_at_once(
    app, db_session, client, mailbox
):
    subscription = _subscription(db_session, address="early@example.org", language="en")
    listing = _opening_listing(status=ListingStatus.PENDING_REVIEW, name="Approved Today")
    set_aside_messages(db_session)
    sign_in_as(client, factories.UserFactory(staff=True, with_two_factor=True))
    mailbox.messages.clear()
    approved = post_form(
        client,
        f"/staff/reviews/{listing.id}/approve",
        {},
        token_from=f"/staff/reviews/{listing.id}",
    )
    assert approved.status_code == 302
    [alert] = [message for message in mailbox.messages if message["To"] == subscription.address]
    assert f"/listings/{listing.id}?lang=en" in _text(alert)
    assert db_session.get(ListingOpening, listing.id) is not None


def test_confirming_after_the_listing_opened_sends_its_message_then(
    app, db_session, client, mailbox
):
    listing = factories.ListingFactory(upcoming=True)
    factories.UnitFactory(listing=listing)
    post_form(
        client, f"/alerts/listing/{listing.id}", {"channel": "email", "email": "slow@example.org"}
    )
    [confirmation] = mailbox.messages
    listing.application_open_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    _announce(app)
    assert len(mailbox.messages) == 1  # unconfirmed: nothing yet
    confirm = _link(_text(confirmation), "/alerts/confirm/")
    post_form(client, confirm.split("?")[0], {}, token_from=confirm)
    [alert] = mailbox.messages[1:]
    assert f"/listings/{listing.id}?lang=en" in _text(alert)
    _announce(app)
    assert len(mailbox.messages) == 2
    assert db_session.scalars(select(AlertSubscription)).all() == []


def test_the_announce_command_sends_each_alert_once_without_a_worker(app, db_session, mailbox):
    listing = _opening_listing()
    subscription = _subscription(db_session)
    db_session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["alerts", "announce"])
    assert first.exit_code == 0, first.output
    assert f"Listing {listing.id}: 1 alert(s)." in first.output
    again = runner.invoke(args=["alerts", "announce"])
    assert again.exit_code == 0, again.output
    assert "0 alert(s) for 0 listing(s)" in again.output
    assert len(_alerts_to(db_session, subscription.address)) == 1
