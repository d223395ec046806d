"""Account emails with signed links, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

from housing.accounts import tokens
from housing.accounts.models import User
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


def reset_stamp(user: User) -> str:
    """Changes whenever the password does, so a reset link works once."""
    return user.password_hash[-16:]


def queue_password_link(session: AnySession, user: User) -> OutboundMessage:
    """A link to choose a new password (a reset, or the first password of a new account)."""
    link = external_url(
        "accounts.reset_password",
        token=tokens.make_token("reset", {"user": user.id, "stamp": reset_stamp(user)}),
    )
    return _queue(session, user, "password_reset", link)


def queue_confirmation(session: AnySession, user: User) -> OutboundMessage:
    link = external_url(
        "accounts.confirm",
        token=tokens.make_token("confirm", {"user": user.id, "email": user.email}),
    )
    return _queue(session, user, "confirm_email", link)


def queue_existing_account_notice(session: AnySession, user: User) -> OutboundMessage:
    return _queue(session, user, "sign_up_existing", external_url("accounts.forgot_password"))


def _queue(session: AnySession, user: User, template: str, link: str) -> OutboundMessage:
    return queue_email(
        session,
        to=user.email,
        template=template,
        language=user.language,
        context={"name": user.full_name, "link": link},
        user_id=user.id,
    )
