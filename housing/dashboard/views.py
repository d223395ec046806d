"""Dashboard pages: read-only, for staff, auditors, and partners on their own listings."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.alerts import services as alert_services
from housing.dashboard import presenters, services
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.presenters import status_label

dashboard = Blueprint(
    "dashboard", __name__, url_prefix="/staff/dashboard", template_folder="templates"
)
READERS = (Role.STAFF, Role.AUDITOR, Role.PARTNER)


@dashboard.get("")
@require_roles(*READERS)
def index() -> str:
    totals = services.eligible_versus_units(db.session, current_user)
    return render_template(
        "dashboard/index.html",
        totals=totals,
        overview=presenters.eligible_versus_units_chart(totals),
        alert_counts=(
            alert_services.alert_counts(db.session)
            if current_user.role in (Role.STAFF, Role.AUDITOR)
            else None
        ),
    )


@dashboard.get("/listings/<int:listing_id>")
@require_roles(*READERS)
def listing(listing_id: int) -> str:
    try:
        found = services.visible_listing(db.session, current_user, listing_id)
    except services.ListingNotFound:
        abort(404)
    session = db.session
    sizes = services.by_household_size(session, listing_id)
    charts = [
        presenters.per_day_chart(
            services.applications_per_day(session, found, utcnow()), found.timezone
        ),
        presenters.language_chart(services.by_language(session, listing_id)),
        presenters.channel_chart(services.by_channel(session, listing_id)),
        presenters.household_chart(sizes),
        presenters.income_chart(
            services.by_income_band(session, found, [size for size, _count in sizes])
        ),
        presenters.funnel_chart(services.lease_up_funnel(session, listing_id)),
    ]
    return render_template(
        "dashboard/listing.html",
        listing=found,
        status_label=status_label,
        counts=services.status_counts(session, listing_id),
        charts=charts,
        ratio_text=presenters.ratio_text,
    )
