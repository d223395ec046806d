"""Account emails with signed links, written to the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, select

from housing.accounts import tokens
from housing.accounts.models import UnaskedEmail, User
from housing.db_types import AnySession
from housing.notifications.models import OutboundMessage
from housing.notifications.services import queue_email


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link on the public site; works in requests, jobs and commands alike."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return str(current_app.config["HOUSING"].public_url + path)


def confirmed_email(session: AnySession, user_id: int) -> str | None:
    """The account's email address, once its holder has confirmed it is theirs (the outbox
    greets by name only there)."""
    user = session.get(User, user_id)
    return user.email if user is not None and user.email_confirmed_at is not None else None


def reset_stamp(user: User) -> str:
    """Changes whenever the password does, so a reset link works once."""
    return user.password_hash[-16:]


def queue_password_link(
    session: AnySession, user: User, *, new_account: bool = False
) -> OutboundMessage:
    """A link to choose a new password: a reset, or (``new_account``) the first password of
    an account staff or the command line made, worded as a welcome, not as a reset."""
    link = external_url(
        "accounts.reset_password",
        token=tokens.make_token("reset", {"user": user.id, "stamp": reset_stamp(user)}),
    )
    return _queue(session, user, "account_created" if new_account else "password_reset", link)


def queue_confirmation(session: AnySession, user: User) -> OutboundMessage:
    link = external_url(
        "accounts.confirm",
        token=tokens.make_token("confirm", {"user": user.id, "email": user.email}),
    )
    return _queue(session, user, "confirm_email", link)


def queue_existing_account_notice(session: AnySession, user: User) -> OutboundMessage:
    return _queue(session, user, "sign_up_existing", external_url("accounts.forgot_password"))


def queue_sign_in_attempts_notice(
    session: AnySession, user: User, *, password_known: bool
) -> OutboundMessage:
    """Failed sign-ins on the account: wrong passwords, or (``password_known``) wrong codes
    after the right password."""
    return _queue(
        session,
        user,
        "sign_in_attempts",
        external_url("accounts.forgot_password"),
        password_known=password_known,
    )


# Emails anyone can cause by typing an address, per recipient.
UNASKED_PER_HOUR = 3
UNASKED_PER_DAY = 5


def claim_unasked_email(session: AnySession, user: User, now: datetime) -> bool:
    """Whether one more such email may go to this account now; if so, it is counted.

    A reset link or a "you already have an account" notice costs anyone nothing to cause, so
    past the cap the caller sends nothing and answers as if it had.
    """
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    session.execute(
        delete(UnaskedEmail)
        .where(UnaskedEmail.user_id == user.id, UnaskedEmail.sent_at < now - timedelta(days=1))
        .execution_options(synchronize_session=False)
    )
    sent = session.scalars(select(UnaskedEmail.sent_at).where(UnaskedEmail.user_id == user.id))
    times = list(sent)
    last_hour = [moment for moment in times if moment > now - timedelta(hours=1)]
    if len(times) >= UNASKED_PER_DAY or len(last_hour) >= UNASKED_PER_HOUR:
        return False
    session.add(UnaskedEmail(user_id=user.id, sent_at=now))
    return True


def _queue(
    session: AnySession, user: User, template: str, link: str, **extra: Any
) -> OutboundMessage:
    return queue_email(
        session,
        to=user.email,
        template=template,
        language=user.language,
        context={"name": user.full_name, "link": link, **extra},
        user_id=user.id,
    )
