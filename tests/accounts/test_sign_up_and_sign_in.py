"""Sign-up with email confirmation, sign-in, and the same answer for every failure."""

from __future__ import annotations

from sqlalchemy import func, select

from housing.accounts.models import User
from tests.accounts.helpers import link_in, path_of, post_form, without_csrf
from tests.factories import TEST_PASSWORD, UserFactory

NEW_PASSWORD = "seven lanterns over quiet water"


def sign_in(client, email, password=TEST_PASSWORD, **kwargs):
    return post_form(client, "/account/sign-in", {"email": email, "password": password}, **kwargs)


def test_sign_up_sends_a_confirmation_in_the_reader_language_and_the_link_confirms(
    client, mailbox, db_session
):
    client.set_cookie("language", "es")
    response = post_form(
        client,
        "/account/sign-up",
        {
            "full_name": "Rosa Díaz",
            "email": "Rosa@Example.org",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    user = db_session.scalar(select(User).where(User.email == "rosa@example.org"))
    assert user is not None and user.language == "es" and user.email_confirmed_at is None
    assert user.password_hash.startswith("$argon2")
    [message] = mailbox.messages
    assert message["To"] == "rosa@example.org"
    assert message["Content-Language"] == "es"

    assert sign_in(client, "rosa@example.org", NEW_PASSWORD).status_code == 403  # not confirmed yet
    confirmed = client.get(path_of(link_in(message)))
    assert confirmed.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, user.id).email_confirmed_at is not None
    assert sign_in(client, "rosa@example.org", NEW_PASSWORD).status_code == 302


def test_signing_up_again_with_a_known_email_reveals_nothing_and_creates_nothing(
    client, mailbox, db_session
):
    existing = UserFactory(email="known@example.org")
    before = db_session.scalar(select(func.count()).select_from(User))

    known = post_form(
        client,
        "/account/sign-up",
        {
            "full_name": "X",
            "email": "known@example.org",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    fresh = post_form(
        client,
        "/account/sign-up",
        {
            "full_name": "X",
            "email": "fresh@example.org",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert known.status_code == fresh.status_code == 200
    assert without_csrf(known.text.replace("known@", "fresh@")) == without_csrf(fresh.text)
    assert db_session.scalar(select(func.count()).select_from(User)) == before + 1
    assert {m["To"] for m in mailbox.messages} == {"known@example.org", "fresh@example.org"}
    warning = next(m for m in mailbox.messages if m["To"] == "known@example.org")
    assert warning["Subject"] == "You already have an account"
    db_session.refresh(existing)
    assert existing.password_hash != NEW_PASSWORD


def test_weak_passwords_are_refused_with_reasons_and_nothing_is_created(client, db_session):
    cases = {
        "short pass": "Use 12 to 128 characters.",
        "password1234": "This password is too easy to guess.",
        "aaaaaaaaaaaaaaa": "This password is too easy to guess.",
        "maria.lopez-rocks-2026": "Do not use your email address in your password.",
    }
    for password, message in cases.items():
        response = post_form(
            client,
            "/account/sign-up",
            {
                "full_name": "Maria",
                "email": "maria.lopez@example.org",
                "password": password,
                "password_again": password,
            },
        )
        assert message in response.text, password
    mismatch = post_form(
        client,
        "/account/sign-up",
        {
            "full_name": "M",
            "email": "m@example.org",
            "password": NEW_PASSWORD,
            "password_again": "something else entirely",
        },
    )
    assert "The two passwords are not the same." in mismatch.text
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    UserFactory(email="someone@example.org")

    unknown = sign_in(client, "nobody@example.org", "whatever at all")
    wrong = sign_in(client, "someone@example.org", "whatever at all")

    assert unknown.status_code == wrong.status_code == 401
    assert without_csrf(unknown.text.replace("nobody@", "someone@")) == without_csrf(wrong.text)


def test_disabled_accounts_cannot_sign_in(client):
    user = UserFactory(disabled=True)
    assert sign_in(client, user.email).status_code == 401


def test_signed_in_applicant_sees_their_account_and_can_sign_out(client):
    user = UserFactory(full_name="Ana Applicant")
    assert client.get("/account").status_code == 302  # sign-in first

    response = sign_in(client, user.email, follow=True)
    assert "Ana Applicant" in response.text

    signed_out = post_form(client, "/account/sign-out", {}, token_from="/account")
    assert signed_out.status_code == 302
    assert client.get("/account").status_code == 302


def test_forms_without_a_csrf_token_are_refused(client):
    user = UserFactory()
    response = client.post(
        "/account/sign-in", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_sign_in_is_rate_limited_with_a_translated_page(client):
    client.set_cookie("language", "es")
    statuses = [
        sign_in(client, "nobody@example.org", "guess number one").status_code for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    limited = sign_in(client, "nobody@example.org", "guess number two")
    assert limited.status_code == 429
    assert 'lang="es"' in limited.text
