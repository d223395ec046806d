"""Partners and staff check preference claims against the proof uploaded with them, before or
after the draw; each decision goes through the lottery's own rules and log."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from housing import jobs
from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    PreferenceClaim,
    PreferenceDecision,
)
from housing.applications.wording import choice_label, proof_type_name
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.listings import management
from housing.listings.models import Listing
from housing.lottery.access import LotteryRefused
from housing.lottery.claims import decide_claim
from housing.lottery.verify import VETERAN_PREFIX, veteran_list_code
from housing.lottery.wording import refusal_text, result_list_names
from housing.notifications.tasks import send_after_commit
from housing.routing import query_id

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
    """A page of claims, by application, from the application after ``after``; read from the
    claims table with keyset paging, so a page costs the same at any depth."""
    query = (
        select(PreferenceClaim.application_id)
        .join(Application, Application.id == PreferenceClaim.application_id)
        .where(
            PreferenceClaim.listing_id == listing.id,
            Application.status == ApplicationStatus.SUBMITTED,
            PreferenceClaim.application_id > after,
        )
        .group_by(PreferenceClaim.application_id)
        .order_by(PreferenceClaim.application_id)
        .limit(PAGE + 1)
    )
    if undecided:
        decided = select(PreferenceDecision.id).where(
            PreferenceDecision.application_id == PreferenceClaim.application_id,
            PreferenceDecision.preference_code == PreferenceClaim.preference_code,
        )
        # A claim made as a veteran has its veteran status decided apart ("V-COP").
        veteran_decided = select(PreferenceDecision.id).where(
            PreferenceDecision.application_id == PreferenceClaim.application_id,
            PreferenceDecision.preference_code == VETERAN_PREFIX + PreferenceClaim.preference_code,
        )
        query = query.where(
            or_(~decided.exists(), and_(PreferenceClaim.veteran, ~veteran_decided.exists()))
        )
    ids = list(db.session.scalars(query))
    more = len(ids) > PAGE
    ids = ids[:PAGE]
    applications = {
        a.id: a
        for a in db.session.scalars(
            select(Application)
            .where(Application.id.in_(ids))
            .options(selectinload(Application.documents))
        )
    }
    decisions = {
        (d.application_id, d.preference_code): d
        for d in db.session.scalars(
            select(PreferenceDecision).where(PreferenceDecision.application_id.in_(ids))
        )
    }
    codes = [(c.preference.code, c.veterans_first) for c in listing.preferences]
    claims: list[Claim] = []
    for application_id in ids:
        application = applications[application_id]
        answers = (application.submitted_answers or {}).get("preferences") or {}
        documents = {d.public_id: d for d in application.documents}
        for code, veteran_list in codes:
            claim = answers.get(code)
            if not isinstance(claim, dict) or claim.get("claimed") is not True:
                continue
            shown = [(code, proof_type_name(claim.get("proof_type")), claim.get("document"))]
            if veteran_list and claim.get("veteran") is True:
                shown.append(
                    (
                        veteran_list_code(code),
                        choice_label("veteran_proof_type", claim.get("veteran_proof_type")),
                        claim.get("veteran_document"),
                    )
                )
            for list_code, proof_type, document in shown:
                decision = decisions.get((application_id, list_code))
                if undecided and decision is not None:
                    continue
                claims.append(
                    Claim(
                        application,
                        list_code,
                        proof_type,
                        documents.get(str(document or "")),
                        decision,
                    )
                )
    return claims, ids[-1] if more and ids else None


@claim_review.get("/<int:listing_id>/claims")
@require_roles(Role.PARTNER, Role.STAFF)
def index(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    undecided = request.args.get("undecided") == "1"
    claims, next_after = _claims(listing, query_id("after") or 0, undecided)
    return render_template(
        "lottery/claims.html",
        listing=listing,
        claims=claims,
        next_after=next_after,
        undecided=undecided,
        names=result_list_names(listing, str(get_locale() or "en")),
    )


@claim_review.post("/<int:listing_id>/claims")
@require_roles(Role.PARTNER, Role.STAFF)
def decide(listing_id: int) -> Response:
    listing = _listing_or_404(listing_id)
    decision = request.form.get("decision")
    if decision not in ("valid", "invalid"):
        flash(_("Choose valid or invalid."), "error")
        return _back(listing_id)
    try:
        lottery = decide_claim(
            db.session,
            listing.id,
            request.form.get("application", ""),
            request.form.get("preference", ""),
            current_user,
            utcnow(),
            valid=decision == "valid",
            reason=request.form.get("reason", ""),
        )
    except LotteryRefused as error:
        db.session.rollback()
        flash(refusal_text(error.code, error.detail), "error")
    else:
        pending, lottery_id = lottery.revision_pending, lottery.id
        db.session.commit()
        send_after_commit()
        flash(_("Decision saved. The household is told."), "success")
        if pending:
            jobs.enqueue(
                "housing.lottery.tasks.revise_results", lottery_id, queue_name=jobs.LOTTERY_QUEUE
            )
    return _back(listing_id)


def _back(listing_id: int) -> Response:
    after = request.form.get("after", "0")
    undecided = "1" if request.form.get("undecided") == "1" else None
    return redirect(url_for(".index", listing_id=listing_id, after=after, undecided=undecided))
