"""Staff review of submitted listings: approve (now or scheduled) or ask for changes."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from housing import jobs
from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.listings import management, presenters, services
from housing.listings.deadlines import local_moment
from housing.listings.management_forms import ApproveForm, ReasonForm
from housing.listings.models import Listing

listing_reviews = Blueprint(
    "listing_reviews", __name__, url_prefix="/staff/reviews", template_folder="templates"
)


def _listing(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


@listing_reviews.get("")
@require_roles(Role.STAFF)
def queue() -> str:
    return render_template("staff/reviews.html", listings=management.review_queue(db.session))


def _render(
    listing: Listing, approve: ApproveForm, changes: ReasonForm, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "staff/review.html",
            listing=listing,
            approve=approve,
            changes=changes,
            unit_rows=presenters.unit_rows(listing),
            income_limits=services.income_limit_table(listing),
            presenters=presenters,
            now=utcnow(),
        ),
        status,
    )


@listing_reviews.get("/<int:listing_id>")
@require_roles(Role.STAFF)
def review(listing_id: int) -> tuple[str, int]:
    return _render(_listing(listing_id), ApproveForm(), ReasonForm())


@listing_reviews.post("/<int:listing_id>/approve")
@require_roles(Role.STAFF)
def approve(listing_id: int) -> Response | tuple[str, int]:
    listing = _listing(listing_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render(listing, form, ReasonForm(), 422)
    publish_at = None
    if form.publish_on.data:
        publish_at = local_moment(
            form.publish_on.data, form.publish_at.data or time(0, 0), listing.timezone
        )
    try:
        management.approve_listing(db.session, current_user, listing_id, publish_at)
    except management.WrongStatus:
        flash(_("Only listings waiting for review can be approved."), "error")
        return redirect(url_for("listing_reviews.review", listing_id=listing_id))
    db.session.commit()
    jobs.enqueue_committed(db.session)
    flash(_("Approved. The listing is published at the time you chose."), "success")
    return redirect(url_for("listing_reviews.queue"))


@listing_reviews.post("/<int:listing_id>/request-changes")
@require_roles(Role.STAFF)
def request_changes(listing_id: int) -> Response | tuple[str, int]:
    listing = _listing(listing_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render(listing, ApproveForm(), form, 422)
    try:
        management.request_changes(db.session, current_user, listing_id, form.reason.data or "")
    except management.WrongStatus:
        flash(_("Only listings waiting for review can be sent back."), "error")
        return redirect(url_for("listing_reviews.review", listing_id=listing_id))
    db.session.commit()
    flash(_("Sent back to the partner with your note."), "success")
    return redirect(url_for("listing_reviews.queue"))
