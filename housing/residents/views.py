"""A resident's applications on their account: the list, its part of the account page, and
attaching the ones made with their address before the account existed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from housing.accounts.emails import external_url
from housing.accounts.forms import ConfirmForm
from housing.accounts.models import Role, User
from housing.applications import attach
from housing.applications.services import applications_of
from housing.applications.wording import status_text
from housing.db_types import utcnow
from housing.extensions import db, limiter
from housing.i18n import gettext as _
from housing.leaseup.wording import status_text as lease_status_text
from housing.notifications.tasks import send_after_commit
from housing.residents.wording import attach_problem_text
from housing.residents.your_applications import application_rows

residents = Blueprint("residents", __name__, url_prefix="/account", template_folder="templates")


def _resident() -> None:
    if current_user.role is not Role.APPLICANT:
        abort(404)


def account_section(user: User) -> Markup | None:
    """A resident's part of their account page: applications to add, and their own."""
    if user.role is not Role.APPLICANT:
        return None
    html = render_template(
        "residents/_account_section.html",
        applications=applications_of(db.session, user),
        offers=attach.offers_for(db.session, user),
        form=ConfirmForm(),
        status_text=status_text,
    )
    return Markup(html)  # noqa: S704 - rendered by the template engine, which escaped it


@residents.get("/applications")
@login_required
def your_applications() -> str:
    _resident()
    return render_template(
        "residents/applications.html",
        rows=application_rows(db.session, current_user, utcnow()),
        offers=attach.offers_for(db.session, current_user),
        form=ConfirmForm(),
        status_text=status_text,
        lease_status_text=lease_status_text,
    )


def _attach_link_for(token: str) -> str:
    return external_url("residents.attach_link", token=token)


@residents.post("/applications/attach")
@login_required
@limiter.limit("10 per hour")
def request_attach() -> Response:
    """Email the account's address a link that adds one offered application."""
    _resident()
    if ConfirmForm().validate_on_submit():
        public_id = request.form.get("application", "")
        try:
            attach.queue_attach_link(db.session, current_user, public_id, _attach_link_for)
        except attach.AttachRefused as refusal:
            flash(attach_problem_text(refusal.code), "error")
        else:
            db.session.commit()
            send_after_commit()
            flash(
                _(
                    "We emailed a link to %(email)s. Open it to add application %(number)s "
                    "to your account.",
                    email=current_user.email,
                    number=public_id,
                ),
                "success",
            )
    back = (
        "residents.your_applications" if request.form.get("back") == "list" else "accounts.overview"
    )
    return redirect(url_for(back))


@residents.route("/applications/attach/<token>", methods=["GET", "POST"])
@login_required
def attach_link(token: str) -> str | Response | tuple[str, int]:
    """The emailed link: shows the application, and adds it when the resident confirms."""
    _resident()
    form = ConfirmForm()
    try:
        if request.method == "POST" and form.validate_on_submit():
            application = attach.attach_application(db.session, current_user, token, utcnow())
            db.session.commit()
            flash(
                _(
                    "Application %(number)s for %(listing)s is now in your account.",
                    number=application.public_id,
                    listing=application.listing.name,
                ),
                "success",
            )
            return redirect(url_for(".your_applications"))
        application = attach.application_of_link(db.session, current_user, token)
    except attach.AttachRefused as refusal:
        db.session.rollback()
        return render_template(
            "residents/attach_invalid.html", reason=attach_problem_text(refusal.code)
        ), 400
    db.session.rollback()  # reading took a lock; nothing changed
    return render_template("residents/attach_confirm.html", application=application, form=form)
