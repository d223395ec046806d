"""A resident's copy of what is held about their application; staff close a listing's
lease-up and see where its personal data stands."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications.views import application_or_404
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.listings.management import WrongStatus
from housing.privacy import services
from housing.privacy.export import as_json, personal_data
from housing.privacy.forms import CloseLeaseUpForm
from housing.privacy.tasks import erase_after

privacy = Blueprint("privacy", __name__, template_folder="templates")
privacy_staff = Blueprint(
    "privacy_staff", __name__, url_prefix="/staff/listings", template_folder="templates"
)


@privacy.get("/applications/<public_id>/my-data")
def my_data(public_id: str) -> Response:
    """Only the applicant (signed in, or with the application's link) gets it; anyone else
    finds nothing there."""
    application, access = application_or_404(public_id)
    if access != "owner":
        abort(404)
    body = as_json(personal_data(db.session, application, utcnow()))
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="application-{application.public_id}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@privacy_staff.get("/<int:listing_id>/personal-data")
@require_roles(Role.STAFF)
def listing(listing_id: int) -> tuple[str, int]:
    return _page(listing_id, CloseLeaseUpForm())


def _page(listing_id: int, form: CloseLeaseUpForm, status: int = 200) -> tuple[str, int]:
    after = erase_after()
    try:
        found = services.standing(db.session, listing_id, after)
    except services.ListingMissing:
        abort(404)
    closable = found.listing.status in services.CLOSABLE and not found.listing.lease_up_closed_at
    return render_template(
        "privacy/listing.html",
        standing=found,
        listing=found.listing,
        form=form,
        closable=closable,
        days=after.days if after is not None else None,
    ), status


@privacy_staff.post("/<int:listing_id>/personal-data/close-lease-up")
@require_roles(Role.STAFF)
def close_lease_up(listing_id: int) -> tuple[str, int] | Response:
    form = CloseLeaseUpForm()
    if not form.validate():
        return _page(listing_id, form, 400)
    try:
        services.close_lease_up(db.session, listing_id, current_user, utcnow())
    except services.ListingMissing:
        abort(404)
    except WrongStatus:
        db.session.rollback()
        flash(_("Lease-up can be closed once, after the results are published."), "error")
    else:
        db.session.commit()
        flash(_("Lease-up is closed."), "success")
    return redirect(url_for(".listing", listing_id=listing_id))
