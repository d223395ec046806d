"""Public pages: the directory, the eligibility estimator and the listing page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import get_locale
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.db_types import utcnow
from housing.extensions import db
from housing.listings import presenters, saved_household, services
from housing.listings.eligibility import Household
from housing.listings.forms import DirectoryForm, EstimatorForm, FoldedEstimatorForm
from housing.listings.models import DocumentKind, Listing, ListingDocument, Phase
from housing.listings.saved_household import SavedHousehold
from housing.lottery.models import Lottery
from housing.page_cache import cached_page
from housing.routing import query_id
from housing.site import safe_next
from housing.storage import Storage, StorageError

listings = Blueprint("listings", __name__, template_folder="templates")
listings.add_app_template_global(presenters.status_label, "status_label")
listings.add_app_template_global(presenters.field_label, "field_label")

PER_PAGE = 20


def _page_number() -> int:
    number = query_id("page")
    return number if number and number < 100_000 else 1


@dataclass(frozen=True)
class _Estimate:
    """The household a page checks listings against, and where it came from."""

    # The household questions as the page shows them: typed now, or the saved household.
    form: EstimatorForm
    # True when the questions were answered in this request (their errors are shown).
    typed: bool
    household: Household | None
    # The household kept for the visit, shown with a way to change or forget it.
    saved: SavedHousehold | None
    # A household typed now, to keep for the rest of the visit.
    to_remember: SavedHousehold | None = None


def _estimate(form_class: type[EstimatorForm]) -> _Estimate:
    """Answers typed in this request win; otherwise the household saved in this visit."""
    typed = form_class(formdata=request.args)
    if typed.was_submitted:
        if typed.validate():
            remembered = saved_household.from_estimator(typed)
            return _Estimate(typed, True, typed.household(), remembered, remembered)
        return _Estimate(typed, True, None, saved_household.recall(request))
    saved = saved_household.recall(request)
    if saved is None:
        return _Estimate(form_class(formdata=None), False, None, None)
    return _Estimate(
        form_class(formdata=None, data=saved.form_data()), False, saved.household(), saved
    )


def _respond(html: str, estimate: _Estimate) -> Response:
    response = make_response(html)
    if estimate.to_remember is not None:
        saved_household.remember(response, estimate.to_remember)
    return response


@listings.get("/listings")
@cached_page
def directory() -> Response:
    now = utcnow()
    filters_form = DirectoryForm(
        formdata=request.args, neighborhoods=services.public_neighborhoods(db.session, now)
    )
    filters = filters_form.filters() if filters_form.validate() else services.DirectoryFilters()
    page = services.find_listings(db.session, filters, now, page=_page_number(), per_page=PER_PAGE)
    estimate = _estimate(FoldedEstimatorForm)
    household = estimate.household
    verdicts = {
        listing.id: presenters.verdict(services.listing_eligibility(listing, household), listing)
        for listing in page.listings
        if household is not None
    }
    html = render_template(
        "listings/directory.html",
        filters_form=filters_form,
        estimator=estimate.form,
        estimator_errors=bool(estimate.form.errors),
        saved_household=estimate.saved,
        page=page,
        verdicts=verdicts,
        now=now,
        presenters=presenters,
    )
    return _respond(html, estimate)


@listings.get("/eligibility")
@cached_page
def estimator() -> Response:
    now = utcnow()
    estimate = _estimate(EstimatorForm)
    results = []
    household = estimate.household
    if household is not None:
        candidates = services.find_listings(
            db.session, services.DirectoryFilters(), now, per_page=200
        ).listings
        for listing in candidates:
            if listing.phase(now) is Phase.CLOSED:
                continue
            result = services.listing_eligibility(listing, household)
            results.append((listing, presenters.verdict(result, listing)))
        results.sort(key=lambda pair: not pair[1]["eligible"])
    html = render_template(
        "listings/estimator.html",
        form=estimate.form,
        submitted=estimate.typed or household is not None,
        saved_household=estimate.saved,
        results=results,
        now=now,
        presenters=presenters,
    )
    return _respond(html, estimate)


@listings.get("/listings/<int:listing_id>")
@cached_page
def detail(listing_id: int) -> Response:
    now = utcnow()
    try:
        listing = services.get_public_listing(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    estimate = _estimate(EstimatorForm)
    shown = estimate.form if estimate.typed or estimate.household is not None else None
    html = render_listing_page(listing, now, shown, saved=estimate.saved)
    return _respond(html, estimate)


@listings.post("/household/forget")
def forget_household() -> Response:
    """Forget the saved household, and go back to the page it was forgotten on."""
    target = urlsplit(safe_next(request.form.get("next")))
    # Answers left in the address would save the household again on the way back.
    answers = {field.name for field in EstimatorForm(formdata=None)}
    kept = [
        (name, value)
        for name, value in parse_qsl(target.query, keep_blank_values=True)
        if name not in answers
    ]
    response = redirect(target.path + (f"?{urlencode(kept)}" if kept else ""))
    saved_household.forget(response)
    return response


def render_listing_page(
    listing: Listing,
    now: datetime,
    estimator: EstimatorForm | None,
    *,
    saved: SavedHousehold | None = None,
) -> str:
    """The listing page; the partner preview shows the same page whatever the status."""
    result = None
    if estimator is not None and not estimator.errors:
        result = services.listing_eligibility(listing, estimator.household())
    return render_template(
        "listings/detail.html",
        listing=listing,
        locale=str(get_locale()),
        content=presenters.ListingTexts(listing, str(get_locale())),
        now=now,
        phase=listing.phase(now),
        unit_rows=presenters.unit_rows(listing, result),
        income_limits=services.income_limit_table(listing),
        estimator=estimator or EstimatorForm(formdata=None),
        saved_household=saved,
        result=result,
        verdict=presenters.verdict(result, listing) if result else None,
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
