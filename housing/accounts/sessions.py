"""Flask-Login wiring: loading the user from the session, and how long a session lasts."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from housing.accounts.models import User
from housing.db_types import utcnow
from housing.extensions import db, login_manager

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)


@login_manager.user_loader
def load_user(marker: str) -> User | None:
    """Sessions name the user and their session epoch; a bumped epoch ends old sessions."""
    user_id, _sep, epoch = marker.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or str(user.session_epoch) != epoch or user.disabled:
        return None
    return user


def end_expired_session() -> None:
    started = session.get("signed_in_at")
    if current_user.is_authenticated and (
        started is None or utcnow().timestamp() - float(started) > ABSOLUTE_TIMEOUT.total_seconds()
    ):
        logout_user()
        session.clear()


def init_app(app: Flask) -> None:
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", IDLE_TIMEOUT)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.login_message_category = "info"
    # "basic": a phone moving between Wi-Fi and mobile data keeps its session.
    login_manager.session_protection = "basic"
    app.before_request(end_expired_session)
