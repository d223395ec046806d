"""Every blueprint, in one list: the site's map."""

from __future__ import annotations

from flask import Flask

from housing.accounts import resident_views  # noqa: F401 - attaches its routes
from housing.accounts.staff_views import staff_accounts
from housing.accounts.views import accounts
from housing.alerts.views import alerts
from housing.api import application_views  # noqa: F401 - attaches its routes
from housing.api.views import api
from housing.applications.partner_views import partner_applications
from housing.applications.views import applications
from housing.dashboard.views import dashboard
from housing.exports.views import exports
from housing.extensions import csrf
from housing.leaseup.views import lease_up, lease_up_public
from housing.listings import partner_content_views  # noqa: F401 - attaches its routes
from housing.listings.ami_views import ami_charts
from housing.listings.partner_views import partner_listings
from housing.listings.preference_views import preference_catalogue
from housing.listings.review_views import listing_reviews
from housing.listings.views import listings
from housing.lottery import log_views  # noqa: F401 - attaches its routes
from housing.lottery.claim_views import claim_review
from housing.lottery.staff_views import lottery_staff
from housing.lottery.views import lottery_public
from housing.notifications.staff_views import notifications_staff
from housing.notifications.views import notifications
from housing.ops.health import ops
from housing.privacy.views import privacy, privacy_staff
from housing.routing import use_database_converters
from housing.site import site

BLUEPRINTS = (
    ops,
    site,
    listings,
    applications,
    accounts,
    notifications,
    alerts,
    partner_listings,
    partner_applications,
    exports,
    listing_reviews,
    ami_charts,
    preference_catalogue,
    staff_accounts,
    lottery_staff,
    claim_review,
    lottery_public,
    notifications_staff,
    lease_up,
    lease_up_public,
    dashboard,
    privacy,
    privacy_staff,
    api,
)


def register_blueprints(app: Flask) -> None:
    use_database_converters(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # The API only reads and takes no cookies' word for anything: no CSRF token to ask for.
    csrf.exempt(api)
