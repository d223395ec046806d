"""JSON endpoints: listings, a listing's detail, and the eligibility check. Read-only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from housing.api import serializers
from housing.db_types import utcnow
from housing.errors import json_error
from housing.extensions import db
from housing.forms import first_errors
from housing.i18n import gettext as _
from housing.listings import services
from housing.listings.eligibility import UnitType
from housing.listings.forms import EstimatorForm
from housing.listings.models import Phase, Tenure
from housing.routing import id_from_text

api = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
# The API takes exactly the values its document lists: a client reads the document, and a value
# it mistyped is an error to report, not a filter to drop without a word.
FLAGS = {"true": True, "false": False, "1": True, "0": False}
FILTER_CHOICES: dict[str, tuple[str, ...]] = {
    "tenure": tuple(Tenure),
    "unit_type": tuple(UnitType),
    "phase": tuple(Phase),
    "sort": services.SortOrder.ALL,
}
# Dollars as the document writes them; the estimator's web form also reads "$3,500".
AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def _flag(args: MultiDict[str, str], name: str) -> tuple[bool, str | None]:
    """(value, error) for a true/false query parameter."""
    raw = args.get(name)
    if raw is None:
        return False, None
    if raw not in FLAGS:
        return False, _("Use true or false.")
    return FLAGS[raw], None


def _choice(args: MultiDict[str, str], name: str) -> tuple[str | None, str | None]:
    """(value, error) for a query parameter with a list of values; None when not given."""
    raw = args.get(name)
    choices = FILTER_CHOICES[name]
    if raw is None:
        return None, None
    if raw not in choices:
        return None, _("Use one of: %(choices)s.", choices=", ".join(choices))
    return raw, None


def _positive(
    args: MultiDict[str, str], name: str, default: int, maximum: int
) -> tuple[int, str | None]:
    raw = args.get(name)
    if raw is None:
        return default, None
    number = id_from_text(raw)
    if number is None or not 1 <= number <= maximum:
        return default, _(
            "Enter a number from %(minimum)s to %(maximum)s.", minimum=1, maximum=maximum
        )
    return number, None


def _invalid(status: int, code: str, fields: dict[str, list[str]]) -> tuple[Response, int]:
    message = _("Some parameters are not valid.")
    return json_error(status, code, message, fields=fields)


@api.get("/listings")
def listings_index() -> Response | tuple[Response, int]:
    now = utcnow()
    args = request.args
    chosen: dict[str, str | None] = {}
    errors: dict[str, list[str]] = {}
    for name in FILTER_CHOICES:
        chosen[name], error = _choice(args, name)
        if error:
            errors[name] = [error]
    accessible, flag_error = _flag(args, "accessible")
    page, page_error = _positive(args, "page", 1, MAX_PAGE)
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
    tenure, unit_type, phase = chosen["tenure"], chosen["unit_type"], chosen["phase"]
    filters = services.DirectoryFilters(
        tenure=Tenure(tenure) if tenure else None,
        unit_type=UnitType(unit_type) if unit_type else None,
        # Any name is a filter: one that no published listing has simply finds none.
        neighborhood=args.get("neighborhood") or None,
        accessible_only=accessible,
        phase=Phase(phase) if phase else None,
        sort=chosen["sort"] or services.SortOrder.DEADLINE,
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


def _blank(args: MultiDict[str, str], name: str) -> bool:
    return name in args and not args[name].strip()


def _blank_message(name: str) -> str:
    if name == "income":
        return _("Enter an amount in dollars, for example 3500.")
    if name == "income_period":
        return _("Choose per month or per year.")
    return _("Enter a whole number, for example 3.")


@api.get("/eligibility")
def eligibility() -> Response | tuple[Response, int]:
    now = utcnow()
    args = request.args
    voucher, voucher_error = _flag(args, "voucher")
    listing_ids: list[int] = []
    for raw in args.getlist("listing_id"):
        listing_id = id_from_text(raw)
        if listing_id is None:
            return _invalid(400, "bad_request", {"listing_id": [_("Enter a listing number.")]})
        listing_ids.append(listing_id)
    if voucher_error:
        return _invalid(400, "bad_request", {"voucher": [voucher_error]})
    # A parameter given must have a value: the document says each is a number (or a period).
    blank = {name: [_blank_message(name)] for name in ESTIMATOR_FIELDS if _blank(args, name)}
    if blank:
        return _invalid(422, "invalid_input", blank)
    data: MultiDict[str, Any] = MultiDict({k: v for k, v in args.items() if k in ESTIMATOR_FIELDS})
    if voucher:
        data["voucher"] = "y"
    form = EstimatorForm(formdata=data)
    errors = first_errors(form) if not form.validate() else {}
    income = args.get("income")
    if income and "income" not in errors and not AMOUNT.fullmatch(income):
        errors["income"] = [_("Enter an amount in dollars, for example 3500.")]
    if errors:
        return _invalid(422, "invalid_input", errors)
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
