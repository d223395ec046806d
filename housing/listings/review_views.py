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
from housing.i18n import DEFAULT_LOCALE, LOCALES
from housing.i18n import gettext as _
from housing.listings import date_changes, management, presenters, services
from housing.listings.date_change_wording import kind_label
from housing.listings.deadlines import local_moment
from housing.listings.management_forms import (
    ApproveForm,
    DocumentForm,
    ListingForm,
    ReasonForm,
    UnitForm,
)
from housing.listings.models import Listing
from housing.listings.review import changes_since_approval

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
    return render_template(
        "staff/reviews.html",
        listings=management.review_queue(db.session),
        date_requests=date_changes.pending_requests(db.session),
        kind_label=kind_label,
    )


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
            differences=changes_since_approval(db.session, listing),
            date_requests=date_changes.pending_requests(db.session, listing.id),
            kind_label=kind_label,
            change_label=_change_label,
            translated={
                locale: sorted((listing.translations or {}).get(locale.code, {}))
                for locale in LOCALES
                if locale.code != DEFAULT_LOCALE
            },
        ),
        status,
    )


# The listing's dates are typed in the form as a day and a time; their label is the day's.
_DATE_FIELDS = {
    "application_open_at": "opens_on",
    "application_due_at": "due_on",
    "lottery_at": "lottery_on",
    "results_at": "results_on",
}


def _form_label(form: type, name: str) -> str | None:
    field = getattr(form, name, None)
    return str(field.args[0]) if field is not None and getattr(field, "args", None) else None


def _change_label(path: tuple[str, ...]) -> str:
    """What a changed value is, in the words of the forms that set it."""
    if path[0] == "translations":
        locale, field = path[1], path[2]
        name = next((known.native_name for known in LOCALES if known.code == locale), locale)
        label = _form_label(ListingForm, field) or field
        return _("%(field)s, in %(language)s", field=label, language=name)
    if path[0] in ("units", "preferences", "documents"):
        part, field = path[0], path[2]
        form = {"units": UnitForm, "documents": DocumentForm}.get(part)
        label = (_form_label(form, field) if form else None) or {
            "preference_id": _("Preference"),
            "rank": _("Order"),
            "unit_share_percent": _("Share of units"),
            "veterans_first": _("Veterans first"),
            "original_filename": _("File"),
            "status": _("Status"),
        }.get(field, field)
        where = {
            "units": _("Unit %(number)s", number=path[1]),
            "preferences": _("Preference %(number)s", number=path[1]),
            "documents": _("Document %(number)s", number=path[1]),
        }[part]
        return f"{where}: {label}"
    return _form_label(ListingForm, _DATE_FIELDS.get(path[0], path[0])) or path[0]


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
