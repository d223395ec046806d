"""JSON endpoints for applying: whole applications, drafts, and proof uploads.

They call the same services as the web form, so every rule applies here too. Drafts are
opened with the signed token returned when they are made (``Authorization: Bearer <token>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, abort, current_app, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest

from housing.accounts import tokens
from housing.api.views import api
from housing.applications import messages, rules, services
from housing.applications.models import Application, ApplicationStatus
from housing.applications.wording import problem_text
from housing.db_types import utcnow
from housing.errors import json_error
from housing.extensions import db, limiter
from housing.listings.models import Listing
from housing.listings.wording import upload_problem_text
from housing.notifications.tasks import send_after_commit
from housing.uploads import RejectedUpload

WRITE_LIMITS = "120 per minute"
MAX_IDEMPOTENCY_KEY = 100


def _body() -> Mapping[str, Any]:
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
    answers = _body()
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and (len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable()):
        return json_error(
            400, "bad_request", _("The Idempotency-Key header must be at most 100 characters.")
        )
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


def _draft_or_404(draft_id: str) -> Application:
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    try:
        application = services.get_application(db.session, draft_id)
        if messages.read_access_token(token, application.listing_id) != draft_id:
            raise tokens.InvalidToken("application")
    except (services.ApplicationNotFound, tokens.InvalidToken):
        abort(404)
    return application


def _answers_only(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key in rules.ANSWER_ROOTS}


@api.post("/listings/<int:listing_id>/drafts")
@limiter.limit(WRITE_LIMITS)
def create_draft(listing_id: int) -> tuple[Response, int]:
    body = _body()
    language = body.get("language") if isinstance(body.get("language"), str) else None
    try:
        application = services.start_application(
            db.session, listing_id, utcnow(), language=language or str(get_locale() or "en")
        )
        services.save_answers(db.session, application.public_id, _answers_only(body), utcnow())
    except services.ListingUnavailable as error:
        db.session.rollback()
        return _unavailable(error.code)
    db.session.commit()
    return jsonify(_draft_json(application, token=messages.access_token(application))), 201


@api.get("/drafts/<draft_id>")
def get_draft(draft_id: str) -> Response:
    return jsonify(_draft_json(_draft_or_404(draft_id)))


@api.put("/drafts/<draft_id>")
@limiter.limit(WRITE_LIMITS)
def update_draft(draft_id: str) -> Response | tuple[Response, int]:
    application = _draft_or_404(draft_id)
    body = _body()
    if application.status is not ApplicationStatus.DRAFT:
        return json_error(409, "already_submitted", _("This application was already submitted."))
    try:
        services.save_answers(db.session, draft_id, _answers_only(body), utcnow())
    except services.ApplicationLocked:
        db.session.rollback()
        return _refused([rules.Problem("listing", "deadline_passed")])
    db.session.commit()
    return jsonify(_draft_json(application))


@api.post("/drafts/<draft_id>/submit")
@limiter.limit(WRITE_LIMITS)
def submit_draft(draft_id: str) -> tuple[Response, int]:
    _draft_or_404(draft_id)
    try:
        submission = services.submit_application(db.session, draft_id, utcnow())
    except services.ApplicationRefused as refusal:
        db.session.rollback()
        return _refused(refusal.problems)
    if not submission.created:
        db.session.rollback()
        return jsonify(application_json(submission.application)), 200
    return _submitted(submission)
