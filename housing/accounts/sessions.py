"""Flask-Login wiring: which server-side session a request belongs to, whose it is, and the
browsers that signed in to an account before."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request, session
from flask_login import logout_user
from werkzeug.wrappers import Response

from housing.accounts import server_sessions, tokens
from housing.accounts.models import User, UserSession
from housing.db_types import utcnow
from housing.extensions import db, login_manager
from housing.i18n import lazy_gettext as _l

SESSION_KEY = "account_session"
_ROW = "account_session_row"
# A browser that signed in to an account is not held back by guessing from everywhere else.
DEVICE_COOKIE = "known_device"
DEVICE_MAX_AGE = timedelta(days=365)
DEVICE_ACCOUNTS = 5


def current_session() -> UserSession | None:
    """The live session this request's browser holds, whole or half-way; read once a request."""
    if _ROW not in g:
        marker = session.get(SESSION_KEY)
        found = server_sessions.find_session(db.session, marker, utcnow()) if marker else None
        setattr(g, _ROW, found)
    row: UserSession | None = g.get(_ROW)
    return row


def begin_session(user: User, *, second_step_due: bool) -> None:
    """Start a session for ``user`` in this browser, ending the one it had."""
    end_current_session()
    session[SESSION_KEY] = server_sessions.open_session(
        db.session, user.id, utcnow(), second_step_due=second_step_due
    )


def finish_second_step(row: UserSession) -> None:
    session[SESSION_KEY] = server_sessions.finish_second_step(row, utcnow())
    g.pop(_ROW, None)


def end_current_session() -> None:
    row = current_session()
    if row is not None:
        server_sessions.end_session(db.session, row)
    session.pop(SESSION_KEY, None)
    g.pop(_ROW, None)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    row = current_session()
    if row is None or row.second_step_due or str(row.user_id) != user_id:
        return None
    return row.user


def keep_session_current() -> None:
    """Forget the marker of a session that ended elsewhere; note a live one as seen."""
    if SESSION_KEY not in session:
        return
    row = current_session()
    if row is None:
        logout_user()
        session.pop(SESSION_KEY, None)
    elif server_sessions.mark_seen(row, utcnow()):
        db.session.commit()


def known_accounts() -> list[int]:
    """The accounts this browser signed in to within the last year, the latest first."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        payload = tokens.read_token(
            "device", value, max_age_seconds=int(DEVICE_MAX_AGE.total_seconds())
        )
    except tokens.InvalidToken:
        return []
    users = payload.get("users")
    return [u for u in users if isinstance(u, int)] if isinstance(users, list) else []


def remember_device(response: Response, user_id: int) -> Response:
    users = [user_id, *(u for u in known_accounts() if u != user_id)][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        tokens.make_token("device", {"users": users}),
        max_age=int(DEVICE_MAX_AGE.total_seconds()),
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", server_sessions.IDLE_TIMEOUT)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    # "basic": a phone moving between Wi-Fi and mobile data keeps its session.
    login_manager.session_protection = "basic"
    app.before_request(keep_session_current)
