"""Lease-up pages: the work list, one household's file and the waitlist for partners and staff;
the household's own page to send documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications import services as applications
from housing.applications.models import Application, ApplicationDocument
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.leaseup import services
from housing.leaseup.forms import (
    BulkForm,
    CommentForm,
    DeclineForm,
    DetailedApplicationForm,
    InviteForm,
    ReopenForm,
    StatusForm,
    status_choices,
)
from housing.leaseup.models import DocumentRequest
from housing.leaseup.order import ACCESSIBLE, WAITLIST
from housing.leaseup.order import Role as Placed
from housing.leaseup.statuses import LeaseStatus, allowed_from
from housing.leaseup.wording import event_text, link_text, refusal_text, status_text
from housing.listings import management
from housing.listings.models import Listing
from housing.listings.presenters import unit_type_label
from housing.listings.wording import upload_problem_text
from housing.lottery.verify import GENERAL_LIST
from housing.lottery.wording import result_list_names
from housing.uploads import RejectedUpload

lease_up = Blueprint(
    "lease_up", __name__, url_prefix="/partner/listings", template_folder="templates"
)
lease_up_public = Blueprint("lease_up_public", __name__, template_folder="templates")
MANAGERS = (Role.PARTNER, Role.STAFF)
WAITLIST_PAGE = 100


@lease_up.context_processor
def _wording() -> dict[str, object]:
    return {"lease_status_text": status_text, "event_text": event_text, "Placed": Placed}


@lease_up_public.app_context_processor
def _applicant_status() -> dict[str, object]:
    return {"lease_up_of": lease_up_of, "lease_status_text": status_text}


def lease_up_of(application: Application) -> dict[str, Any] | None:
    """What the household's own page shows of lease-up: status, open request, place."""
    entry = services.entry_of(db.session, application.id)
    if entry is None:
        return None
    shown: dict[str, Any] = {"status": entry.status, "reason": entry.reason}
    if entry.status is LeaseStatus.WAITLISTED:
        try:
            work = services.compute(db.session, application.listing, utcnow())
        except services.LeaseUpRefused:
            return shown  # the results were withdrawn: no place to show until they are back
        shown["position"] = work.work.waitlist_position(application.id)
    return shown


def _listing_or_404(listing_id: int, *, lock: bool = False) -> Listing:
    try:
        listing = management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)
    if lock:
        # One lease-up change at a time per listing: who is next depends on every other.
        db.session.execute(select(Listing.id).where(Listing.id == listing.id).with_for_update())
    return listing


def _work_or_refusal(listing: Listing) -> services.ListingWork | None:
    try:
        return services.compute(db.session, listing, utcnow())
    except services.LeaseUpRefused as refused:
        flash(refusal_text(refused.code), "error")
        return None


def _application_or_404(listing: Listing, public_id: str) -> Application:
    if "\x00" in public_id or len(public_id) > 12:  # could never be an application number
        abort(404)
    application = db.session.scalars(
        select(Application).where(
            Application.public_id == public_id, Application.listing_id == listing.id
        )
    ).first()
    if application is None:
        abort(404)
    return application


@lease_up.get("/<int:listing_id>/lease-up")
@require_roles(*MANAGERS)
def work_list(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    work = _work_or_refusal(listing)
    bulk = BulkForm()
    bulk.status.choices = status_choices(frozenset(LeaseStatus) - {LeaseStatus.APPEALED})
    reopen = ReopenForm()
    reopen.unit.choices = [(str(unit.id), _unit_label(unit)) for unit in listing.units]
    return render_template(
        "leaseup/work_list.html",
        listing=listing,
        work=work,
        bulk=bulk,
        reopen=reopen,
        list_names={
            **result_list_names(listing, _locale()),
            GENERAL_LIST: _("General list"),
            WAITLIST: _("Waitlist"),
            ACCESSIBLE: _("Accessible unit, for a household that needs its features"),
        },
        unit_label=_unit_label,
    )


def _locale() -> str:
    return str(get_locale() or "en")


def _unit_label(unit: Any) -> str:
    if unit is None:
        return ""
    return _(
        "%(type)s at %(percent)s%% of AMI",
        type=unit_type_label(unit),
        percent=unit.ami_percent,
    )


@lease_up.get("/<int:listing_id>/lease-up/waitlist")
@require_roles(*MANAGERS)
def waitlist(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    work = _work_or_refusal(listing)
    page = request.args.get("page", "1")
    number = max(1, _number(page) or 1)
    start = (number - 1) * WAITLIST_PAGE
    shown = work.work.waitlist[start : start + WAITLIST_PAGE] if work else []
    applications_shown = {
        a.id: a
        for a in db.session.scalars(
            select(Application).where(Application.id.in_([c.id for c in shown]))
        )
    }
    return render_template(
        "leaseup/waitlist.html",
        listing=listing,
        work=work,
        shown=shown,
        start=start,
        page=number,
        more=work is not None and start + WAITLIST_PAGE < len(work.work.waitlist),
        applications_shown=applications_shown,
    )


@lease_up.post("/<int:listing_id>/lease-up/bulk")
@require_roles(*MANAGERS)
def bulk(listing_id: int) -> Response:
    listing = _listing_or_404(listing_id, lock=True)
    form = BulkForm()
    work = _work_or_refusal(listing)
    if work is None or not form.validate_on_submit():
        return redirect(url_for(".work_list", listing_id=listing_id))
    versions: dict[int, int] = {}
    for value in request.form.getlist("chosen"):
        application_id, _sep, version = value.partition(":")
        found_id, found_version = _number(application_id), _number(version)
        if found_id is not None and found_version is not None:
            versions[found_id] = found_version
    try:
        target = LeaseStatus(form.status.data)
        changed = services.change_many(
            db.session,
            work,
            versions,
            target,
            actor=current_user,
            now=utcnow(),
            reason=form.reason.data or "",
            comment=form.comment.data or "",
        )
    except ValueError:
        db.session.rollback()
        flash(_("Choose a status."), "error")
    except services.LeaseUpRefused as refused:
        db.session.rollback()
        flash(refusal_text(refused.code, refused.detail), "error")
    else:
        db.session.commit()
        _send()
        flash(
            _(
                "%(count)s household(s) moved to %(status)s.",
                count=len(changed),
                status=status_text(target),
            ),
            "success",
        )
    return redirect(url_for(".work_list", listing_id=listing_id))


def _send() -> None:
    from housing.notifications.tasks import send_after_commit

    send_after_commit()


@lease_up.post("/<int:listing_id>/lease-up/waitlist/notify")
@require_roles(*MANAGERS)
def notify_waitlist(listing_id: int) -> Response:
    listing = _listing_or_404(listing_id, lock=True)
    work = _work_or_refusal(listing)
    if work is not None:
        try:
            count = services.place_on_waitlist(db.session, work, actor=current_user, now=utcnow())
        except services.LeaseUpRefused as refused:
            db.session.rollback()
            flash(refusal_text(refused.code, refused.detail), "error")
        else:
            db.session.commit()
            _send()
            flash(
                _("%(count)s household(s) told their place on the waitlist.", count=count),
                "success",
            )
    return redirect(url_for(".waitlist", listing_id=listing_id))


@lease_up.post("/<int:listing_id>/lease-up/reopen")
@require_roles(*MANAGERS)
def reopen(listing_id: int) -> Response:
    listing = _listing_or_404(listing_id, lock=True)
    form = ReopenForm()
    unit = form.unit.data or ""
    if form.validate_on_submit():
        try:
            services.reopen_unit(
                db.session,
                listing,
                _number(unit) or -1,
                form.reopen_reason.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except services.LeaseUpRefused as refused:
            db.session.rollback()
            flash(refusal_text(refused.code, refused.detail), "error")
        else:
            db.session.commit()
            flash(
                _("The unit is free again: the next household on the waitlist is next to contact."),
                "success",
            )
    return redirect(url_for(".work_list", listing_id=listing_id))


def _entry_page(
    listing: Listing,
    application: Application,
    *,
    status_form: StatusForm | None = None,
    invite_form: InviteForm | None = None,
    comment_form: CommentForm | None = None,
    code: int = 200,
) -> tuple[str, int]:
    work = _work_or_refusal(listing)
    entry = services.entry_of(db.session, application.id)
    version = str(entry.version if entry else 0)
    status_form = status_form or StatusForm(version=version)
    current = entry.status if entry else None
    status_form.status.choices = status_choices(allowed_from(current))
    status_form.unit.choices = [("", _("As matched on the work list"))] + [
        (str(unit.id), _unit_label(unit)) for unit in listing.units
    ]
    invite_form = invite_form or InviteForm(version=version)
    placement = next(
        (p for p in (work.work.placements if work else []) if p.candidate.id == application.id),
        None,
    )
    requests = db.session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.application_id == application.id)
        .order_by(DocumentRequest.created_at.desc())
    ).all()
    documents = {document.public_id: document for document in application.documents}
    return render_template(
        "leaseup/entry.html",
        listing=listing,
        application=application,
        entry=entry,
        placement=placement,
        position=work.work.waitlist_position(application.id) if work else None,
        status_form=status_form,
        invite_form=invite_form,
        comment_form=comment_form or CommentForm(),
        history=services.history(db.session, application.id),
        requests=requests,
        documents=documents,
        now=utcnow(),
        unit=listing_units(listing).get(entry.unit_id if entry else None),
        unit_label=_unit_label,
    ), code


def listing_units(listing: Listing) -> dict[int | None, Any]:
    return {unit.id: unit for unit in listing.units}


@lease_up.get("/<int:listing_id>/lease-up/<public_id>")
@require_roles(*MANAGERS)
def entry(listing_id: int, public_id: str) -> tuple[str, int]:
    listing = _listing_or_404(listing_id)
    return _entry_page(listing, _application_or_404(listing, public_id))


def _case(
    listing_id: int, public_id: str
) -> tuple[Listing, Application, services.ListingWork] | Response:
    """The listing (locked for the change), the household and the work list; or, before the
    results are published, the way back to the work list, which says so."""
    listing = _listing_or_404(listing_id, lock=True)
    application = _application_or_404(listing, public_id)
    work = _work_or_refusal(listing)
    if work is None:
        return redirect(url_for(".work_list", listing_id=listing_id))
    return listing, application, work


def _refused(
    refused: services.LeaseUpRefused, version: HiddenField, application: Application
) -> int:
    """Undo a refused change and give the status to answer with. After a colleague's change
    (409) the form carries the version now current, so the agent can redo theirs on the
    household as it now is."""
    db.session.rollback()
    if refused.code != "changed_meanwhile":
        return 422
    entry = services.entry_of(db.session, application.id)
    version.data = str(entry.version if entry else 0)
    return 409


def _number(text: str) -> int | None:
    """A whole number typed in ASCII digits, within reason; None for anything else."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _version(value: str | None) -> int:
    found = _number(value or "")
    return -1 if found is None else found


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/status")
@require_roles(*MANAGERS)
def change_status(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    found = _case(listing_id, public_id)
    if isinstance(found, Response):
        return found
    listing, application, work = found
    form = StatusForm()
    try:
        target = LeaseStatus(form.status.data or "")
    except ValueError:
        form.status.errors = [_("Choose a status.")]
        return _entry_page(listing, application, status_form=form, code=422)
    unit = form.unit.data or ""
    try:
        services.change_status(
            db.session,
            work,
            application,
            target,
            actor=current_user,
            now=utcnow(),
            expected_version=_version(form.version.data),
            reason=form.reason.data or "",
            comment=form.comment.data or "",
            unit_id=_number(unit),
        )
    except services.LeaseUpRefused as refused:
        # The agent's typing stays in the form; the page shows the household as it is now.
        field = form.reason if refused.code == "reason_required" else form.status
        field.errors = [refusal_text(refused.code, refused.detail)]
        code = _refused(refused, form.version, application)
        return _entry_page(listing, application, status_form=form, code=code)
    db.session.commit()
    _send()
    flash(_("Saved: %(status)s.", status=status_text(target)), "success")
    return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/invite")
@require_roles(*MANAGERS)
def invite(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    found = _case(listing_id, public_id)
    if isinstance(found, Response):
        return found
    listing, application, work = found
    form = InviteForm()
    due_at = _end_of_day(form.due_on.data or "", listing.timezone)
    if due_at is None:
        form.due_on.errors = [_("Enter the date as year-month-day, for example 2026-03-31.")]
        return _entry_page(listing, application, invite_form=form, code=422)
    if not form.validate_on_submit():
        return _entry_page(listing, application, invite_form=form, code=422)
    try:
        services.request_documents(
            db.session,
            work,
            application,
            due_at=due_at,
            message=form.message.data or "",
            actor=current_user,
            now=utcnow(),
            expected_version=_version(form.version.data),
        )
    except services.LeaseUpRefused as refused:
        form.due_on.errors = [refusal_text(refused.code, refused.detail)]
        code = _refused(refused, form.version, application)
        return _entry_page(listing, application, invite_form=form, code=code)
    db.session.commit()
    _send()
    flash(_("Invitation sent."), "success")
    return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))


def _end_of_day(text: str, timezone: str) -> datetime | None:
    """The last second of a day typed as YYYY-MM-DD, in the listing's time zone."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    last = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))
    try:
        return last.astimezone(UTC)
    except OverflowError:  # the last day of year 9999, west of Greenwich
        return None


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/comment")
@require_roles(*MANAGERS)
def comment(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    listing = _listing_or_404(listing_id)
    application = _application_or_404(listing, public_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(
                db.session, application, form.comment.data or "", actor=current_user, now=utcnow()
            )
        except services.LeaseUpRefused as refused:
            db.session.rollback()
            form.comment.errors = [refusal_text(refused.code)]
        else:
            db.session.commit()
            flash(_("Comment added."), "success")
            return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))
    return _entry_page(listing, application, comment_form=form, code=422)


# The household's side.


def _open_request(token: str) -> tuple[DocumentRequest | None, str]:
    try:
        found = services.request_of_token(db.session, token, utcnow())
    except services.LinkRefused as refused:
        return refused.request, refused.code
    owner = found.application.user_id
    if current_user.is_authenticated and owner is not None and owner != current_user.id:
        return found, "someone_else"
    return found, ""


LINK_STATUS = {"past_due": 410, "unknown": 404, "someone_else": 403}


def _link_refused(problem: str, found: DocumentRequest | None) -> tuple[str, int]:
    return render_template(
        "leaseup/link_refused.html", problem=link_text(problem), request=found
    ), LINK_STATUS.get(problem, 409)


def _actor() -> Any:
    return current_user if current_user.is_authenticated else None


@lease_up_public.route("/lease-up/documents/<token>", methods=["GET", "POST"])
def respond(token: str) -> str | tuple[str, int]:
    found, problem = _open_request(token)
    if problem or found is None:
        return _link_refused(problem or "unknown", found)
    form = DetailedApplicationForm()
    if form.validate_on_submit():
        stored = _store_documents(form, found)
        if stored is not None and not stored:
            form.documents.errors = [_("Send at least one document.")]
        elif stored:
            answers = {
                "employer": form.employer.data or "",
                "monthly_wages": str(form.monthly_wages.data),
                "other_income": str(form.other_income.data),
                "other_income_sources": form.other_income_sources.data or "",
                "assets": str(form.assets.data),
                "household_members_working": form.household_members_working.data,
                "changes": form.changes.data or "",
            }
            try:
                services.respond(
                    db.session,
                    found,
                    answers,
                    [document.public_id for document in stored],
                    user=_actor(),
                    now=utcnow(),
                )
            except services.LinkRefused as refused:
                # Answered meanwhile (a second click): the first answer stands.
                _forget(stored)
                return _link_refused(refused.code, refused.request)
            db.session.commit()
            return render_template("leaseup/responded.html", request=found)
    status = 422 if form.errors else 200
    return render_template(
        "leaseup/respond.html",
        form=form,
        decline=DeclineForm(),
        request=found,
        listing=found.application.listing,
        token=token,
    ), status


def _store_documents(
    form: DetailedApplicationForm, found: DocumentRequest
) -> list[ApplicationDocument] | None:
    """The uploaded files, stored; None (and nothing kept) when one of them is refused."""
    stored: list[ApplicationDocument] = []
    storage = current_app.extensions["storage"]
    for file in form.documents.data or []:
        if not getattr(file, "filename", ""):
            continue
        try:
            stored.append(
                applications.store_proof(
                    db.session,
                    storage,
                    listing_id=found.listing_id,
                    application=found.application,
                    filename=file.filename,
                    stream=file.stream,
                )
            )
        except RejectedUpload as error:
            form.documents.errors = [upload_problem_text(error.code)]
            _forget(stored)
            return None
    return stored


def _forget(stored: list[ApplicationDocument]) -> None:
    """Undo what a refused answer stored: its rows and its files."""
    db.session.rollback()
    storage = current_app.extensions["storage"]
    for document in stored:
        storage.delete(document.storage_key)


@lease_up_public.post("/lease-up/documents/<token>/decline")
def decline(token: str) -> str | tuple[str, int]:
    found, problem = _open_request(token)
    if problem or found is None:
        return _link_refused(problem or "unknown", found)
    form = DeclineForm()
    if not form.validate_on_submit():
        return render_template(
            "leaseup/respond.html",
            form=DetailedApplicationForm(formdata=None),
            decline=form,
            request=found,
            listing=found.application.listing,
            token=token,
        ), 422
    try:
        services.decline(db.session, found, user=_actor(), now=utcnow())
    except services.LinkRefused as refused:
        db.session.rollback()
        return _link_refused(refused.code, refused.request)
    db.session.commit()
    return render_template("leaseup/declined.html", request=found)
