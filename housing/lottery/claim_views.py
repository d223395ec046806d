"""Partners and staff check preference claims against the proof uploaded with them, before or
after the draw; each decision goes through the lottery's own rules and log."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing import jobs
from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    PreferenceDecision,
)
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings import management
from housing.listings.models import Listing
from housing.lottery import services
from housing.lottery.wording import refusal_text
from housing.notifications.tasks import send_after_commit

claim_review = Blueprint(
    "claim_review", __name__, url_prefix="/partner/listings", template_folder="templates"
)
PAGE = 50


@dataclass(frozen=True)
class Claim:
    application: Application
    code: str
    proof_type: str
    document: ApplicationDocument | None
    decision: PreferenceDecision | None


def _listing_or_404(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


def _claims(listing: Listing, after: int, undecided: bool) -> tuple[list[Claim], int | None]:
    """A page of claims, by application, from the application after ``after``."""
    codes = [choice.preference.code for choice in listing.preferences]
    claims: list[Claim] = []
    last: int | None = None
    query = (
        select(Application)
        .where(
            Application.listing_id == listing.id,
            Application.status == ApplicationStatus.SUBMITTED,
            Application.id > after,
        )
        .order_by(Application.id)
        .execution_options(yield_per=200)
    )
    for application in db.session.scalars(query):
        answers = (application.submitted_answers or {}).get("preferences") or {}
        held = [
            (code, answers[code])
            for code in codes
            if isinstance(answers.get(code), dict) and answers[code].get("claimed") is True
        ]
        if not held:
            continue
        decisions = {
            d.preference_code: d
            for d in db.session.scalars(
                select(PreferenceDecision).where(
                    PreferenceDecision.application_id == application.id
                )
            )
        }
        documents = {d.public_id: d for d in application.documents}
        rows = [
            Claim(
                application,
                code,
                str(claim.get("proof_type") or ""),
                documents.get(str(claim.get("document") or "")),
                decisions.get(code),
            )
            for code, claim in held
            if not (undecided and code in decisions)
        ]
        if not rows:
            continue
        if len(claims) >= PAGE:
            return claims, last
        claims.extend(rows)
        last = application.id
    return claims, None


@claim_review.get("/<int:listing_id>/claims")
@require_roles(Role.PARTNER, Role.STAFF)
def index(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    after = request.args.get("after", "0")
    undecided = request.args.get("undecided") == "1"
    claims, next_after = _claims(listing, int(after) if after.isdigit() else 0, undecided)
    return render_template(
        "lottery/claims.html",
        listing=listing,
        claims=claims,
        next_after=next_after,
        undecided=undecided,
        names=services.preference_names(listing, str(get_locale() or "en")),
    )


@claim_review.post("/<int:listing_id>/claims")
@require_roles(Role.PARTNER, Role.STAFF)
def decide(listing_id: int) -> Response:
    listing = _listing_or_404(listing_id)
    try:
        lottery = services.decide_claim(
            db.session,
            listing.id,
            request.form.get("application", ""),
            request.form.get("preference", ""),
            current_user,
            utcnow(),
            valid=request.form.get("decision") == "valid",
            reason=request.form.get("reason", ""),
        )
    except services.LotteryRefused as error:
        db.session.rollback()
        flash(refusal_text(error.code, error.detail), "error")
    else:
        pending, lottery_id = lottery.revision_pending, lottery.id
        db.session.commit()
        send_after_commit()
        flash(_("Decision saved. The household is told."), "success")
        if pending:
            jobs.enqueue("housing.lottery.tasks.revise_results", lottery_id)
    after = request.form.get("after", "0")
    undecided = "1" if request.form.get("undecided") == "1" else None
    return redirect(url_for(".index", listing_id=listing_id, after=after, undecided=undecided))
