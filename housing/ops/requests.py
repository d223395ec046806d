"""Every request timed, counted and logged once, as it is answered."""

from __future__ import annotations

import logging
from time import perf_counter

from flask import Flask, Response, g, request

from housing.metrics import REQUEST_SECONDS, REQUESTS
from housing.request_ids import request_id

log = logging.getLogger("housing.requests")
# The route of a request no rule matched (a 404): one label for all of them.
UNMATCHED = "<unmatched>"


def route() -> str:
    """The URL rule (``/listings/<int:listing_id>``), never the path a visitor typed."""
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED


def _start() -> None:
    g.started = perf_counter()


def _finish(response: Response) -> Response:
    seconds = perf_counter() - g.get("started", perf_counter())
    rule = route()
    REQUESTS.labels(rule, request.method, str(response.status_code)).inc()
    REQUEST_SECONDS.labels(rule, request.method).observe(seconds)
    log.info(
        "%s %s %s",
        request.method,
        rule,
        response.status_code,
        extra={
            "request_id": request_id(),
            "method": request.method,
            "route": rule,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Call before the other hooks are registered: the time then includes a wait for
    admission, and the answer is logged after every other hook has changed it."""
    app.before_request(_start)
    app.after_request(_finish)
