"""Staff run a listing's lottery: commitments, freeze, seed inputs, draw, publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from housing import jobs
from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.db_types import utcnow
from housing.extensions import db
from housing.forms import options
from housing.i18n import gettext as _
from housing.lottery import access, corrections, registration, seed
from housing.lottery import claims as claim_decisions
from housing.lottery import draw as drawing
from housing.lottery import freeze as freezing
from housing.lottery import publish as publishing
from housing.lottery.forms import (
    ActionForm,
    ClaimForm,
    CommitmentForm,
    DrawForm,
    FreezeForm,
    RefreezeForm,
    RetractForm,
    SeedForm,
)
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import list_codes, round_address
from housing.lottery.wording import (
    check_name,
    list_name,
    moment_text,
    refusal_text,
    result_list_names,
    run_kind_text,
    status_text,
)
from housing.notifications.tasks import send_after_commit

lottery_staff = Blueprint(
    "lottery_staff", __name__, url_prefix="/staff/lottery", template_folder="templates"
)


def _lottery_or_404(listing_id: int) -> Lottery:
    try:
        return access.get_lottery(db.session, listing_id)
    except access.LotteryRefused:
        abort(404)


def _back(listing_id: int) -> Response:
    return redirect(url_for(".manage", listing_id=listing_id))


def _refused(error: access.LotteryRefused) -> None:
    if error.logged:
        db.session.commit()  # keeps the refusal's own log entry
    else:
        db.session.rollback()
    flash(refusal_text(error.code, error.detail), "error")


def _attempt(listing_id: int, action: Callable[[], object], done: str | None = None) -> Response:
    """Run one lottery operation and commit it, or say why it was refused; back to the page.
    ``done``: what to tell staff once it is saved, where the page would not show it plainly."""
    try:
        action()
    except access.LotteryRefused as error:
        _refused(error)
    else:
        db.session.commit()
        send_after_commit()  # results announced, claim decisions told
        if done:
            flash(done, "success")
    return _back(listing_id)


@lottery_staff.get("/<int:listing_id>")
@require_roles(Role.STAFF)
def manage(listing_id: int) -> str:
    return _manage_page(_lottery_or_404(listing_id), SeedForm())


def _manage_page(lottery: Lottery, seed_form: SeedForm) -> str:
    beacon_round = seed.beacon_round_of(lottery)
    if beacon_round is not None and not seed_form.beacon_round.data:
        seed_form.beacon_round.data = str(beacon_round)
    beacon_rule = lottery.rules.get("beacon") or {}
    if beacon_rule.get("source"):
        seed_form.beacon_source.data = beacon_rule["source"]
    round_at = seed.round_published_at(lottery)
    # Every result list's name, the veteran lists' ("V-COP") among them.
    names = result_list_names(lottery.listing, str(get_locale() or "en"))
    claim_form = ClaimForm()
    # A claim, and (as its veteran list, "V-COP") the veteran status of a claim made as one.
    claims = [
        (code, list_name(code, names)) for code in list_codes(lottery.rules["preferences"])[:-1]
    ]
    claim_form.preference.choices = options(claims)
    context: dict[str, Any] = {
        "lottery": lottery,
        "listing": lottery.listing,
        "commitment_form": CommitmentForm(),
        "freeze_form": FreezeForm(),
        "seed_form": seed_form,
        "beacon_round": beacon_round,
        "round_at": moment_text(round_at, lottery.listing.timezone) if round_at else "",
        "round_published": round_at is None or round_at <= utcnow(),
        "round_address": (
            round_address(beacon_rule, str(beacon_round))
            if beacon_round is not None and beacon_rule.get("url")
            else ""
        ),
        "beacon_fetcher": current_app.config["HOUSING"].beacon_url is not None,
        "action_form": ActionForm(),
        "draw_form": DrawForm(),
        "refreeze_form": RefreezeForm(),
        "retract_form": RetractForm(),
        "claim_form": claim_form,
        "status_text": status_text,
        "run_kind_text": run_kind_text,
        "check_name": check_name,
        "list_name": lambda code: list_name(code, names),
        "drawing": lottery.status is LotteryStatus.DRAWING,
        "drawn_since_freeze": access.drawn_since_freeze(lottery),
    }
    return render_template("lottery/manage.html", **context)


@lottery_staff.post("/<int:listing_id>/commitments")
@require_roles(Role.STAFF)
def commit(listing_id: int) -> Response:
    form = CommitmentForm()
    if not form.validate():
        abort(400)
    name, digest = form.name.data or "", form.commitment.data or ""
    return _attempt(
        listing_id,
        lambda: registration.add_commitment(
            db.session, listing_id, name, digest, current_user, utcnow()
        ),
        _("Commitment saved for %(name)s.", name=name),
    )


@lottery_staff.post("/<int:listing_id>/freeze")
@require_roles(Role.STAFF)
def freeze(listing_id: int) -> Response:
    form = FreezeForm()
    if not form.validate():
        abort(400)
    reason = form.override_reason.data or ""
    return _attempt(
        listing_id,
        lambda: freezing.freeze(
            db.session, listing_id, current_user, utcnow(), override_reason=reason
        ),
    )


@lottery_staff.post("/<int:listing_id>/seed")
@require_roles(Role.STAFF)
def seed_inputs(listing_id: int) -> Response:
    """Save the seed inputs. With a beacon address configured the round is read from the
    beacon (the page offers only that); otherwise staff type its value and signature."""
    form = SeedForm()
    if form.validate():
        lottery = _lottery_or_404(listing_id)
        reveals = {
            entry["name"]: request.form.get(f"reveal-{index}", "")
            for index, entry in enumerate(lottery.commitments)
        }
        return _attempt(
            listing_id,
            lambda: seed.set_seed_inputs(
                db.session,
                listing_id,
                current_user,
                utcnow(),
                beacon_source=form.beacon_source.data or "",
                beacon_round=form.beacon_round.data or "",
                beacon_value=form.beacon_value.data or "",
                beacon_signature=form.beacon_signature.data or "",
                reveals=reveals,
                beacon_url=current_app.config["HOUSING"].beacon_url,
            ),
            _("Seed inputs saved."),
        )
    return _back(listing_id)


@lottery_staff.post("/<int:listing_id>/refreeze")
@require_roles(Role.STAFF)
def refreeze(listing_id: int) -> Response:
    form = RefreezeForm()
    if not form.validate():
        abort(400)
    reason = form.refreeze_reason.data or ""
    return _attempt(
        listing_id,
        lambda: freezing.refreeze(db.session, listing_id, current_user, utcnow(), reason=reason),
    )


@lottery_staff.post("/<int:listing_id>/retract")
@require_roles(Role.STAFF)
def retract(listing_id: int) -> Response:
    form = RetractForm()
    if not form.validate():
        abort(400)
    reason = form.retract_reason.data or ""
    return _attempt(
        listing_id,
        lambda: corrections.retract(db.session, listing_id, current_user, utcnow(), reason=reason),
    )


@lottery_staff.post("/<int:listing_id>/claims")
@require_roles(Role.STAFF)
def decide_claim(listing_id: int) -> Response:
    form = ClaimForm()
    if not form.validate():
        abort(400)
    try:
        lottery = claim_decisions.decide_claim(
            db.session,
            listing_id,
            form.application_number.data or "",
            form.preference.data or "",
            current_user,
            utcnow(),
            valid=form.decision.data == "valid",
            reason=form.reason.data or "",
        )
    except access.LotteryRefused as error:
        _refused(error)
        return _back(listing_id)
    pending, lottery_id = lottery.revision_pending, lottery.id
    db.session.commit()
    send_after_commit()  # the applicant hears of the decision
    flash(_("Saved."), "success")
    if pending:
        # Without Redis this writes the new version here and now; with Redis down it waits
        # for the worker's start or `flask lottery resume`, the decision being saved.
        jobs.enqueue(
            "housing.lottery.tasks.revise_results", lottery_id, queue_name=jobs.LOTTERY_QUEUE
        )
    return _back(listing_id)


@lottery_staff.post("/<int:listing_id>/draw")
@require_roles(Role.STAFF)
def draw(listing_id: int) -> Response:
    form = DrawForm()
    if not form.validate():
        abort(400)
    if not jobs.redis_available():
        flash(refusal_text("queue_down"), "error")
        return _back(listing_id)
    try:
        lottery = drawing.request_draw(
            db.session, listing_id, current_user, utcnow(), reason=form.draw_reason.data or ""
        )
    except access.LotteryRefused as error:
        _refused(error)
        return _back(listing_id)
    lottery_id = lottery.id
    db.session.commit()
    if not jobs.enqueue(
        "housing.lottery.tasks.run_draw", lottery_id, queue_name=jobs.LOTTERY_QUEUE
    ):
        # Redis went away between the check and now: put the lottery back as it was.
        drawing.cancel_draw_request(db.session, listing_id)
        db.session.commit()
        flash(refusal_text("queue_down"), "error")
    return _back(listing_id)


@lottery_staff.post("/<int:listing_id>/publish")
@require_roles(Role.STAFF)
def publish(listing_id: int) -> Response:
    if not ActionForm().validate():
        abort(400)
    return _attempt(
        listing_id, lambda: publishing.publish(db.session, listing_id, current_user, utcnow())
    )
