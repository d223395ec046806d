"""Site-wide pages: the home page and the language switcher."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from housing.i18n import LOCALE_CODES, remember_language

site = Blueprint("site", __name__)


@site.get("/")
def home() -> Response:
    return redirect(url_for("listings.directory"))


@site.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for the icon at the root whatever the page says, so it is served there."""
    assert current_app.static_folder is not None  # noqa: S101 - the app always has its static folder
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


@site.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Remember the reader's language and send them back where they were."""
    if code not in LOCALE_CODES:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    remember_language(response, code)
    return response


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes home."""
    if not target:
        return url_for("site.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("site.home")
    return target
