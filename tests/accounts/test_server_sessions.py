"""Sessions live on the server: a session cookie copied before it ended opens nothing after."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from housing.accounts.models import UserSession
from tests.accounts.helpers import copy_of, link_in, path_of, post_form, sign_in_as
from tests.accounts.test_sign_up_and_sign_in import NEW_PASSWORD, sign_in
from tests.factories import UserFactory


def sessions_of(db_session, user) -> int:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


@pytest.mark.parametrize(
    ("traits", "page"),
    [({"staff": True, "with_two_factor": True}, "/staff/users"), ({}, "/account")],
    ids=["staff", "applicant"],
)
def test_a_cookie_copied_before_signing_out_opens_nothing_after(client, db_session, traits, page):
    user = UserFactory(**traits)
    sign_in_as(client, user)
    assert client.get(page).status_code == 200
    stolen = copy_of(client)
    assert stolen.get(page).status_code == 200  # the copy works while the session lasts

    post_form(client, "/account/sign-out", {}, token_from="/account")

    replayed = copy_of(stolen)
    response = replayed.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")
    assert stolen.get(page).status_code == 302
    assert sessions_of(db_session, user) == 0


def test_a_password_change_ends_every_other_session_and_keeps_this_one(client, db_session, mailbox):
    user = UserFactory()
    sign_in_as(client, user)
    phone = client.application.test_client()
    sign_in_as(phone, user)
    stolen = copy_of(phone)

    post_form(client, "/account/password/forgot", {"email": user.email})
    [message] = mailbox.messages
    reset = path_of(link_in(message))
    changed = post_form(client, reset, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert changed.status_code == 302
    assert client.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert stolen.get("/account").status_code == 302
    assert sessions_of(db_session, user) == 1


@pytest.mark.parametrize(
    "change", [{"role": "partner"}, {"role": "applicant", "disabled": "y"}], ids=["role", "disable"]
)
def test_a_role_change_or_disabling_by_staff_ends_every_session_of_that_account(
    client, db_session, change
):
    admin = UserFactory(staff=True, with_two_factor=True)
    person = UserFactory()
    browser = client.application.test_client()
    sign_in_as(browser, person)
    stolen = copy_of(browser)
    sign_in_as(client, admin)

    page = f"/staff/users/{person.id}"
    saved = post_form(client, page, change)

    assert saved.status_code == 302
    assert browser.get("/account").status_code == 302
    assert stolen.get("/account").status_code == 302
    assert sessions_of(db_session, person) == 0
    assert client.get("/staff/users").status_code == 200  # the admin's own session goes on


def test_sign_out_everywhere_ends_copies_too(client, db_session):
    user = UserFactory()
    sign_in_as(client, user)
    laptop = client.application.test_client()
    sign_in_as(laptop, user)
    stolen = copy_of(laptop)

    post_form(client, "/account/sign-out-everywhere", {}, token_from="/account")

    assert stolen.get("/account").status_code == 302
    assert laptop.get("/account").status_code == 302
    assert sessions_of(db_session, user) == 0


def test_signing_in_again_replaces_the_browser_session_and_a_bad_cookie_opens_nothing(
    client, db_session
):
    user = UserFactory()
    assert sign_in(client, user.email).status_code == 302
    assert sign_in(client, user.email).status_code == 302
    assert sessions_of(db_session, user) == 1

    forged = client.application.test_client()
    with forged.session_transaction() as cookie:
        cookie.update(_session_of(client))
        marker = cookie["account_session"]
        cookie["account_session"] = marker[: marker.index(".") + 1] + "not-the-token"
    assert forged.get("/account").status_code == 302


def _session_of(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with client.session_transaction() as cookie:
        return dict(cookie)
