"""Every blueprint, in one list: the site's map."""

from __future__ import annotations

from flask import Flask

from housing.accounts.emails import confirmed_email
from housing.accounts.hooks import add_account_section, set_assignable_listings
from housing.accounts.staff_views import staff_accounts
from housing.accounts.views import accounts
from housing.alerts.views import alerts
from housing.api import application_views  # noqa: F401 - attaches its routes
from housing.api.views import api
from housing.applications import paper_form  # noqa: F401 - attaches its routes
from housing.applications.hooks import set_listing_lottery
from housing.applications.outbox import queue_deadline_reminders
from housing.applications.partner_views import partner_applications
from housing.applications.reminder_views import reminders
from housing.applications.views import applications
from housing.correspondence.views import notifications_staff
from housing.dashboard.views import dashboard
from housing.exports.tasks import sweep_exports
from housing.exports.views import exports
from housing.extensions import csrf
from housing.leaseup.views import lease_up, lease_up_public
from housing.listings import partner_content_views  # noqa: F401 - attaches its routes
from housing.listings.ami_views import ami_charts
from housing.listings.hooks import add_listing_section, set_lottery_rules
from housing.listings.message_facts import listing_facts
from housing.listings.partner_assignments import assignable_listings
from housing.listings.partner_views import partner_listings
from housing.listings.preference_views import preference_catalogue
from housing.listings.review_views import listing_reviews
from housing.listings.views import listings
from housing.lottery import (
    duplicate_views,  # noqa: F401 - attaches its routes
    log_views,  # noqa: F401 - attaches its routes
)
from housing.lottery.application_facts import listing_lottery
from housing.lottery.claim_views import claim_review
from housing.lottery.registration import preregister, rules_registered
from housing.lottery.result_recipients import results_recipients
from housing.lottery.staff_views import lottery_staff
from housing.lottery.views import listing_summary, lottery_public
from housing.notifications.hooks import (
    add_after_sweep,
    add_due_messages,
    add_recipients,
    set_confirmed_email,
    set_listing_facts,
)
from housing.notifications.views import notifications
from housing.ops.health import ops
from housing.privacy.views import privacy, privacy_staff
from housing.residents.views import account_section, residents
from housing.routing import use_database_converters
from housing.schedule.outbox import recipients as date_change_recipients
from housing.schedule.views import schedule  # its routes are on partner_listings
from housing.site import site

BLUEPRINTS = (
    ops,
    site,
    listings,
    applications,
    accounts,
    residents,
    notifications,
    reminders,
    alerts,
    partner_listings,
    schedule,
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
    # What the account pages show of later packages, which accounts does not import.
    add_account_section(app, account_section)
    set_assignable_listings(app, assignable_listings)
    # What listings asks of the lottery: the rules an approval registers, and its summary on
    # the listing's page.
    set_lottery_rules(app, register=preregister, registered=rules_registered)
    add_listing_section(app, listing_summary)
    # What the applications pages show of the lottery: ranks, result lists, who is left out.
    set_listing_lottery(app, listing_lottery)
    # What the outbox asks of the packages that write into it: a listing's details, whether an
    # account confirmed its address, and who each broadcast goes to.
    set_listing_facts(app, listing_facts)
    set_confirmed_email(app, confirmed_email)
    add_recipients(app, "results_published", results_recipients)
    add_recipients(app, "results_retracted", results_recipients)
    add_recipients(app, "listing_dates_changed", date_change_recipients)
    # What the outbox's sweep does for others: the reminders that are due, and the exports.
    add_due_messages(app, queue_deadline_reminders)
    add_after_sweep(app, sweep_exports)
    # The API only reads and takes no cookies' word for anything: no CSRF token to ask for.
    csrf.exempt(api)
