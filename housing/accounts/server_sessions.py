"""Sessions kept on the server, so that ending one ends it on every host at once.

A browser holds a marker, ``<row id>.<random token>``, inside its signed session cookie; the
row keeps the token's SHA-256. A copied cookie works only as long as its row exists: signing
out deletes it, and a password change, a role change or disabling the account delete the
account's other rows (or all of them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import joinedload

from housing.accounts.models import UserSession
from housing.db_types import AnySession

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Time to type the second-step code after the password.
SECOND_STEP_TIMEOUT = timedelta(minutes=10)
# "Last seen" is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    # The token is 256 random bits: a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: AnySession, user_id: int, now: datetime, *, second_step_due: bool) -> str:
    """A new session for the user; returns the marker for the browser to keep."""
    session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user_id, _expired(now))
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user_id,
        token_hash=_digest(token),
        second_step_due=second_step_due,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return f"{row.id}.{token}"


def find_session(session: AnySession, marker: object, now: datetime) -> UserSession | None:
    """The live session a browser's marker names, or None (ended, expired, forged, disabled)."""
    row_id, _dot, token = str(marker).partition(".")
    if not row_id.isdigit() or not token:
        return None
    row = session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.id == int(row_id))
    )
    if row is None or not secrets.compare_digest(row.token_hash, _digest(token)):
        return None
    if row.user.disabled or _has_expired(row, now):
        return None
    return row


def finish_second_step(row: UserSession, now: datetime) -> str:
    """The half-signed-in session becomes a whole one, under a new token."""
    token = secrets.token_urlsafe(32)
    row.token_hash = _digest(token)
    row.second_step_due = False
    row.created_at = now
    row.last_seen_at = now
    return f"{row.id}.{token}"


def mark_seen(row: UserSession, now: datetime) -> bool:
    """Note the session in use; True when that changed the row."""
    if now - row.last_seen_at < SEEN_EVERY:
        return False
    row.last_seen_at = now
    return True


def end_session(session: AnySession, row: UserSession) -> None:
    session.delete(row)


def end_sessions(session: AnySession, user_id: int, *, keep: UserSession | None = None) -> None:
    """End every session of the user, on every device, but ``keep`` if given."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    session.execute(query.execution_options(synchronize_session=False))


def _has_expired(row: UserSession, now: datetime) -> bool:
    if row.second_step_due:
        return now - row.created_at > SECOND_STEP_TIMEOUT
    return now - row.created_at > ABSOLUTE_TIMEOUT or now - row.last_seen_at > IDLE_TIMEOUT


def _expired(now: datetime) -> ColumnElement[bool]:
    """The SQL twin of ``_has_expired``, to clear a user's dead rows."""
    return or_(
        UserSession.created_at < now - ABSOLUTE_TIMEOUT,
        UserSession.last_seen_at < now - IDLE_TIMEOUT,
        UserSession.second_step_due & (UserSession.created_at < now - SECOND_STEP_TIMEOUT),
    )
