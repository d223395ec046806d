"""Partners and staff: a listing's applications, its duplicate flags, and paper entry."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications import rules, services
from housing.applications.forms import StartPaperForm
from housing.applications.views import grant
from housing.applications.wording import problem_text, rule_text, status_text
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings import management
from housing.listings.models import Listing
from housing.lottery import services as lottery_services
from housing.lottery.wording import refusal_text

partner_applications = Blueprint(
    "partner_applications", __name__, url_prefix="/partner/listings", template_folder="templates"
)
MANAGERS = (Role.PARTNER, Role.STAFF)


@partner_applications.context_processor
def _wording() -> dict[str, object]:
    return {"status_text": status_text, "rule_text": rule_text}


def _listing_or_404(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


@partner_applications.get("/<int:listing_id>/applications")
@require_roles(*MANAGERS)
def index(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    flagged = services.flagged_sets(db.session, listing_id)
    flagged_ids = {app.id for group in flagged for app in group.applications}
    return render_template(
        "partner/applications.html",
        listing=listing,
        applications=services.listing_applications(db.session, listing_id),
        flagged_ids=flagged_ids,
        flagged_count=len(flagged),
    )


@partner_applications.get("/<int:listing_id>/duplicates")
@require_roles(*MANAGERS)
def duplicates(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    return render_template(
        "partner/duplicates.html",
        listing=listing,
        groups=lottery_services.duplicate_groups(db.session, listing_id),
    )


@partner_applications.post("/<int:listing_id>/duplicates")
@require_roles(*MANAGERS)
def decide_duplicates(listing_id: int) -> Response:
    """Resolve one group: different households, or which one application of the household
    stays in the lottery. CSRF is checked by the app-wide protection."""
    _listing_or_404(listing_id)
    try:
        lottery_services.decide_duplicates(
            db.session,
            listing_id,
            request.form.get("rule", ""),
            request.form.get("key", ""),
            current_user,
            utcnow(),
            kept=request.form.get("kept", ""),
            reason=request.form.get("reason", ""),
        )
    except lottery_services.LotteryRefused as error:
        db.session.rollback()
        flash(refusal_text(error.code, error.detail), "error")
    else:
        db.session.commit()
        flash(_("Decision saved."), "success")
    return redirect(url_for(".duplicates", listing_id=listing_id))


@partner_applications.route("/<int:listing_id>/paper-applications", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def paper_new(listing_id: int) -> str | Response | tuple[str, int]:
    listing = _listing_or_404(listing_id)
    form = StartPaperForm()
    if form.validate_on_submit():
        try:
            application = services.start_application(
                db.session,
                listing_id,
                utcnow(),
                language=str(get_locale() or "en"),
                entered_by=current_user,
                received_on=form.received_on.data,
            )
        except services.ListingUnavailable as error:
            form.received_on.errors = [problem_text(rules.Problem("listing", error.code))]
        else:
            db.session.commit()
            grant(application)
            return redirect(
                url_for("applications.step", public_id=application.public_id, step="you")
            )
    status = 422 if form.errors else 200
    return render_template("partner/paper_new.html", listing=listing, form=form), status
