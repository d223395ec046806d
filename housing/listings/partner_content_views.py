"""The partner portal, continued: a listing's units, preferences, events and documents."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.accounts.permissions import require_roles
from housing.extensions import db
from housing.forms import required
from housing.i18n import format_money
from housing.i18n import gettext as _
from housing.listings import documents, management, presenters
from housing.listings.ami import AmiChart
from housing.listings.deadlines import local_moment
from housing.listings.eligibility import (
    MissingIncomeLimit,
    UnitType,
    annual_income_limit,
    standard_occupancy,
)
from housing.listings.management_forms import (
    ActionForm,
    DocumentForm,
    EventForm,
    PreferenceRowForm,
    UnitForm,
)
from housing.listings.models import (
    AccessibilityPriority,
    DocumentKind,
    EventKind,
    ListingEvent,
    Tenure,
)
from housing.listings.partner_views import (
    MANAGERS,
    flash_locked,
    manageable_listing_or_404,
    partner_listings,
)
from housing.listings.preferences import Preference
from housing.listings.wording import upload_problem_text
from housing.storage import StorageError


def _chart_choices() -> list[tuple[str, str]]:
    charts = db.session.scalars(
        select(AmiChart).order_by(AmiChart.year.desc(), AmiChart.name, AmiChart.version.desc())
    ).all()
    return [(str(chart.id), f"{chart.name} {chart.year} (v{chart.version})") for chart in charts]


def unit_values(form: UnitForm, tenure: Tenure) -> dict[str, Any]:
    sale = tenure is Tenure.SALE
    return {
        "unit_type": UnitType(form.unit_type.data),
        "unit_count": form.unit_count.data,
        "monthly_rent": None if sale else form.monthly_rent.data,
        "rent_percent_of_income": None
        if sale or form.rent_percent_of_income.data is None
        else form.rent_percent_of_income.data,
        "rent_multiple": None
        if sale or form.monthly_rent.data is None
        else form.rent_multiple.data,
        "sale_price": form.sale_price.data if sale else None,
        "hoa_dues": form.hoa_dues.data if sale else None,
        "minimum_income": form.minimum_income.data if sale else None,
        "minimum_ami_percent": form.minimum_ami_percent.data if sale else None,
        "ami_chart_id": int(form.ami_chart_id.data),
        "ami_percent": form.ami_percent.data,
        "min_occupancy": form.min_occupancy.data,
        "max_occupancy": form.max_occupancy.data,
        "accessibility": AccessibilityPriority(form.accessibility.data)
        if form.accessibility.data
        else None,
        "square_feet": form.square_feet.data,
    }


def _check_chart_level(form: UnitForm) -> bool:
    chart = db.session.get(AmiChart, int(form.ami_chart_id.data))
    if chart is None or form.ami_percent.data not in chart.ami_percentages():
        form.ami_percent.errors = [_("The chosen AMI chart has no limits for this percentage.")]
        return False
    return _check_income_floor(form, chart)


def _check_income_floor(form: UnitForm, chart: AmiChart) -> bool:
    """A sale unit's floor must be a level of its chart, or an amount below the unit's own
    limit for its smallest household: a floor above the limit would let no one buy."""
    if form.tenure is not Tenure.SALE:
        return True
    percent, amount = form.minimum_ami_percent.data, form.minimum_income.data
    if percent is not None and percent not in chart.ami_percentages():
        form.minimum_ami_percent.errors = [
            _("The chosen AMI chart has no limits for this percentage.")
        ]
        return False
    level = form.ami_percent.data
    if amount is not None and level is not None:
        smallest = (
            form.min_occupancy.data or standard_occupancy(UnitType(form.unit_type.data)).minimum
        )
        try:
            limit = annual_income_limit(chart.income_limits(), level, smallest)
        except MissingIncomeLimit:
            return True
        if amount >= limit:
            form.minimum_income.errors = [
                _(
                    "The minimum must be below the unit's income limit for its smallest "
                    "household (%(amount)s a year).",
                    amount=format_money(limit),
                )
            ]
            return False
    return True


@partner_listings.route("/<int:listing_id>/units", methods=["GET", "POST"])
@partner_listings.route("/<int:listing_id>/units/<int:unit_id>", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def units(listing_id: int, unit_id: int | None = None) -> str | Response:
    listing = manageable_listing_or_404(listing_id)
    unit = next((u for u in listing.units if u.id == unit_id), None) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    form = UnitForm(
        obj=unit if request.method == "GET" else None,
        charts=_chart_choices(),
        tenure=listing.tenure,
    )
    if request.method == "GET" and unit is not None:
        form.unit_type.data = unit.unit_type.value
        form.ami_chart_id.data = str(unit.ami_chart_id)
        form.accessibility.data = unit.accessibility.value if unit.accessibility else ""
    if form.validate_on_submit() and _check_chart_level(form):
        try:
            management.save_unit(
                db.session, current_user, listing_id, unit_id, unit_values(form, listing.tenure)
            )
        except management.NotEditable:
            flash_locked()
        else:
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for("partner_listings.units", listing_id=listing_id))
    rows = presenters.unit_rows(listing)
    return render_template(
        "partner/units.html", listing=listing, form=form, rows=rows, unit=unit, action=ActionForm()
    )


@partner_listings.post("/<int:listing_id>/units/<int:unit_id>/delete")
@require_roles(*MANAGERS)
def delete_unit(listing_id: int, unit_id: int) -> Response:
    manageable_listing_or_404(listing_id)
    if ActionForm().validate_on_submit():
        try:
            management.remove_unit(db.session, current_user, listing_id, unit_id)
        except management.ListingNotFound:
            abort(404)
        except management.NotEditable:
            flash_locked()
        else:
            db.session.commit()
    return redirect(url_for("partner_listings.units", listing_id=listing_id))


@partner_listings.route("/<int:listing_id>/preferences", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def preferences(listing_id: int) -> str | Response:
    listing = manageable_listing_or_404(listing_id)
    catalogue = db.session.scalars(select(Preference).order_by(Preference.name)).all()
    chosen = {item.preference_id: item for item in listing.preferences}
    rows = []
    for preference in catalogue:
        current = chosen.get(preference.id)
        row = PreferenceRowForm(prefix=f"pref-{preference.id}")
        if request.method == "GET":
            row.included.data = current is not None
            row.rank.data = current.rank if current else None
            row.unit_share_percent.data = current.unit_share_percent if current else None
            row.veterans_first.data = current.veterans_first if current else False
        rows.append((preference, row))
    action = ActionForm()
    if (
        request.method == "POST"
        and action.validate_on_submit()
        and all(row.validate() for _p, row in rows)
    ):
        choices = [
            management.PreferenceChoice(
                preference.id,
                row.rank.data or 99,
                row.unit_share_percent.data,
                bool(row.veterans_first.data),
            )
            for preference, row in rows
            if row.included.data
        ]
        try:
            management.set_preferences(db.session, current_user, listing_id, choices)
        except management.RulesRegistered:
            flash(
                _(
                    "The lottery's rules, these preferences among them, were registered when "
                    "the listing was approved and cannot change."
                ),
                "error",
            )
        except management.NotEditable:
            flash_locked()
        else:
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for("partner_listings.preferences", listing_id=listing_id))
    return render_template("partner/preferences.html", listing=listing, rows=rows, action=action)


@partner_listings.route("/<int:listing_id>/events", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def events(listing_id: int) -> str | Response:
    listing = manageable_listing_or_404(listing_id)
    form = EventForm()
    if form.validate_on_submit():
        try:
            management.ensure_editable(listing, current_user)
        except management.NotEditable:
            flash_locked()
            return redirect(url_for("partner_listings.events", listing_id=listing_id))
        day = required(form.day.data)
        starts = local_moment(day, required(form.starts_at.data), listing.timezone)
        ends = local_moment(day, form.ends_at.data, listing.timezone) if form.ends_at.data else None
        listing.events.append(
            ListingEvent(
                kind=EventKind(form.kind.data),
                starts_at=starts,
                ends_at=ends,
                location=form.location.data or "",
                notes=form.notes.data or "",
            )
        )
        management.record_change(db.session, listing, current_user, "listing.event_added")
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("partner_listings.events", listing_id=listing_id))
    return render_template(
        "partner/events.html",
        listing=listing,
        form=form,
        action=ActionForm(),
        presenters=presenters,
    )


@partner_listings.post("/<int:listing_id>/events/<int:event_id>/delete")
@require_roles(*MANAGERS)
def delete_event(listing_id: int, event_id: int) -> Response:
    listing = manageable_listing_or_404(listing_id)
    event = next((e for e in listing.events if e.id == event_id), None)
    if event is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            management.ensure_editable(listing, current_user)
        except management.NotEditable:
            flash_locked()
        else:
            listing.events.remove(event)
            management.record_change(db.session, listing, current_user, "listing.event_removed")
            db.session.commit()
    return redirect(url_for("partner_listings.events", listing_id=listing_id))


@partner_listings.route("/<int:listing_id>/documents", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def document_list(listing_id: int) -> str | Response | tuple[str, int]:
    listing = manageable_listing_or_404(listing_id)
    form = DocumentForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            documents.add_document(
                db.session,
                current_app.extensions["storage"],
                current_user,
                listing_id,
                kind=DocumentKind(form.kind.data),
                title=form.title.data or "",
                alt_text=form.alt_text.data or "",
                filename=upload.filename or "",
                stream=upload.stream,
            )
        except documents.RejectedUpload as error:
            db.session.rollback()
            form.file.errors = [upload_problem_text(error.code)]
            status = 422
        except management.NotEditable:
            flash_locked()
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("partner_listings.document_list", listing_id=listing_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "partner/documents.html", listing=listing, form=form, action=ActionForm()
    ), status


@partner_listings.get("/<int:listing_id>/documents/<int:document_id>")
@require_roles(*MANAGERS)
def download_document(listing_id: int, document_id: int) -> Response:
    listing = manageable_listing_or_404(listing_id)
    item = next((d for d in listing.documents if d.id == document_id), None)
    if item is None:
        abort(404)
    try:
        stream = current_app.extensions["storage"].open(item.storage_key)
    except StorageError:
        abort(404)
    response = send_file(
        stream, mimetype=item.content_type, as_attachment=True, download_name=item.original_filename
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@partner_listings.post("/<int:listing_id>/documents/<int:document_id>/delete")
@require_roles(*MANAGERS)
def delete_document(listing_id: int, document_id: int) -> Response:
    manageable_listing_or_404(listing_id)
    if ActionForm().validate_on_submit():
        try:
            documents.remove_document(
                db.session, current_app.extensions["storage"], current_user, listing_id, document_id
            )
        except documents.RejectedUpload:
            abort(404)
        except management.NotEditable:
            flash_locked()
        else:
            db.session.commit()
    return redirect(url_for("partner_listings.document_list", listing_id=listing_id))
