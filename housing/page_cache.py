"""A short-lived, per-process cache of public pages for people who are not signed in.

Public pages are the same for every anonymous reader of one language, and most traffic is on
them (the directory and listing pages, especially near a deadline). Keeping each rendered page
for a few seconds makes them cheap; a listing change shows within that many seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from housing.db_types import read_without_transaction
from housing.extensions import db

F = TypeVar("F", bound=Callable[..., Any])
MAX_PAGES = 2000
# The household a resident saved in the estimator: the pages they see carry its marks and a
# button to forget it, so they are theirs alone and never kept.
SAVED_HOUSEHOLD_COOKIE = "household"


@dataclass(frozen=True)
class _Page:
    body: bytes
    mimetype: str
    expires: float


class PageCache:
    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[str, str], _Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], now: float) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.expires <= now:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, str], page: _Page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and not current_user.is_authenticated
        and not session.get("_flashes")
        and SAVED_HOUSEHOLD_COOKIE not in request.cookies
        and current_app.config["HOUSING"].page_cache_seconds > 0
    )


def cached_page(view: F) -> F:
    """Serve a recent rendering of this page to anonymous readers of the same language. The
    page is read without a transaction (``read_without_transaction``): it writes nothing."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method == "GET":
            # The public pages only read.
            read_without_transaction(db.session)
        if not _cacheable():
            return view(*args, **kwargs)
        cache: PageCache = current_app.extensions["page_cache"]
        key = (str(get_locale()), request.full_path)
        now = time.monotonic()
        page = cache.get(key, now)
        if page is not None:
            return Response(page.body, mimetype=page.mimetype)
        response = make_response(view(*args, **kwargs))
        # A kept page could not set a cookie again, so a page that sets one is not kept.
        if (
            response.status_code == 200
            and not response.direct_passthrough
            and "Set-Cookie" not in response.headers
        ):
            seconds = current_app.config["HOUSING"].page_cache_seconds
            cache.put(
                key, _Page(response.get_data(), response.mimetype or "text/html", now + seconds)
            )
        return response

    return wrapper  # type: ignore[return-value]
