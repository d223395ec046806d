"""A published listing's dates: staff extend the deadline, close applications early, reopen them
or postpone the lottery, each with a reason; partners ask for the same, and staff apply or
refuse what they ask. Routes of the partner portal (``/partner/listings/<id>/dates``), on its
blueprint, where the portal's links and menu have them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import NotAllowed, require_roles
from housing.db_types import utcnow
from housing.extensions import db
from housing.forms import DateInputField, required
from housing.i18n import gettext as _
from housing.listings import presenters
from housing.listings.date_change_wording import kind_label, state_label, value_text
from housing.listings.date_changes import changes_of
from housing.listings.deadlines import due_moment
from housing.listings.management_forms import ActionForm
from housing.listings.models import (
    NOT_YET_APPROVED,
    DateChangeKind,
    Listing,
    ListingDateChange,
    ListingType,
)
from housing.listings.partner_views import MANAGERS, manageable_listing_or_404, partner_listings
from housing.lottery.models import Lottery
from housing.notifications.tasks import send_after_commit
from housing.schedule import services
from housing.schedule.forms import (
    DateChangeForm,
    DeadlineForm,
    LotteryDateForm,
    RefuseRequestForm,
    change_form,
)
from housing.schedule.wording import DATE_REFUSALS, refusal_text

# Holds the dates page's template; its routes are on the partner portal's blueprint.
schedule = Blueprint("schedule", __name__, template_folder="templates")


@dataclass(frozen=True)
class Section:
    """One kind of change on the page: its form, or why the listing does not allow it now."""

    kind: DateChangeKind
    title: str
    form: DateChangeForm
    unavailable: str | None
    # Why the change just asked for was refused, when it is not about a field.
    refused: str | None = None


def _lottery(listing: Listing) -> Lottery | None:
    return db.session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first()


def _sections(
    listing: Listing,
    now: datetime,
    submitted: DateChangeKind | None = None,
    form: DateChangeForm | None = None,
    refused: str | None = None,
) -> list[Section]:
    lottery = _lottery(listing)
    sections = []
    for kind in DateChangeKind:
        if (
            kind is DateChangeKind.POSTPONE_LOTTERY
            and listing.listing_type is not ListingType.LOTTERY
        ):
            continue  # first come, first served: no lottery to move
        blocked = services.state_refusal(listing, lottery, kind, now)
        if kind is submitted and form is not None:
            sections.append(Section(kind, kind_label(kind), form, None, refused))
        else:
            unavailable = refusal_text(blocked, listing) if blocked is not None else None
            sections.append(Section(kind, kind_label(kind), change_form(kind), unavailable))
    return sections


def _render(
    listing: Listing,
    sections: list[Section],
    *,
    refuse_forms: dict[int, RefuseRequestForm] | None = None,
    request_refusal: tuple[int, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    changes = changes_of(db.session, listing.id)
    pending = [change for change in changes if change.state.value == "requested"]
    refuse_forms = refuse_forms or {}
    for change in pending:
        refuse_forms.setdefault(change.id, RefuseRequestForm(prefix=f"refuse-{change.id}"))
    now = utcnow()
    return (
        render_template(
            "partner/dates.html",
            listing=listing,
            lottery=_lottery(listing),
            phase=listing.phase(now),
            sections=sections,
            not_approved=listing.status in NOT_YET_APPROVED,
            pending=list(reversed(pending)),
            history=[change for change in changes if change.state.value != "requested"],
            refuse_forms=refuse_forms,
            request_refusal=request_refusal,
            approve_form=ActionForm(),
            is_staff=current_user.role is Role.STAFF,
            kind_label=kind_label,
            phase_label=presenters.phase_label,
            state_label=state_label,
            value_text=value_text,
        ),
        status,
    )


@partner_listings.get("/<int:listing_id>/dates")
@require_roles(*MANAGERS)
def dates(listing_id: int) -> tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    return _render(listing, _sections(listing, utcnow()))


def _new_value(listing: Listing, form: DateChangeForm) -> datetime | None:
    if isinstance(form, DeadlineForm):
        return due_moment(required(form.due_on.data), form.due_at.data, listing.timezone)
    if isinstance(form, LotteryDateForm):
        return due_moment(required(form.lottery_on.data), None, listing.timezone)
    return None


def _date_field(form: DateChangeForm) -> DateInputField | None:
    """The field a refusal about the date typed is shown beside."""
    if isinstance(form, DeadlineForm):
        return form.due_on
    if isinstance(form, LotteryDateForm):
        return form.lottery_on
    return None


def _announced() -> None:
    """After the commit: the announcement's messages written and sent, and the public pages
    this process keeps rendered dropped, so the new dates show at once (other processes'
    copies expire within ``page_cache_seconds``)."""
    send_after_commit()
    current_app.extensions["page_cache"].clear()


@partner_listings.post("/<int:listing_id>/dates/<kind>")
@require_roles(*MANAGERS)
def change(listing_id: int, kind: str) -> Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    try:
        chosen = DateChangeKind(kind)
    except ValueError:
        abort(404)
    form = change_form(chosen, submitted=True)
    now = utcnow()
    if not form.validate_on_submit():
        return _render(listing, _sections(listing, now, chosen, form), status=422)
    staff = current_user.role is Role.STAFF
    reason = form.reason.data or ""
    try:
        if staff:
            made = services.apply_change(
                db.session, current_user, listing_id, chosen, _new_value(listing, form), reason, now
            )
        else:
            made = services.request_change(
                db.session, current_user, listing_id, chosen, _new_value(listing, form), reason, now
            )
    except NotAllowed:
        abort(403)
    except services.DateChangeRefused as refusal:
        db.session.rollback()
        listing = manageable_listing_or_404(listing_id)
        text = refusal_text(refusal, listing)
        field = _date_field(form)
        if refusal.code in DATE_REFUSALS and field is not None:
            field.errors = [*field.errors, text]
            return _render(listing, _sections(listing, now, chosen, form), status=422)
        return _render(listing, _sections(listing, now, chosen, form, text), status=422)
    db.session.commit()
    if staff:
        _announced()
        flash(_applied_text(listing, made), "success")
    else:
        flash(
            _("Your request was sent to housing staff. Their decision will show on this page."),
            "success",
        )
    return redirect(url_for("partner_listings.dates", listing_id=listing_id))


def _applied_text(listing: Listing, made: ListingDateChange) -> str:
    value = value_text(listing, made.kind, made.new_value)
    return {
        DateChangeKind.EXTEND_DEADLINE: _(
            "The deadline is now %(date)s. Applicants and unfinished applications are being told.",
            date=value,
        ),
        DateChangeKind.CLOSE_EARLY: _(
            "Applications closed on %(date)s. Applicants and unfinished applications are being "
            "told.",
            date=value,
        ),
        DateChangeKind.REOPEN: _(
            "Applications are open again until %(date)s. Applicants and unfinished applications "
            "are being told.",
            date=value,
        ),
        DateChangeKind.POSTPONE_LOTTERY: _(
            "The lottery is now on %(date)s. Applicants and unfinished applications are being told.",
            date=value,
        ),
    }[made.kind]


def _request_of(listing: Listing, change_id: int) -> ListingDateChange:
    found = db.session.get(ListingDateChange, change_id)
    if found is None or found.listing_id != listing.id:
        abort(404)
    return found


@partner_listings.post("/<int:listing_id>/dates/requests/<int:change_id>/approve")
@require_roles(Role.STAFF)
def approve_request(listing_id: int, change_id: int) -> Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    _request_of(listing, change_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        made = services.approve_request(db.session, current_user, change_id, now)
    except services.DateChangeRefused as refusal:
        db.session.rollback()
        listing = manageable_listing_or_404(listing_id)
        text = refusal_text(refusal, listing)
        return _render(
            listing, _sections(listing, now), request_refusal=(change_id, text), status=422
        )
    db.session.commit()
    _announced()
    flash(_applied_text(listing, made), "success")
    return redirect(url_for("partner_listings.dates", listing_id=listing_id))


@partner_listings.post("/<int:listing_id>/dates/requests/<int:change_id>/refuse")
@require_roles(Role.STAFF)
def refuse_request(listing_id: int, change_id: int) -> Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    _request_of(listing, change_id)
    form = RefuseRequestForm(prefix=f"refuse-{change_id}")
    now = utcnow()
    if not form.validate_on_submit():
        return _render(listing, _sections(listing, now), refuse_forms={change_id: form}, status=422)
    try:
        services.refuse_request(db.session, current_user, change_id, form.reason.data or "", now)
    except services.DateChangeRefused as refusal:
        db.session.rollback()
        listing = manageable_listing_or_404(listing_id)
        return _render(
            listing,
            _sections(listing, now),
            request_refusal=(change_id, refusal_text(refusal, listing)),
            status=422,
        )
    db.session.commit()
    flash(_("Refused. The partner sees your reason on this page."), "success")
    return redirect(url_for("partner_listings.dates", listing_id=listing_id))
