"""The partner portal: a listing's details, translations, preview and submission.

Units, preferences, events and documents are in ``partner_content_views``.
"""

from __future__ import annotations

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
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.db_types import utcnow
from housing.extensions import db
from housing.forms import required
from housing.i18n import DEFAULT_LOCALE, LOCALES, format_number
from housing.i18n import gettext as _
from housing.listings import management, presenters
from housing.listings.deadlines import due_moment, local_moment, local_parts
from housing.listings.eligibility import SeniorRule
from housing.listings.management_forms import (
    ActionForm,
    ListingForm,
)
from housing.listings.models import (
    NOT_YET_APPROVED,
    TEXT_FIELDS,
    Listing,
    ListingType,
    ReservedCommunity,
    Tenure,
)
from housing.listings.views import render_listing_page
from housing.listings.wording import completeness_text

partner_listings = Blueprint(
    "partner_listings", __name__, url_prefix="/partner/listings", template_folder="templates"
)
MANAGERS = (Role.PARTNER, Role.STAFF)
TRANSLATION_LIMIT = 10_000


def manageable_listing_or_404(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


def flash_locked() -> None:
    flash(_("This listing is under review or published, so it cannot be changed now."), "error")


@partner_listings.get("")
@require_roles(*MANAGERS)
def index() -> str:
    rows = db.session.scalars(management.manageable_listings(current_user)).all()
    return render_template("partner/index.html", listings=rows, form=ActionForm())


def listing_values(form: ListingForm) -> dict[str, Any]:
    timezone = form.timezone.data or "America/Los_Angeles"
    values: dict[str, Any] = {
        field: (getattr(form, field).data or "").strip()
        for field in (
            "name",
            "street_address",
            "city",
            "neighborhood",
            "developer",
            "leasing_agent_name",
            "leasing_agent_title",
            "leasing_agent_email",
            "leasing_agent_phone",
            "leasing_office_address",
            *TEXT_FIELDS,
        )
    }
    values["state"] = (form.state.data or "").upper()
    values["postal_code"] = (form.postal_code.data or "").strip()
    values["tenure"] = Tenure(form.tenure.data)
    values["listing_type"] = ListingType(form.listing_type.data)
    values["timezone"] = timezone
    values["application_open_at"] = local_moment(
        required(form.opens_on.data), required(form.opens_at.data), timezone
    )
    values["application_due_at"] = due_moment(
        required(form.due_on.data), form.due_at.data, timezone
    )
    values["lottery_at"] = (
        due_moment(form.lottery_on.data, None, timezone) if form.lottery_on.data else None
    )
    values["results_at"] = (
        due_moment(form.results_on.data, None, timezone) if form.results_on.data else None
    )
    community = form.reserved_community.data
    values["reserved_community"] = ReservedCommunity(community) if community else None
    senior = community == ReservedCommunity.SENIOR.value
    values["senior_minimum_age"] = form.senior_minimum_age.data if senior else None
    values["senior_rule"] = (
        SeniorRule(form.senior_rule.data) if senior and form.senior_rule.data else None
    )
    return values


def fill_listing_form(form: ListingForm, listing: Listing) -> None:
    for field in form:
        if field.name in (
            "csrf_token",
            "opens_on",
            "opens_at",
            "due_on",
            "due_at",
            "lottery_on",
            "results_on",
        ):
            continue
        value = getattr(listing, field.name, None)
        if value is not None:
            field.data = value.value if hasattr(value, "value") else value
    form.version.data = str(listing.version)
    form.opens_on.data, form.opens_at.data = local_parts(
        listing.application_open_at, listing.timezone
    )
    form.due_on.data, due_time = local_parts(listing.application_due_at, listing.timezone)
    form.due_at.data = None if due_time.hour == 23 and due_time.minute == 59 else due_time
    if listing.lottery_at:
        form.lottery_on.data = local_parts(listing.lottery_at, listing.timezone)[0]
    if listing.results_at:
        form.results_on.data = local_parts(listing.results_at, listing.timezone)[0]


@partner_listings.route("/new", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def create() -> str | Response:
    form = ListingForm()
    if form.validate_on_submit():
        listing = management.create_listing(db.session, current_user, listing_values(form))
        db.session.commit()
        flash(_("The listing is saved as a draft. Add its units next."), "success")
        return redirect(url_for("partner_listings.units", listing_id=listing.id))
    return render_template("partner/edit.html", form=form, listing=None)


@partner_listings.route("/<int:listing_id>", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def edit(listing_id: int) -> str | Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    form = ListingForm()
    if request.method == "GET":
        fill_listing_form(form, listing)
    elif form.validate_on_submit():
        try:
            expected = int(form.version.data or 0)
            management.update_listing(
                db.session, current_user, listing_id, expected, listing_values(form)
            )
        except management.StaleEdit:
            db.session.rollback()
            form.version.errors = []
            flash(
                _(
                    "Someone else saved this listing after you opened it. Your changes were not saved; reload the page to see theirs and make your changes again."
                ),
                "error",
            )
            return _edit_page(form, db.session.get(Listing, listing_id) or listing), 409
        except management.NotEditable:
            flash_locked()
            return redirect(url_for("partner_listings.edit", listing_id=listing_id))
        except management.DatesChangedOnlyByDateChange:
            db.session.rollback()
            message = _(
                "The listing is approved: its deadline, lottery date and results date now change only on its Dates page, with a reason, and applicants are told. Nothing was saved."
            )
            form.due_on.errors = [message]
            return _edit_page(form, listing), 422
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("partner_listings.edit", listing_id=listing_id))
    return _edit_page(form, listing)


def _edit_page(form: ListingForm, listing: Listing) -> str:
    return render_template(
        "partner/edit.html",
        form=form,
        listing=listing,
        problems=[completeness_text(code) for code in management.completeness_problems(listing)],
        change_request=management.last_change_request(db.session, listing.id),
        not_yet_approved=NOT_YET_APPROVED,
        action=ActionForm(),
    )


@partner_listings.post("/<int:listing_id>/copy")
@require_roles(*MANAGERS)
def copy(listing_id: int) -> Response:
    """A new draft from this listing, for a re-rental or a second phase."""
    listing = manageable_listing_or_404(listing_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    created = management.copy_listing(
        db.session,
        current_user,
        listing_id,
        current_app.extensions["storage"],
        name=_("%(name)s (copy)", name=listing.name)[:200],
    )
    db.session.commit()
    flash(
        _(
            "This draft is a copy of %(name)s, with its units, preferences, documents and "
            "translations. Set its dates, check everything, then submit it for approval.",
            name=listing.name,
        ),
        "success",
    )
    return redirect(url_for("partner_listings.edit", listing_id=created.id))


@partner_listings.route("/<int:listing_id>/translations/<locale>", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def translation(listing_id: int, locale: str) -> str | Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    target = next(
        (loc for loc in LOCALES if loc.code == locale and loc.code != DEFAULT_LOCALE), None
    )
    if target is None:
        abort(404)
    action = ActionForm()
    existing = (listing.translations or {}).get(locale, {})
    groups = presenters.translation_groups(listing)
    labels = {row.key: row.label for _title, rows in groups for row in rows}
    errors: dict[str, str] = {}
    if request.method == "POST" and action.validate_on_submit():
        texts = {row.key: request.form.get(row.key, "") for _title, rows in groups for row in rows}
        errors = {
            key: _("Use at most %(max)s characters.", max=format_number(TRANSLATION_LIMIT))
            for key, text in texts.items()
            if len(text) > TRANSLATION_LIMIT
        }
        if not errors:
            try:
                management.save_translation(db.session, current_user, listing_id, locale, texts)
            except management.NotEditable:
                flash_locked()
            else:
                db.session.commit()
                flash(_("Saved."), "success")
            return redirect(
                url_for("partner_listings.translation", listing_id=listing_id, locale=locale)
            )
        existing = texts  # shown again as typed; nothing was saved
    return render_template(
        "partner/translation.html",
        listing=listing,
        target=target,
        groups=groups,
        labels=labels,
        existing=existing,
        stale=[key for key in management.stale_translations(listing, locale) if key in labels],
        errors=errors,
        action=action,
    ), 422 if errors else 200


@partner_listings.get("/<int:listing_id>/preview")
@require_roles(*MANAGERS)
def preview(listing_id: int) -> str:
    """The listing as residents will see it, whatever its status."""
    return render_listing_page(manageable_listing_or_404(listing_id), utcnow(), None)


@partner_listings.post("/<int:listing_id>/submit")
@require_roles(*MANAGERS)
def submit(listing_id: int) -> Response:
    manageable_listing_or_404(listing_id)
    if ActionForm().validate_on_submit():
        try:
            management.submit_for_review(db.session, current_user, listing_id)
        except management.IncompleteListing as error:
            for code in error.problems:
                flash(completeness_text(code), "error")
        except management.WrongStatus:
            flash(_("This listing was already submitted."), "error")
        else:
            db.session.commit()
            flash(_("Submitted. Housing staff will review the listing."), "success")
    return redirect(url_for("partner_listings.edit", listing_id=listing_id))
