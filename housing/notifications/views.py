"""The notifications blueprint: it carries the message templates, and lets an applicant stop
deadline reminders from the link in one (also as a mail program's one-click unsubscribe)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from housing.accounts import tokens
from housing.applications import messages
from housing.db_types import utcnow
from housing.extensions import csrf, db

notifications = Blueprint("notifications", __name__, template_folder="templates")


@notifications.get("/reminders/stop/<token>")
def stop_reminders_page(token: str) -> str:
    try:
        application = messages.reminded_application(db.session, token)
    except tokens.InvalidToken:
        abort(404)
    return render_template(
        "notifications/stop_reminders.html",
        application=application,
        stopped=application.reminders_stopped_at is not None,
        token=token,
    )


@notifications.post("/reminders/stop/<token>")
@csrf.exempt  # the signed link is the permission; mail programs post here without a page
def stop_reminders(token: str) -> str:
    try:
        application = messages.stop_reminders(db.session, token, utcnow())
    except tokens.InvalidToken:
        abort(404)
    db.session.commit()
    return render_template(
        "notifications/stop_reminders.html", application=application, stopped=True, token=token
    )
