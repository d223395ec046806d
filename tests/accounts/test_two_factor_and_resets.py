"""Two-step sign-in for partners, staff and auditors; password resets; ending sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import segno

from housing.accounts.models import User
from housing.accounts.services import TOTP_ISSUER
from housing.db_types import utcnow
from tests.accounts.helpers import link_in, path_of, post_form, sign_in_as, without_csrf
from tests.accounts.test_sign_up_and_sign_in import NEW_PASSWORD, sign_in
from tests.factories import TEST_PASSWORD, UserFactory


def code_for(secret: str, at=None) -> str:
    return pyotp.TOTP(secret).at(at or utcnow())


@pytest.mark.parametrize("trait", ["staff", "partner", "auditor"])
def test_privileged_roles_must_set_up_two_step_sign_in_before_they_get_in(
    client, db_session, trait
):
    user = UserFactory(**{trait: True})

    first = sign_in(client, user.email)
    assert first.headers["Location"] == "/account/two-factor"
    assert client.get("/account").status_code == 302  # not signed in yet

    setup = client.get("/account/two-factor").text
    secret = re.search(r"<code>([A-Z2-7]+)</code>", setup).group(1)
    wrong = post_form(client, "/account/two-factor", {"code": "000000"})
    assert "That code is not right." in wrong.text

    done = post_form(client, "/account/two-factor", {"code": code_for(secret)})
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>", done.text)
    assert len(codes) == 10
    assert client.get("/account").status_code == 200
    db_session.expire_all()
    assert db_session.get(User, user.id).totp_enabled_at is not None


def test_second_step_refuses_wrong_and_replayed_codes_and_takes_a_recovery_code_once(
    client, db_session
):
    user = UserFactory(staff=True, with_two_factor=True)
    from housing.accounts.services import replace_recovery_codes

    recovery = replace_recovery_codes(db_session, user)[0]
    db_session.flush()

    assert sign_in(client, user.email).headers["Location"] == "/account/sign-in/code"
    assert (
        "That code is not right."
        in post_form(client, "/account/sign-in/code", {"code": "123456"}).text
    )
    code = code_for(user.totp_secret)
    assert post_form(client, "/account/sign-in/code", {"code": code}).status_code == 302
    assert client.get("/account").status_code == 200

    other = client.application.test_client()
    sign_in(other, user.email)
    replay = post_form(other, "/account/sign-in/code", {"code": code})
    assert "That code is not right." in replay.text

    assert (
        post_form(other, "/account/sign-in/code", {"code": recovery, "recovery": "y"}).status_code
        == 302
    )
    third = client.application.test_client()
    sign_in(third, user.email)
    again = post_form(third, "/account/sign-in/code", {"code": recovery, "recovery": "y"})
    assert "That code is not right." in again.text


def test_the_code_step_cannot_be_reached_without_the_password(client):
    assert client.get("/account/sign-in/code").status_code == 403
    assert client.get("/account/two-factor").status_code == 403


def test_password_reset_link_works_once_and_ends_other_sessions(client, mailbox, db_session):
    user = UserFactory(email="reset@example.org")
    elsewhere = client.application.test_client()
    sign_in(elsewhere, user.email)
    assert elsewhere.get("/account").status_code == 200

    post_form(client, "/account/password/forgot", {"email": "reset@example.org"})
    [message] = mailbox.messages
    reset_path = path_of(link_in(message))

    changed = post_form(
        client, reset_path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    assert sign_in(client.application.test_client(), user.email, TEST_PASSWORD).status_code == 401
    assert elsewhere.get("/account").status_code == 302  # the old session is over
    assert client.get(reset_path).status_code == 400  # used links do not work again


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, mailbox):
    UserFactory(email="real@example.org")
    unknown = post_form(client, "/account/password/forgot", {"email": "ghost@example.org"})
    known = post_form(client, "/account/password/forgot", {"email": "real@example.org"})
    assert without_csrf(unknown.text.replace("ghost@", "real@")) == without_csrf(known.text)
    assert [m["To"] for m in mailbox.messages] == ["real@example.org"]


def test_expired_and_forged_reset_links_are_refused(client, mailbox, monkeypatch):
    UserFactory(email="old@example.org")
    post_form(client, "/account/password/forgot", {"email": "old@example.org"})
    path = path_of(link_in(mailbox.messages[0]))

    assert client.get(path[:-3] + "xyz").status_code == 400
    monkeypatch.setattr("housing.accounts.views.RESET_MAX_AGE", -1)
    response = client.get(path)
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_sign_out_everywhere_ends_every_session(client):
    user = UserFactory()
    phone = client.application.test_client()
    sign_in(client, user.email)
    sign_in(phone, user.email)

    post_form(client, "/account/sign-out-everywhere", {}, token_from="/account")

    assert phone.get("/account").status_code == 302
    assert client.get("/account").status_code == 302


def test_sessions_end_after_twelve_hours_even_when_active(client, monkeypatch):
    user = UserFactory()
    sign_in(client, user.email)
    assert client.get("/account").status_code == 200

    later = utcnow() + timedelta(hours=12, minutes=1)
    monkeypatch.setattr("housing.accounts.sessions.utcnow", lambda: later)
    assert client.get("/account").status_code == 302


def test_session_cookie_flags(client):
    user = UserFactory()
    response = sign_in(client, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_setup_page_draws_the_authenticator_link_as_a_qr_code(client, db_session):
    """A phone's authenticator app scans the code; it holds the same key the page spells out."""
    user = UserFactory(staff=True)
    sign_in(client, user.email)

    setup = client.get("/account/two-factor").text

    secret = re.search(r"<code>([A-Z2-7]+)</code>", setup).group(1)
    svg = re.search(r'<div class="qr-code">(<svg .*?</svg>)</div>', setup, re.S)
    assert svg, "no QR code on the page"
    assert "<title>QR code for an authenticator app</title>" in svg.group(1)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    expected = segno.make(uri, micro=False).svg_inline(scale=4)
    dark = re.compile(r'class="qrline"[^>]* d="([^"]+)"')
    assert dark.search(svg.group(1)).group(1) == dark.search(expected).group(1)
    assert "<img" not in svg.group(1) and "http" not in svg.group(1).split("<title>")[0]


def test_an_account_staff_make_is_welcomed_not_told_of_a_reset(client, mailbox, db_session):
    """The first email of an account staff made says so and leads to choosing a password;
    it does not say someone asked to reset one."""
    staff = UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    made = post_form(
        client,
        "/staff/users/new",
        {"full_name": "Lee Agent", "email": "lee@example.org", "role": "partner"},
        token_from="/staff/users/new",
    )
    assert made.status_code == 302, made.text
    [message] = [m for m in mailbox.messages if "lee@example.org" in str(m["To"])]
    assert message["Subject"] == "Your new account: choose your password"
    text = message.get_body(("plain",)).get_content()
    assert "An account was made for you" in text
    assert "asked to reset" not in text

    chosen = post_form(
        client.application.test_client(),
        path_of(link_in(message)),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert chosen.status_code == 302
