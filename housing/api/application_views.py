"""JSON endpoints for applying: whole applications, drafts, and proof uploads.

They call the same services as the web form, so every rule applies here too. Drafts are
opened with the signed token returned when they are made (``Authorization: Bearer <token>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from flask import Response, abort, current_app, jsonify, request
from flask_babel import get_locale
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from housing.accounts import tokens
from housing.api import contract
from housing.api.views import api
from housing.applications import outbox, proofs, rules, services
from housing.applications.models import Application, ApplicationStatus
from housing.applications.wording import problem_text
from housing.db_types import utcnow
from housing.errors import json_error
from housing.extensions import db, limiter
from housing.i18n import gettext as _
from housing.listings.models import Listing
from housing.listings.wording import upload_problem_text
from housing.notifications.tasks import send_after_commit
from housing.uploads import UPLOAD_QUOTA, RejectedUpload

WRITE_LIMITS = "120 per minute"
MAX_IDEMPOTENCY_KEY = 100
# Visible ASCII only: a key is compared byte for byte, so nothing a proxy could re-encode.
IDEMPOTENCY_KEY = re.compile(rf"[!-~]{{1,{MAX_IDEMPOTENCY_KEY}}}")


def _stop(answer: tuple[Response, int]) -> NoReturn:
    """End the request with this answer."""
    response, status = answer
    response.status_code = status
    abort(response)


def _body() -> Mapping[str, Any]:
    if not request.is_json:
        _stop(
            json_error(
                415,
                "unsupported_media_type",
                _("Send the body as JSON, with the header Content-Type: application/json."),
            )
        )
    try:
        body = request.get_json(force=False, silent=False)
    except (BadRequest, RecursionError, ValueError):
        abort(400)
    if not isinstance(body, Mapping):
        abort(400)
    return body


def _problems(problems: list[rules.Problem]) -> list[dict[str, str]]:
    return [
        {"field": problem.field, "code": problem.code, "message": problem_text(problem)}
        for problem in problems
    ]


def _refused(problems: list[rules.Problem]) -> tuple[Response, int]:
    return json_error(
        422,
        "invalid_application",
        _("The application cannot be submitted. Each problem names its field."),
        problems=_problems(problems),
    )


def _not_kept(problems: list[rules.Problem]) -> tuple[Response, int]:
    return json_error(
        422,
        "invalid_answers",
        _(
            "Nothing was saved: some answers cannot be kept, even in a draft. Each problem names its field."
        ),
        problems=_problems(problems),
    )


def _answers(refusal: Callable[[list[rules.Problem]], tuple[Response, int]]) -> Mapping[str, Any]:
    """The body, if it is answers as the document describes them; otherwise ``refusal``."""
    body = _body()
    problems = contract.body_problems(body, "ApplicationAnswers")
    if problems:
        _stop(refusal(problems))
    return body


def _unavailable(code: str) -> tuple[Response, int]:
    if code == "not_published":
        abort(404)
    return _refused([rules.Problem("listing", code)])


def application_json(application: Application) -> dict[str, Any]:
    return {
        "application_number": application.public_id,
        "lottery_number": application.lottery_number,
        "listing_id": application.listing_id,
        "status": application.status.value,
        "channel": application.channel.value,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else None,
    }


def _submitted(submission: services.Submission) -> tuple[Response, int]:
    # Read before the commit, which would otherwise have the answer read the row again.
    body = application_json(submission.application)
    db.session.commit()
    send_after_commit()
    return jsonify(body), 201


@api.post("/listings/<int:listing_id>/applications")
@limiter.limit(WRITE_LIMITS)
def submit_application(listing_id: int) -> tuple[Response, int]:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        return json_error(
            400,
            "bad_request",
            _(
                "The Idempotency-Key header must be 1 to %(maximum)s visible characters, such as a UUID.",
                maximum=MAX_IDEMPOTENCY_KEY,
            ),
        )
    answers = _answers(_refused)
    for attempt in (1, 2):
        try:
            submission = services.submit_answers(
                db.session, listing_id, answers, utcnow(), idempotency_key=key
            )
            return _submitted(submission)
        except services.ListingUnavailable as error:
            db.session.rollback()
            return _unavailable(error.code)
        except services.ApplicationRefused as refusal:
            db.session.rollback()
            return _refused(refusal.problems)
        except services.IdempotencyConflict:
            db.session.rollback()
            return json_error(
                409,
                "idempotency_conflict",
                _("This Idempotency-Key was already used for a different application."),
            )
        except IntegrityError:
            # The same key arrived twice at once, or a lottery number was drawn twice: the
            # second attempt finds the first one's application or draws another number.
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@api.post("/listings/<int:listing_id>/documents")
@limiter.limit(WRITE_LIMITS)
def upload_document(listing_id: int) -> tuple[Response, int]:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public(utcnow()):
        abort(404)
    file = request.files.get("file")
    if file is None or not file.filename:
        return json_error(400, "bad_request", _("Send the file in a form field named file."))
    try:
        document = services.store_proof(
            db.session,
            current_app.extensions["storage"],
            listing_id=listing_id,
            application=None,
            filename=file.filename,
            stream=file.stream,
            # Uploads for no application are held against the address until one claims them.
            quota=UPLOAD_QUOTA,
            sender=proofs.sender_key(
                get_remote_address(), current_app.config["HOUSING"].secret_key
            ),
        )
    except RejectedUpload as error:
        db.session.rollback()
        return json_error(
            422, "rejected_upload", upload_problem_text(error.code), reason=error.code
        )
    db.session.commit()
    return jsonify(
        document_id=document.public_id,
        content_type=document.content_type,
        byte_size=document.byte_size,
    ), 201


def _draft_json(application: Application, *, token: str | None = None) -> dict[str, Any]:
    problems = services.all_problems(application, utcnow())
    body: dict[str, Any] = {
        "draft_id": application.public_id,
        "listing_id": application.listing_id,
        "status": application.status.value,
        "answers": application.answers,
        "problems": _problems([p for p in problems if p.field != "terms_accepted"]),
    }
    if token is not None:
        body["token"] = token
    return body


def _opened_draft(draft_id: str) -> Application:
    """The draft its token opens: 401 without a bearer token, 404 for one that is not its own
    (so that a stranger learns nothing about which drafts exist)."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        response, status = json_error(
            401,
            "unauthorized",
            _("Send the draft's token in the Authorization header: Bearer, a space, the token."),
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        _stop((response, status))
    try:
        application = services.get_application(db.session, draft_id)
        if outbox.read_access_token(token, application.listing_id) != draft_id:
            raise tokens.InvalidToken("application")
    except (services.ApplicationNotFound, tokens.InvalidToken):
        abort(404)
    return application


@api.post("/listings/<int:listing_id>/drafts")
@limiter.limit(WRITE_LIMITS)
def create_draft(listing_id: int) -> tuple[Response, int]:
    answers = _answers(_not_kept)
    language = answers.get("language") or str(get_locale() or "en")
    try:
        application = services.start_application(
            db.session, listing_id, utcnow(), language=language
        )
        services.save_answers(db.session, application.public_id, answers, utcnow())
    except services.ListingUnavailable as error:
        db.session.rollback()
        return _unavailable(error.code)
    except services.AnswersRefused as refusal:
        db.session.rollback()
        return _not_kept(refusal.problems)
    db.session.commit()
    return jsonify(_draft_json(application, token=outbox.access_token(application))), 201


@api.get("/drafts/<draft_id>")
def get_draft(draft_id: str) -> Response:
    return jsonify(_draft_json(_opened_draft(draft_id)))


@api.put("/drafts/<draft_id>")
@limiter.limit(WRITE_LIMITS)
def update_draft(draft_id: str) -> Response | tuple[Response, int]:
    application = _opened_draft(draft_id)
    answers = _answers(_not_kept)
    if application.status is not ApplicationStatus.DRAFT:
        return json_error(409, "already_submitted", _("This application was already submitted."))
    try:
        services.save_answers(db.session, draft_id, answers, utcnow())
    except services.ApplicationLocked:
        db.session.rollback()
        return _refused([rules.Problem("listing", "deadline_passed")])
    except services.AnswersRefused as refusal:
        db.session.rollback()
        return _not_kept(refusal.problems)
    db.session.commit()
    return jsonify(_draft_json(application))


@api.post("/drafts/<draft_id>/submit")
@limiter.limit(WRITE_LIMITS)
def submit_draft(draft_id: str) -> tuple[Response, int]:
    _opened_draft(draft_id)
    try:
        submission = services.submit_application(db.session, draft_id, utcnow())
    except services.ApplicationRefused as refusal:
        db.session.rollback()
        return _refused(refusal.problems)
    if not submission.created:
        db.session.rollback()
        return jsonify(application_json(submission.application)), 200
    return _submitted(submission)
