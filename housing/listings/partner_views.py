"""The partner portal: a listing's details, units, preferences, events, documents, translations."""

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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.db_types import utcnow
from housing.extensions import db
from housing.forms import required
from housing.i18n import DEFAULT_LOCALE, LOCALES
from housing.listings import documents, management, presenters, services
from housing.listings.ami import AmiChart
from housing.listings.deadlines import due_moment, local_moment, local_parts
from housing.listings.eligibility import SeniorRule, UnitType
from housing.listings.management_forms import (
    TRANSLATABLE_FIELDS,
    ActionForm,
    DocumentForm,
    EventForm,
    ListingForm,
    PreferenceRowForm,
    UnitForm,
)
from housing.listings.models import (
    AccessibilityPriority,
    DocumentKind,
    EventKind,
    Listing,
    ListingEvent,
    ListingType,
    ReservedCommunity,
    Tenure,
)
from housing.listings.preferences import Preference
from housing.listings.wording import completeness_text, upload_problem_text
from housing.storage import StorageError

partner_listings = Blueprint(
    "partner_listings", __name__, url_prefix="/partner/listings", template_folder="templates"
)
MANAGERS = (Role.PARTNER, Role.STAFF)


def _listing(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


def _locked_message() -> None:
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
            *TRANSLATABLE_FIELDS,
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
    listing = _listing(listing_id)
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
            _locked_message()
            return redirect(url_for("partner_listings.edit", listing_id=listing_id))
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
        action=ActionForm(),
    )


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
    return True


@partner_listings.route("/<int:listing_id>/units", methods=["GET", "POST"])
@partner_listings.route("/<int:listing_id>/units/<int:unit_id>", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def units(listing_id: int, unit_id: int | None = None) -> str | Response:
    listing = _listing(listing_id)
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
            _locked_message()
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
    _listing(listing_id)
    if ActionForm().validate_on_submit():
        try:
            management.remove_unit(db.session, current_user, listing_id, unit_id)
        except management.ListingNotFound:
            abort(404)
        except management.NotEditable:
            _locked_message()
        else:
            db.session.commit()
    return redirect(url_for("partner_listings.units", listing_id=listing_id))


@partner_listings.route("/<int:listing_id>/preferences", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def preferences(listing_id: int) -> str | Response:
    listing = _listing(listing_id)
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
        except management.NotEditable:
            _locked_message()
        else:
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for("partner_listings.preferences", listing_id=listing_id))
    return render_template("partner/preferences.html", listing=listing, rows=rows, action=action)


@partner_listings.route("/<int:listing_id>/events", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def events(listing_id: int) -> str | Response:
    listing = _listing(listing_id)
    form = EventForm()
    if form.validate_on_submit():
        try:
            management.ensure_editable(listing, current_user)
        except management.NotEditable:
            _locked_message()
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
    listing = _listing(listing_id)
    event = next((e for e in listing.events if e.id == event_id), None)
    if event is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            management.ensure_editable(listing, current_user)
        except management.NotEditable:
            _locked_message()
        else:
            listing.events.remove(event)
            management.record_change(db.session, listing, current_user, "listing.event_removed")
            db.session.commit()
    return redirect(url_for("partner_listings.events", listing_id=listing_id))


@partner_listings.route("/<int:listing_id>/documents", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def document_list(listing_id: int) -> str | Response | tuple[str, int]:
    listing = _listing(listing_id)
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
            _locked_message()
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
    listing = _listing(listing_id)
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
    _listing(listing_id)
    if ActionForm().validate_on_submit():
        try:
            documents.remove_document(
                db.session, current_app.extensions["storage"], current_user, listing_id, document_id
            )
        except documents.RejectedUpload:
            abort(404)
        except management.NotEditable:
            _locked_message()
        else:
            db.session.commit()
    return redirect(url_for("partner_listings.document_list", listing_id=listing_id))


@partner_listings.route("/<int:listing_id>/translations/<locale>", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def translation(listing_id: int, locale: str) -> str | Response:
    listing = _listing(listing_id)
    target = next(
        (loc for loc in LOCALES if loc.code == locale and loc.code != DEFAULT_LOCALE), None
    )
    if target is None:
        abort(404)
    action = ActionForm()
    existing = (listing.translations or {}).get(locale, {})
    if request.method == "POST" and action.validate_on_submit():
        texts = {field: request.form.get(field, "")[:10_000] for field in TRANSLATABLE_FIELDS}
        try:
            management.save_translation(db.session, current_user, listing_id, locale, texts)
        except management.NotEditable:
            _locked_message()
        else:
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(
            url_for("partner_listings.translation", listing_id=listing_id, locale=locale)
        )
    return render_template(
        "partner/translation.html",
        listing=listing,
        target=target,
        fields=TRANSLATABLE_FIELDS,
        existing=existing,
        stale=management.stale_translations(listing, locale),
        action=action,
    )


@partner_listings.get("/<int:listing_id>/preview")
@require_roles(*MANAGERS)
def preview(listing_id: int) -> str:
    """The listing as residents will see it, whatever its status."""
    listing = _listing(listing_id)
    now = utcnow()
    from flask_babel import get_locale

    from housing.listings.forms import EstimatorForm

    return render_template(
        "listings/detail.html",
        listing=listing,
        locale=str(get_locale()),
        now=now,
        phase=listing.phase(now),
        unit_rows=presenters.unit_rows(listing),
        income_limits=services.income_limit_table(listing),
        estimator=EstimatorForm(formdata=None),
        result=None,
        verdict=None,
        presenters=presenters,
        preview=True,
    )


@partner_listings.post("/<int:listing_id>/submit")
@require_roles(*MANAGERS)
def submit(listing_id: int) -> Response:
    _listing(listing_id)
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
