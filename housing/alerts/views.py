"""Listing alerts for residents: sign up (no account), confirm, and unsubscribe in one click."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, session, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from housing.alerts import services
from housing.alerts.forms import AlertForm, ButtonForm, CodeForm, ContactForm
from housing.db_types import utcnow
from housing.extensions import csrf, db, limiter
from housing.i18n import gettext as _
from housing.listings.services import public_neighborhoods
from housing.notifications.models import Channel
from housing.notifications.tasks import send_after_commit

alerts = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder="templates")

SIGN_UP_LIMITS = "5 per minute;30 per hour"
CODE_LIMITS = "10 per minute;60 per hour"
# The text-message sign-up of this browser, waiting for its code.
PENDING_KEY = "alert_pending"


def _language() -> str:
    return str(get_locale() or "en")


def _signed_up(form: ContactForm, listing_id: int | None, wishes: services.Wishes) -> Response:
    """The same answer whether or not the address already gets alerts."""
    signed = services.subscribe(
        db.session,
        channel=form.chosen_channel,
        address=form.address(),
        language=_language(),
        wishes=wishes,
        now=utcnow(),
        listing_id=listing_id,
    )
    db.session.commit()
    send_after_commit()
    if signed.subscription.channel is Channel.SMS:
        session[PENDING_KEY] = signed.subscription.public_id
    else:
        session.pop(PENDING_KEY, None)
    return redirect(url_for("alerts.sent"))


@alerts.route("", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_LIMITS, methods=["POST"])
def sign_up() -> str | Response | tuple[str, int]:
    form = AlertForm(neighborhoods=public_neighborhoods(db.session, utcnow()))
    if form.validate_on_submit():
        return _signed_up(form, None, form.wishes())
    status = 422 if form.is_submitted() else 200
    return render_template("alerts/sign_up.html", form=form), status


@alerts.route("/listing/<int:listing_id>", methods=["GET", "POST"])
@limiter.limit(SIGN_UP_LIMITS, methods=["POST"])
def follow_listing(listing_id: int) -> str | Response | tuple[str, int]:
    try:
        listing = services.followable_listing(db.session, listing_id, utcnow())
    except services.NotUpcoming:
        abort(404)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            return _signed_up(form, listing_id, services.Wishes())
        except services.NotUpcoming:  # it opened while the form was filled in
            db.session.rollback()
            abort(404)
    status = 422 if form.is_submitted() else 200
    return render_template("alerts/follow_listing.html", form=form, listing=listing), status


@alerts.get("/sent")
def sent() -> str:
    return render_template(
        "alerts/sent.html", code_form=CodeForm() if session.get(PENDING_KEY) else None
    )


@alerts.post("/code")
@limiter.limit(CODE_LIMITS)
def enter_code() -> str | Response | tuple[str, int]:
    public_id = session.get(PENDING_KEY)
    form = CodeForm()
    if not isinstance(public_id, str):
        return redirect(url_for("alerts.sign_up"))
    if not form.validate_on_submit():
        return render_template("alerts/sent.html", code_form=form), 422
    try:
        subscription = services.confirm_code(db.session, public_id, form.code.data or "", utcnow())
    except services.SubscriptionMissing:
        session.pop(PENDING_KEY, None)
        return render_template("alerts/link_expired.html"), 404
    except services.WrongCode as wrong:
        db.session.commit()
        if wrong.attempts_left <= 0:
            session.pop(PENDING_KEY, None)
            return render_template("alerts/link_expired.html"), 422
        form.code.errors = [_("That code is not right. Check the text message and try again.")]
        return render_template("alerts/sent.html", code_form=form), 422
    db.session.commit()
    send_after_commit()
    session.pop(PENDING_KEY, None)
    return render_template("alerts/confirmed.html", subscription=subscription)


@alerts.get("/confirm/<public_id>")
def confirm_page(public_id: str) -> str | tuple[str, int]:
    try:
        subscription = services.pending_subscription(db.session, public_id, utcnow())
    except services.SubscriptionMissing:
        return render_template("alerts/link_expired.html"), 404
    if subscription.confirmed_at is not None:
        return render_template("alerts/confirmed.html", subscription=subscription)
    return render_template(
        "alerts/confirm.html", subscription=subscription, form=ButtonForm(), public_id=public_id
    )


@alerts.post("/confirm/<public_id>")
def confirm(public_id: str) -> str | tuple[str, int]:
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        subscription = services.confirm(db.session, public_id, utcnow())
    except services.SubscriptionMissing:
        return render_template("alerts/link_expired.html"), 404
    db.session.commit()
    send_after_commit()
    return render_template("alerts/confirmed.html", subscription=subscription)


@alerts.get("/stop/<public_id>")
def stop_page(public_id: str) -> str:
    return render_template("alerts/stop.html", public_id=public_id, stopped=False)


@alerts.post("/stop/<public_id>")
@csrf.exempt  # the link is the permission; mail programs post here without a page (RFC 8058)
def stop(public_id: str) -> str:
    services.unsubscribe(db.session, public_id)
    db.session.commit()
    return render_template("alerts/stop.html", public_id=public_id, stopped=True)
