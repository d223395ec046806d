"""JSON endpoints: listings, a listing's detail, and the eligibility check. Read-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from housing.api import serializers
from housing.db_types import utcnow
from housing.errors import json_error
from housing.extensions import db
from housing.forms import first_errors
from housing.listings import services
from housing.listings.forms import DirectoryForm, EstimatorForm
from housing.listings.models import Phase

api = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
MAX_PER_PAGE = 100
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no", ""}


def _flag(args: MultiDict[str, str], name: str) -> tuple[bool, str | None]:
    """(value, error) for a true/false query parameter."""
    raw = args.get(name, "").strip().lower()
    if raw in TRUE_WORDS:
        return True, None
    if raw in FALSE_WORDS:
        return False, None
    return False, _("Use true or false.")


def _positive(
    args: MultiDict[str, str], name: str, default: int, maximum: int
) -> tuple[int, str | None]:
    raw = args.get(name, "").strip()
    if not raw:
        return default, None
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        return default, _(
            "Enter a number from %(minimum)s to %(maximum)s.", minimum=1, maximum=maximum
        )
    return int(raw), None


def _invalid(status: int, code: str, fields: dict[str, list[str]]) -> tuple[Response, int]:
    message = _("Some parameters are not valid.")
    return json_error(status, code, message, fields=fields)


@api.get("/listings")
def listings_index() -> Response | tuple[Response, int]:
    now = utcnow()
    args = request.args
    form = DirectoryForm(
        formdata=MultiDict({k: v for k, v in args.items(multi=True) if k != "accessible"}),
        neighborhoods=services.public_neighborhoods(db.session, now),
    )
    errors = first_errors(form) if not form.validate() else {}
    errors = {
        name: messages
        for name, messages in errors.items()
        if name in {"tenure", "unit_type", "neighborhood", "phase", "sort"}
    }
    accessible, flag_error = _flag(args, "accessible")
    page, page_error = _positive(args, "page", 1, 100_000)
    per_page, per_page_error = _positive(args, "per_page", 20, MAX_PER_PAGE)
    for name, error in (
        ("accessible", flag_error),
        ("page", page_error),
        ("per_page", per_page_error),
    ):
        if error:
            errors[name] = [error]
    if errors:
        return _invalid(400, "bad_request", errors)
    filters = form.filters()
    filters = services.DirectoryFilters(
        tenure=filters.tenure,
        unit_type=filters.unit_type,
        neighborhood=filters.neighborhood,
        accessible_only=accessible,
        phase=filters.phase,
        sort=filters.sort,
    )
    result = services.find_listings(db.session, filters, now, page=page, per_page=per_page)
    return jsonify(
        listings=[serializers.listing_summary(listing, now) for listing in result.listings],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )


@api.get("/listings/<int:listing_id>")
def listing_detail(listing_id: int) -> Response:
    now = utcnow()
    try:
        listing = services.get_public_listing(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    return jsonify(serializers.listing_detail(listing, now, str(get_locale())))


ESTIMATOR_FIELDS = {
    "household_size",
    "children_under_six",
    "income",
    "income_period",
    "oldest_age",
    "youngest_age",
}


@api.get("/eligibility")
def eligibility() -> Response | tuple[Response, int]:
    now = utcnow()
    args = request.args
    voucher, voucher_error = _flag(args, "voucher")
    listing_ids: list[int] = []
    for raw in args.getlist("listing_id"):
        if not raw.isdigit() or int(raw) > 2**31:
            return _invalid(400, "bad_request", {"listing_id": [_("Enter a listing number.")]})
        listing_ids.append(int(raw))
    if voucher_error:
        return _invalid(400, "bad_request", {"voucher": [voucher_error]})
    data: MultiDict[str, Any] = MultiDict({k: v for k, v in args.items() if k in ESTIMATOR_FIELDS})
    if voucher:
        data["voucher"] = "y"
    form = EstimatorForm(formdata=data)
    if not form.validate():
        return _invalid(422, "invalid_input", first_errors(form))
    household = form.household()
    if listing_ids:
        try:
            candidates = [
                services.get_public_listing(db.session, listing_id, now)
                for listing_id in listing_ids
            ]
        except services.ListingNotFound:
            abort(404)
    else:
        page = services.find_listings(db.session, services.DirectoryFilters(), now, per_page=500)
        candidates = [
            listing for listing in page.listings if listing.phase(now) is not Phase.CLOSED
        ]
    return jsonify(
        household=serializers.household(household),
        results=[
            serializers.eligibility_result(
                listing, services.listing_eligibility(listing, household)
            )
            for listing in candidates
        ],
    )


@api.get("/openapi.json")
def openapi() -> Response:
    return Response(OPENAPI_PATH.read_text(encoding="utf-8"), mimetype="application/json")


def load_openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))
