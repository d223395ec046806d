"""Site-wide pages: the home page and the language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from housing.i18n import LANGUAGE_COOKIE, LOCALE_CODES

site = Blueprint("site", __name__)

ONE_YEAR = 365 * 24 * 3600


@site.get("/")
def home() -> Response:
    return redirect(url_for("listings.directory"))


@site.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Remember the reader's language and send them back where they were."""
    if code not in LOCALE_CODES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes home."""
    if not target:
        return url_for("site.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("site.home")
    return target
