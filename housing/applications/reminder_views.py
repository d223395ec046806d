"""An applicant stops the deadline reminders of an application from the link in one (also as
a mail program's one-click unsubscribe)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from housing.accounts import tokens
from housing.applications import outbox
from housing.db_types import utcnow
from housing.extensions import csrf, db

reminders = Blueprint("reminders", __name__, template_folder="templates")


@reminders.get("/reminders/stop/<token>")
def stop_reminders_page(token: str) -> str:
    try:
        application = outbox.reminded_application(db.session, token)
    except tokens.InvalidToken:
        abort(404)
    return render_template(
        "applications/stop_reminders.html",
        application=application,
        stopped=application.reminders_stopped_at is not None,
        token=token,
    )


@reminders.post("/reminders/stop/<token>")
@csrf.exempt  # the signed link is the permission; mail programs post here without a page
def stop_reminders(token: str) -> str:
    try:
        application = outbox.stop_reminders(db.session, token, utcnow())
    except tokens.InvalidToken:
        abort(404)
    db.session.commit()
    return render_template(
        "applications/stop_reminders.html", application=application, stopped=True, token=token
    )
