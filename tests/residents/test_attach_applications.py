"""Applications made before an account with its address: offered once the address is
confirmed (listing and number only), attached only through the emailed link, which expires,
works once and only for the account that asked for it."""

from __future__ import annotations

import itsdangerous
from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import Application, ApplicationStatus
from housing.applications.services import new_public_id
from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from tests.accounts.helpers import link_in, path_of, post_form, sign_in_as
from tests.applications.helpers import open_listing, valid_answers
from tests.factories import UserFactory

EMAIL = "rosa@example.org"


def made_without_account(  # type: ignore[no-untyped-def]
    db_session, email=EMAIL, user=None, listing=None, lottery_number="12345678"
) -> Application:
    listing = listing or open_listing()
    answers = valid_answers(
        applicant={**valid_answers()["applicant"], "email": email, "phone": "555-777-1234"}
    )
    application = Application(
        public_id=new_public_id(),
        listing=listing,
        user_id=user.id if user else None,
        status=ApplicationStatus.SUBMITTED,
        answers=answers,
        submitted_answers=answers,
        lottery_number=lottery_number,
        contact_email=email,
        applicant_name="Maria Lopez",
        submitted_at=utcnow(),
    )
    db_session.add(application)
    db_session.flush()
    return application


def ask_for_link(client, application: Application):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        "/account/applications/attach",
        {"application": application.public_id},
        token_from="/account",
    )


def test_a_confirmed_account_is_offered_its_earlier_applications_by_listing_and_number_only(
    client, db_session
):
    application = made_without_account(db_session)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)

    page = client.get("/account").text

    assert application.listing.name in page
    assert application.public_id in page
    # Nothing else of the application until the emailed link confirms the address is theirs.
    assert "Maria" not in page and "555-777-1234" not in page and "12345678" not in page
    assert "Maria" not in client.get("/account/applications").text


def test_an_unconfirmed_account_is_offered_nothing(client, db_session):
    made_without_account(db_session)
    user = UserFactory(email=EMAIL, unconfirmed=True)
    from housing.applications.attach import offers_for

    assert offers_for(db_session, user) == []


def test_the_emailed_link_attaches_after_confirmation_and_is_logged(client, db_session, mailbox):
    application = made_without_account(db_session)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)

    assert ask_for_link(client, application).status_code == 302
    [message] = mailbox.messages
    assert message["To"] == EMAIL
    assert application.public_id in message["Subject"]
    path = path_of(link_in(message))
    db_session.expire_all()
    assert db_session.get(Application, application.id).user_id is None  # asked, not attached

    shown = client.get(path)
    assert shown.status_code == 200
    assert application.public_id in shown.text
    db_session.expire_all()
    assert db_session.get(Application, application.id).user_id is None  # opening is not enough

    confirmed = post_form(client, path, {})
    assert confirmed.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, application.id).user_id == user.id
    entry = db_session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "application.attached")
    ).one()
    assert (entry.actor_id, entry.subject_id) == (user.id, application.id)
    asked = db_session.scalars(
        select(ActivityEntry).where(ActivityEntry.action == "application.attach_link_sent")
    ).one()
    assert asked.subject_id == application.id
    listed = client.get("/account/applications").text
    assert application.public_id in listed and "12345678" in listed
    assert "offers-title" not in client.get("/account").text  # nothing left to offer


def test_a_used_link_does_not_work_again(client, db_session, mailbox):
    application = made_without_account(db_session)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)
    ask_for_link(client, application)
    path = path_of(link_in(mailbox.messages[0]))
    assert post_form(client, path, {}, token_from="/account").status_code == 302

    again = post_form(client, path, {}, token_from="/account")

    assert again.status_code == 400
    assert "already used" in again.text
    assert client.get(path).status_code == 400
    assert (
        db_session.scalar(
            select(ActivityEntry.id)
            .where(ActivityEntry.action == "application.attached")
            .order_by(ActivityEntry.id.desc())
            .offset(1)
        )
        is None
    )  # logged once


def test_an_expired_link_is_refused_and_attaches_nothing(client, db_session, mailbox, monkeypatch):
    application = made_without_account(db_session)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)
    ask_for_link(client, application)
    path = path_of(link_in(mailbox.messages[0]))
    later = int(utcnow().timestamp()) + 25 * 3600
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)

    response = post_form(client, path, {}, token_from="/account")

    assert response.status_code == 400
    assert "too old" in response.text
    db_session.expire_all()
    assert db_session.get(Application, application.id).user_id is None


def test_a_link_for_another_account_is_refused(client, app, db_session, mailbox):
    application = made_without_account(db_session)
    owner = UserFactory(email=EMAIL)
    sign_in_as(client, owner)
    ask_for_link(client, application)
    path = path_of(link_in(mailbox.messages[0]))

    other = app.test_client()
    sign_in_as(other, UserFactory(email="someone.else@example.org"))
    response = post_form(other, path, {}, token_from="/account")

    assert response.status_code == 400
    assert other.get(path).status_code == 400
    db_session.expire_all()
    assert db_session.get(Application, application.id).user_id is None


def test_applications_attached_to_another_account_are_not_offered_nor_linked(
    client, db_session, mailbox
):
    holder = UserFactory(email="holder@example.org")
    held = made_without_account(db_session, user=holder)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)

    assert held.public_id not in client.get("/account").text
    refused = ask_for_link(client, held)

    assert refused.status_code == 302
    assert mailbox.messages == []
    db_session.expire_all()
    assert db_session.get(Application, held.id).user_id == holder.id


def test_an_application_for_a_listing_the_account_already_holds_is_not_offered(client, db_session):
    user = UserFactory(email=EMAIL)
    mine = made_without_account(db_session, user=user)
    twin = made_without_account(db_session, listing=mine.listing, lottery_number="87654321")
    sign_in_as(client, user)

    assert twin.public_id not in client.get("/account").text


def test_a_link_whose_application_was_attached_elsewhere_meanwhile_is_refused(
    client, db_session, mailbox
):
    application = made_without_account(db_session)
    user = UserFactory(email=EMAIL)
    sign_in_as(client, user)
    ask_for_link(client, application)
    path = path_of(link_in(mailbox.messages[0]))
    application.user_id = UserFactory().id
    db_session.flush()

    response = post_form(client, path, {}, token_from="/account")

    assert response.status_code == 400
    assert "another account" in response.text
    assert db_session.scalar(select(User.id).where(User.email == EMAIL)) == user.id
