"""The household a resident entered in the estimator, kept for the visit in a signed cookie.

No account and no server-side record: the cookie lives until the browser closes, carries only
what the eligibility check needs (size, yearly income, children under 6, voucher, veteran),
and is signed with the site's secret so that an edited value is a bad signature, never a
household. A cookie that does not read back as a household is ignored, as if there were none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Request, current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from housing.listings.eligibility import Household
from housing.listings.forms import MAX_ANNUAL_INCOME, MAX_HOUSEHOLD_SIZE, EstimatorForm
from housing.page_cache import SAVED_HOUSEHOLD_COOKIE

# A visit, at most: a cookie kept by a browser that is never closed stops counting after this.
MAX_AGE_SECONDS = 24 * 3600
_VERSION = 1


@dataclass(frozen=True)
class SavedHousehold:
    size: int
    annual_income: Decimal
    children_under_six: int = 0
    has_voucher: bool = False
    # None when the estimator did not ask (it only asks where a listing is for veterans).
    veteran: bool | None = None

    def household(self) -> Household:
        return Household(
            size=self.size,
            annual_income=self.annual_income,
            children_under_six=self.children_under_six,
            has_voucher=self.has_voucher,
        )

    def form_data(self) -> dict[str, Any]:
        """The estimator's answers, to show the household in its fields."""
        data: dict[str, Any] = {
            "household_size": self.size,
            "children_under_six": self.children_under_six or None,
            "income": self.annual_income,
            "income_period": "year",
            "voucher": self.has_voucher,
        }
        if self.veteran is not None:
            data["veteran"] = "yes" if self.veteran else "no"
        return data


def from_estimator(form: EstimatorForm) -> SavedHousehold:
    """The household of a validated estimator."""
    household = form.household()
    veteran_field = getattr(form, "veteran", None)
    veteran = None
    if veteran_field is not None and veteran_field.data not in (None, ""):
        veteran = veteran_field.data in (True, "yes")
    return SavedHousehold(
        size=household.size,
        annual_income=household.annual_income,
        children_under_six=household.children_under_six,
        has_voucher=household.has_voucher,
        veteran=veteran,
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="housing.saved-household")


def remember(response: Response, saved: SavedHousehold) -> None:
    value = _serializer().dumps(
        {
            "v": _VERSION,
            "size": saved.size,
            "income": str(saved.annual_income),
            "children": saved.children_under_six,
            "voucher": saved.has_voucher,
            "veteran": saved.veteran,
        }
    )
    # A session cookie (no expiry): the household is kept for this visit only. Only the
    # server reads it, so scripts cannot.
    response.set_cookie(
        SAVED_HOUSEHOLD_COOKIE,
        value,
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )


def forget(response: Response) -> None:
    response.delete_cookie(
        SAVED_HOUSEHOLD_COOKIE,
        samesite="Lax",
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )


def recall(request: Request) -> SavedHousehold | None:
    """The household saved in this browser, or None when there is none or it does not read
    back as one (an old, edited or made-up cookie)."""
    value = request.cookies.get(SAVED_HOUSEHOLD_COOKIE)
    if not value or len(value) > 1000:
        return None
    try:
        payload = _serializer().loads(value, max_age=MAX_AGE_SECONDS)
    except BadData:
        return None
    return _read_payload(payload)


def _whole(value: object, minimum: int, maximum: int) -> int | None:
    if type(value) is not int or not minimum <= value <= maximum:
        return None
    return value


def _read_payload(payload: object) -> SavedHousehold | None:
    if not isinstance(payload, dict) or payload.get("v") != _VERSION:
        return None
    size = _whole(payload.get("size"), 1, MAX_HOUSEHOLD_SIZE)
    children = _whole(payload.get("children"), 0, MAX_HOUSEHOLD_SIZE - 1)
    voucher = payload.get("voucher")
    veteran = payload.get("veteran")
    income_text = payload.get("income")
    if size is None or children is None or children >= size or not isinstance(voucher, bool):
        return None
    if veteran is not None and not isinstance(veteran, bool):
        return None
    if not isinstance(income_text, str) or len(income_text) > 20:
        return None
    try:
        income = Decimal(income_text)
    except InvalidOperation:
        return None
    if not income.is_finite() or not 0 <= income <= MAX_ANNUAL_INCOME:
        return None
    return SavedHousehold(
        size=size,
        annual_income=income,
        children_under_six=children,
        has_voucher=voucher,
        veteran=veteran,
    )
