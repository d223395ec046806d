"""Guessing is slowed per account and address, never turned into a lock anyone can set: wrong
passwords from one address make that address wait longer and longer, the owner elsewhere signs
in, and is told once; wrong second-step codes are counted per account; reset emails are capped
per recipient while the page says the same thing."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from housing.accounts.models import User
from housing.extensions import limiter
from tests.accounts.helpers import browser_at, post_form, without_csrf
from tests.accounts.test_sign_up_and_sign_in import NEW_PASSWORD, sign_in
from tests.factories import UserFactory

STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"
WRONG = "not the password at all"


def forget_rate_limit(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        limiter.reset()


def code_now(user, clock) -> str:  # type: ignore[no-untyped-def]
    return pyotp.TOTP(user.totp_secret).at(clock.now())


def wrong_code(user, clock) -> str:  # type: ignore[no-untyped-def]
    """A six-digit code that is not valid in any time step the portal accepts now."""
    totp = pyotp.TOTP(user.totp_secret)
    valid = {totp.at(clock.now() + timedelta(seconds=30 * drift)) for drift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)


def test_a_strangers_wrong_passwords_do_not_stop_the_owner_elsewhere(client, app, clock):
    owner = UserFactory()
    stranger = browser_at(app, STRANGER)
    for _attempt in range(8):
        assert sign_in(stranger, owner.email, WRONG).status_code == 401
        clock.advance(timedelta(seconds=1))

    assert sign_in(stranger, owner.email).status_code == 401  # that address waits
    assert sign_in(browser_at(app, OWNER), owner.email).status_code == 302


def test_waits_grow_with_each_failure_from_the_same_address(client, app, clock):
    owner = UserFactory()
    browser = browser_at(app, STRANGER)
    for _attempt in range(4):
        assert sign_in(browser, owner.email, WRONG).status_code == 401
    assert sign_in(browser, owner.email).status_code == 302  # four slips cost nothing
    post_form(browser, "/account/sign-out", {}, token_from="/account")

    for _attempt in range(5):
        assert sign_in(browser, owner.email, WRONG).status_code == 401
    for wait in (2, 4, 8, 16):
        forget_rate_limit(app)  # ten posts a minute per address; here the waits are the point
        clock.advance(timedelta(seconds=wait - 1))
        assert sign_in(browser, owner.email).status_code == 401  # even the right password waits
        clock.advance(timedelta(seconds=1))
        assert sign_in(browser, owner.email, WRONG).status_code == 401  # one more, after the wait
    clock.advance(timedelta(seconds=31))
    assert sign_in(browser, owner.email).status_code == 401
    clock.advance(timedelta(seconds=1))
    assert sign_in(browser, owner.email).status_code == 302


def test_the_owner_is_told_once_of_failed_sign_ins(client, app, clock, mailbox):
    owner = UserFactory(email="owner@example.org", full_name="Olu Owner")
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        stranger = browser_at(app, address)
        for _attempt in range(6):
            assert sign_in(stranger, owner.email, WRONG).status_code == 401
            clock.advance(timedelta(minutes=1))

    [notice] = mailbox.messages
    assert notice["To"] == "owner@example.org"
    assert notice["Subject"] == "Someone tried to sign in to your account"
    assert "Olu Owner" in notice.get_body(preferencelist=("plain",)).get_content()


def test_a_known_device_is_not_held_back_by_failures_from_everywhere(client, app, clock):
    owner = UserFactory()
    laptop = browser_at(app, OWNER)
    assert sign_in(laptop, owner.email).status_code == 302
    post_form(laptop, "/account/sign-out", {}, token_from="/account")

    for number in range(10):
        stranger = browser_at(app, f"203.0.113.{number + 10}")
        for _attempt in range(4):  # under each address's own threshold
            assert sign_in(stranger, owner.email, WRONG).status_code == 401

    assert sign_in(browser_at(app, "192.0.2.50"), owner.email).status_code == 401
    assert sign_in(laptop, owner.email).status_code == 302


def test_five_wrong_codes_end_the_half_signed_in_session(client, app, clock, db_session):
    user = UserFactory(staff=True, with_two_factor=True)
    browser = browser_at(app, OWNER)
    assert sign_in(browser, user.email).headers["Location"] == "/account/sign-in/code"
    for _attempt in range(4):
        answer = post_form(browser, "/account/sign-in/code", {"code": wrong_code(user, clock)})
        assert "That code is not right." in answer.text
    fifth = post_form(browser, "/account/sign-in/code", {"code": wrong_code(user, clock)})
    assert fifth.status_code == 302 and fifth.headers["Location"] == "/account/sign-in"

    right = post_form(
        browser,
        "/account/sign-in/code",
        {"code": code_now(user, clock)},
        token_from="/account/sign-in",
    )
    assert right.status_code == 403
    assert browser.get("/account").status_code == 302


def test_wrong_codes_are_counted_per_account_across_sessions_and_addresses(
    client, app, clock, mailbox
):
    user = UserFactory(partner=True, with_two_factor=True)
    first = browser_at(app, STRANGER)
    sign_in(first, user.email)
    for _attempt in range(3):
        post_form(first, "/account/sign-in/code", {"code": wrong_code(user, clock)})

    second = browser_at(app, OWNER)
    assert sign_in(second, user.email).headers["Location"] == "/account/sign-in/code"
    post_form(second, "/account/sign-in/code", {"code": wrong_code(user, clock)})
    ended = post_form(second, "/account/sign-in/code", {"code": wrong_code(user, clock)})
    assert ended.headers["Location"] == "/account/sign-in"
    [notice] = mailbox.messages  # whoever it was had the password
    assert "right password" in notice.get_body(preferencelist=("plain",)).get_content()

    third = browser_at(app, "192.0.2.9")
    sign_in(third, user.email)
    waiting = post_form(third, "/account/sign-in/code", {"code": code_now(user, clock)})
    assert "Too many wrong codes" in waiting.text
    assert third.get("/account").status_code == 302

    clock.advance(timedelta(seconds=30))
    done = post_form(third, "/account/sign-in/code", {"code": code_now(user, clock)})
    assert done.status_code == 302 and done.headers["Location"] == "/account"


def test_reset_emails_are_capped_per_recipient_and_the_page_does_not_change(
    client, clock, mailbox, db_session
):
    UserFactory(email="target@example.org")

    def ask(address: str):  # type: ignore[no-untyped-def]
        return post_form(
            browser_at(client.application, address),
            "/account/password/forgot",
            {"email": "target@example.org"},
        )

    pages = [ask(f"203.0.113.{n}") for n in range(1, 5)]
    assert len(mailbox.messages) == 3
    assert len({without_csrf(page.text) for page in pages}) == 1
    assert {page.status_code for page in pages} == {200}

    clock.advance(timedelta(minutes=61))
    for n in range(5, 8):
        ask(f"203.0.113.{n}")
    assert len(mailbox.messages) == 5  # five a day

    clock.advance(timedelta(hours=23))
    ask("203.0.113.9")
    assert len(mailbox.messages) == 6
    assert {m["To"] for m in mailbox.messages} == {"target@example.org"}
    assert db_session.scalar(select(User).where(User.email == "target@example.org")) is not None


def test_notices_of_an_existing_account_are_capped_like_reset_links(client, mailbox):
    UserFactory(email="taken@example.org")
    form = {
        "full_name": "Someone",
        "email": "taken@example.org",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    pages = [
        post_form(browser_at(client.application, f"203.0.113.{n}"), "/account/sign-up", form)
        for n in range(1, 5)
    ]
    assert len({without_csrf(page.text) for page in pages}) == 1
    assert [m["Subject"] for m in mailbox.messages] == ["You already have an account"] * 3
