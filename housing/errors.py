"""Error pages in the reader's language, and JSON errors under the API."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from housing.extensions import db
from housing.i18n import gettext as _
from housing.request_checks import RefusedInput
from housing.request_ids import request_id
from housing.storage import StorageUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
# Requests that only read: a failure of one of them cannot have lost anything sent with it.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, **extra: object) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message, **extra}), status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please check it and try again."),
        ),
        403: (_("Not allowed"), _("You do not have permission to see this page.")),
        404: (
            _("Page not found"),
            _(
                "We could not find the page you asked for. It may have moved, or the address may be wrong."
            ),
        ),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("File too large"), _("What you sent is larger than we accept.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _server_error_message()),
        503: (_("Busy right now"), _("The service is very busy. Please try again in a moment.")),
    }


def _server_error_message() -> str:
    """Each request commits once, at its end: one that failed changed nothing, so whatever was
    saved before is still there, but what it carried may not have been kept."""
    if request.method in READING_METHODS:
        return _(
            "An error on our side stopped this page. Nothing you saved has changed; please try "
            "again in a moment."
        )
    return _(
        "An error on our side stopped this before it was finished, so what you just sent may "
        "not have been saved. Please check, and send it again if it is missing. Everything you "
        "saved before is still there."
    )


def handle_http_error(
    error: HTTPException, message: str | None = None
) -> tuple[Response | str, int]:
    status = error.code or 500
    title, standard = _messages().get(status, (error.name, error.description or ""))
    message = message or standard
    # Shown with a failure of ours, so that a report can be matched to the logged traceback.
    reference = request_id() if status == 500 else None
    if wants_json():
        extra = {"request_id": reference} if reference else {}
        response, status = json_error(status, _code_name(status), message, **extra)
    else:
        response = make_response(
            render_template(
                "errors/error.html",
                status=status,
                title=title,
                message=message,
                request_id=reference,
            )
        )
    # What the exception says besides its page: the methods a 405 allows (Allow), a 401's scheme.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 503:
        # Turned away while the server is behind: say when trying again is worthwhile.
        seconds = current_app.config["HOUSING"].admission.retry_after_seconds
        response.headers["Retry-After"] = str(seconds)
    return response, status


def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
    log.exception(
        "Unexpected error in %s %s (request id %s)",
        request.method,
        request.path,
        request_id(),
        exc_info=error,
        extra={"request_id": request_id()},
    )
    return handle_http_error(InternalServerError(original_exception=error))


def handle_refused_input(error: RefusedInput) -> tuple[Response | str, int]:
    return handle_http_error(error, str(error.message))


def _code_name(status: int) -> str:
    return {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        429: "rate_limited",
        500: "server_error",
        503: "unavailable",
    }.get(status, "error")


def handle_database_unavailable(error: DBAPIError) -> tuple[Response | str, int]:
    """The database dropped the connection or refused: nothing half-done was kept (the
    transaction is rolled back), so the person can simply try again."""
    log.warning("Database unavailable: %s", error.__class__.__name__)
    return _try_again()


def handle_storage_unavailable(error: StorageUnavailable) -> tuple[Response | str, int]:
    """The file store (a bucket) is unreachable or refusing: as with the database, the
    request's transaction is rolled back, so nothing names a file that was not kept."""
    log.warning("Storage unavailable: %s", error)
    return _try_again()


def _try_again() -> tuple[Response | str, int]:
    db.session.rollback()
    message = _(
        "We could not save that just now. Nothing was lost: everything you saved before is "
        "still there. Please try again in a moment."
    )
    if wants_json():
        response, status = json_error(503, "unavailable", message)
    else:
        response = make_response(
            render_template(
                "errors/error.html", status=503, title=_("Please try again"), message=message
            )
        )
        status = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def end_session(_error: BaseException | None) -> None:
    """Before the session is put away: a connection the database dropped after the answer was
    made (a restart) cannot even roll back; let it go instead of turning the answer into 500."""
    try:
        db.session.rollback()
    except DBAPIError:
        log.warning("Database connection lost at the end of a request")
        db.session().invalidate()


def init_app(app: Flask) -> None:
    # Registered after the database's own teardown, so it runs first.
    app.teardown_appcontext(end_session)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(StorageUnavailable, handle_storage_unavailable)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_http_error)
    app.register_error_handler(RefusedInput, handle_refused_input)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
