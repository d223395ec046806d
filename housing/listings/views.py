"""Public pages: the directory, the eligibility estimator and the listing page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import get_locale
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.db_types import utcnow
from housing.extensions import db
from housing.listings import presenters, services
from housing.listings.forms import DirectoryForm, EstimatorForm, FoldedEstimatorForm
from housing.listings.models import DocumentKind, Listing, ListingDocument, Phase
from housing.lottery.models import Lottery
from housing.page_cache import cached_page
from housing.routing import query_id
from housing.storage import Storage, StorageError

listings = Blueprint("listings", __name__, template_folder="templates")
listings.add_app_template_global(presenters.status_label, "status_label")
listings.add_app_template_global(presenters.field_label, "field_label")

PER_PAGE = 20


def _page_number() -> int:
    number = query_id("page")
    return number if number and number < 100_000 else 1


def _estimate(form: EstimatorForm) -> EstimatorForm | None:
    """The estimator when the resident filled it in; None when they have not."""
    if not form.was_submitted:
        return None
    form.validate()
    return form


@listings.get("/listings")
@cached_page
def directory() -> str:
    now = utcnow()
    filters_form = DirectoryForm(
        formdata=request.args, neighborhoods=services.public_neighborhoods(db.session, now)
    )
    filters = filters_form.filters() if filters_form.validate() else services.DirectoryFilters()
    page = services.find_listings(db.session, filters, now, page=_page_number(), per_page=PER_PAGE)
    estimator = _estimate(FoldedEstimatorForm(formdata=request.args))
    household = estimator.household() if estimator and not estimator.errors else None
    verdicts = {
        listing.id: presenters.verdict(services.listing_eligibility(listing, household))
        for listing in page.listings
        if household is not None
    }
    return render_template(
        "listings/directory.html",
        filters_form=filters_form,
        estimator=estimator or FoldedEstimatorForm(formdata=None),
        estimator_errors=bool(estimator and estimator.errors),
        page=page,
        verdicts=verdicts,
        now=now,
        presenters=presenters,
    )


@listings.get("/eligibility")
@cached_page
def estimator() -> str:
    now = utcnow()
    form = _estimate(EstimatorForm(formdata=request.args))
    results = []
    if form is not None and not form.errors:
        household = form.household()
        candidates = services.find_listings(
            db.session, services.DirectoryFilters(), now, per_page=200
        ).listings
        for listing in candidates:
            if listing.phase(now) is Phase.CLOSED:
                continue
            result = services.listing_eligibility(listing, household)
            results.append((listing, presenters.verdict(result)))
        results.sort(key=lambda pair: not pair[1]["eligible"])
    return render_template(
        "listings/estimator.html",
        form=form or EstimatorForm(formdata=None),
        submitted=form is not None,
        results=results,
        now=now,
        presenters=presenters,
    )


@listings.get("/listings/<int:listing_id>")
@cached_page
def detail(listing_id: int) -> str:
    now = utcnow()
    try:
        listing = services.get_public_listing(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    return render_listing_page(listing, now, _estimate(EstimatorForm(formdata=request.args)))


def render_listing_page(listing: Listing, now: datetime, estimator: EstimatorForm | None) -> str:
    """The listing page; the partner preview shows the same page whatever the status."""
    result = None
    if estimator is not None and not estimator.errors:
        result = services.listing_eligibility(listing, estimator.household())
    return render_template(
        "listings/detail.html",
        listing=listing,
        locale=str(get_locale()),
        now=now,
        phase=listing.phase(now),
        unit_rows=presenters.unit_rows(listing, result),
        income_limits=services.income_limit_table(listing),
        estimator=estimator or EstimatorForm(formdata=None),
        result=result,
        verdict=presenters.verdict(result) if result else None,
        presenters=presenters,
        lottery=db.session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first(),
    )


@listings.get("/listings/<int:listing_id>/documents/<int:document_id>")
def document(listing_id: int, document_id: int) -> Response:
    """A listing's PDF or image. PDFs download; nothing is ever served as HTML."""
    now = utcnow()
    try:
        listing = services.get_public_listing(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    item = db.session.get(ListingDocument, document_id)
    if item is None or item.listing_id != listing.id:
        abort(404)
    storage: Storage = current_app.extensions["storage"]
    try:
        stream = storage.open(item.storage_key)
    except StorageError:
        abort(404)
    response = send_file(
        stream,
        mimetype=item.content_type,
        as_attachment=item.kind is not DocumentKind.IMAGE,
        download_name=item.original_filename,
        max_age=3600,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
