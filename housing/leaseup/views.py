"""Lease-up routes: the work list, one household's file and the waitlist for partners and
staff; the household's own page to send documents.

Each form is checked for access, parsed, and handed to one action (``actions``), which locks,
changes and flushes or refuses; the request then commits once and hands the messages over, or
rolls back and says why.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field, HiddenField

from housing.accounts.models import Role, User
from housing.accounts.permissions import require_roles
from housing.applications.models import Application
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.leaseup import actions, pages, services
from housing.leaseup.forms import (
    BulkForm,
    CommentForm,
    DeclineForm,
    DetailedApplicationForm,
    InviteForm,
    ReopenForm,
    StatusForm,
    chosen_versions,
    whole_number,
)
from housing.leaseup.order import Role as Placed
from housing.leaseup.wording import event_text, refusal_text, status_text
from housing.listings.models import Listing
from housing.listings.wording import upload_problem_text
from housing.notifications.tasks import send_after_commit
from housing.uploads import RejectedUpload

lease_up = Blueprint(
    "lease_up", __name__, url_prefix="/partner/listings", template_folder="templates"
)
lease_up_public = Blueprint("lease_up_public", __name__, template_folder="templates")
MANAGERS = (Role.PARTNER, Role.STAFF)


@lease_up.context_processor
def _wording() -> dict[str, object]:
    return {"lease_status_text": status_text, "event_text": event_text, "Placed": Placed}


@lease_up_public.app_context_processor
def _applicant_status() -> dict[str, object]:
    return {"lease_up_of": pages.lease_up_of, "lease_status_text": status_text}


# The request's one commit, or its rollback and what the user is told.


def _saved() -> None:
    """The request's one commit; the messages the action queued are handed over after it."""
    db.session.commit()
    send_after_commit()


def _refused(refused: services.LeaseUpRefused) -> None:
    db.session.rollback()
    flash(refusal_text(refused.code, refused.detail), "error")


def _refused_on_page(
    listing: Listing,
    application: Application,
    refused: services.LeaseUpRefused,
    field: Field,
    version: HiddenField | None = None,
    **forms: Any,
) -> Response | tuple[str, int]:
    """A change refused on a household's page: nothing kept, and the page again with the
    reason at ``field`` (the agent's typing stays in the form). Before the results, the way
    back to the work list, which says so. After a colleague's change (409) the form carries
    the version now current, so the agent can redo theirs on the household as it now is."""
    db.session.rollback()
    if refused.code == "no_results":
        flash(refusal_text(refused.code), "error")
        return redirect(url_for(".work_list", listing_id=listing.id))
    field.errors = [refusal_text(refused.code, refused.detail)]
    if refused.code != "changed_meanwhile" or version is None:
        return pages.entry(listing, application, code=422, **forms)
    entry = services.entry_of(db.session, application.id)
    version.data = str(entry.version if entry else 0)
    return pages.entry(listing, application, code=409, **forms)


def _link_refused(refused: services.LinkRefused) -> tuple[str, int]:
    db.session.rollback()
    return pages.link_refused(refused.code, refused.request)


def _actor() -> User | None:
    return current_user if current_user.is_authenticated else None


# Partners and staff.


@lease_up.get("/<int:listing_id>/lease-up")
@require_roles(*MANAGERS)
def work_list(listing_id: int) -> str:
    return pages.work_list(pages.listing_or_404(listing_id))


@lease_up.get("/<int:listing_id>/lease-up/waitlist")
@require_roles(*MANAGERS)
def waitlist(listing_id: int) -> str:
    page = whole_number(request.args.get("page", "1")) or 1
    return pages.waitlist(pages.listing_or_404(listing_id), max(1, page))


@lease_up.get("/<int:listing_id>/lease-up/<public_id>")
@require_roles(*MANAGERS)
def entry(listing_id: int, public_id: str) -> tuple[str, int]:
    return pages.entry(*pages.household_or_404(listing_id, public_id))


@lease_up.post("/<int:listing_id>/lease-up/bulk")
@require_roles(*MANAGERS)
def bulk(listing_id: int) -> Response:
    listing = pages.listing_or_404(listing_id)
    form = BulkForm()
    back = redirect(url_for(".work_list", listing_id=listing_id))
    if not form.validate_on_submit():
        return back
    target = form.target()
    if target is None:
        flash(_("Choose a status."), "error")
        return back
    try:
        changed = actions.move_households(
            db.session,
            listing.id,
            chosen_versions(request.form.getlist("chosen")),
            target,
            actor=current_user,
            now=utcnow(),
            reason=form.reason.data or "",
            comment=form.comment.data or "",
        )
    except services.LeaseUpRefused as refused:
        _refused(refused)
        return back
    _saved()
    flash(
        _(
            "%(count)s household(s) moved to %(status)s.",
            count=len(changed),
            status=status_text(target),
        ),
        "success",
    )
    return back


@lease_up.post("/<int:listing_id>/lease-up/waitlist/notify")
@require_roles(*MANAGERS)
def notify_waitlist(listing_id: int) -> Response:
    listing = pages.listing_or_404(listing_id)
    try:
        count = actions.tell_waitlist(db.session, listing.id, actor=current_user, now=utcnow())
    except services.LeaseUpRefused as refused:
        _refused(refused)
    else:
        _saved()
        flash(_("%(count)s household(s) told their place on the waitlist.", count=count), "success")
    return redirect(url_for(".waitlist", listing_id=listing_id))


@lease_up.post("/<int:listing_id>/lease-up/reopen")
@require_roles(*MANAGERS)
def reopen(listing_id: int) -> Response:
    listing = pages.listing_or_404(listing_id)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            actions.free_unit_again(
                db.session,
                listing.id,
                form.unit_id(),
                form.reopen_reason.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except services.LeaseUpRefused as refused:
            _refused(refused)
        else:
            _saved()
            flash(
                _("The unit is free again: the next household on the waitlist is next to contact."),
                "success",
            )
    return redirect(url_for(".work_list", listing_id=listing_id))


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/status")
@require_roles(*MANAGERS)
def change_status(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    listing, application = pages.household_or_404(listing_id, public_id)
    form = StatusForm()
    target = form.target()
    if target is None:
        form.status.errors = [_("Choose a status.")]
        return pages.entry(listing, application, status_form=form, code=422)
    try:
        actions.move_household(
            db.session,
            listing.id,
            application.id,
            target,
            actor=current_user,
            now=utcnow(),
            expected_version=form.expected_version(),
            reason=form.reason.data or "",
            comment=form.comment.data or "",
            unit_id=form.unit_id(),
        )
    except services.LeaseUpRefused as refused:
        field = form.reason if refused.code == "reason_required" else form.status
        return _refused_on_page(
            listing, application, refused, field, form.version, status_form=form
        )
    _saved()
    flash(_("Saved: %(status)s.", status=status_text(target)), "success")
    return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/invite")
@require_roles(*MANAGERS)
def invite(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    listing, application = pages.household_or_404(listing_id, public_id)
    form = InviteForm()
    due_at = form.due_at(listing.timezone)
    if due_at is None:
        form.due_on.errors = [_("Enter the date as year-month-day, for example 2026-03-31.")]
    if due_at is None or not form.validate_on_submit():
        return pages.entry(listing, application, invite_form=form, code=422)
    try:
        actions.invite_household(
            db.session,
            listing.id,
            application.id,
            due_at=due_at,
            message=form.message.data or "",
            actor=current_user,
            now=utcnow(),
            expected_version=form.expected_version(),
        )
    except services.LeaseUpRefused as refused:
        return _refused_on_page(
            listing, application, refused, form.due_on, form.version, invite_form=form
        )
    _saved()
    flash(_("Invitation sent."), "success")
    return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))


@lease_up.post("/<int:listing_id>/lease-up/<public_id>/comment")
@require_roles(*MANAGERS)
def comment(listing_id: int, public_id: str) -> Response | tuple[str, int]:
    listing, application = pages.household_or_404(listing_id, public_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return pages.entry(listing, application, comment_form=form, code=422)
    try:
        actions.comment_on_household(
            db.session, application.id, form.comment.data or "", actor=current_user, now=utcnow()
        )
    except services.LeaseUpRefused as refused:
        return _refused_on_page(listing, application, refused, form.comment, comment_form=form)
    _saved()
    flash(_("Comment added."), "success")
    return redirect(url_for(".entry", listing_id=listing_id, public_id=public_id))


# The household, at the link in its invitation.


@lease_up_public.route("/lease-up/documents/<token>", methods=["GET", "POST"])
def respond(token: str) -> str | tuple[str, int]:
    found, problem = pages.request_at_link(token)
    if problem or found is None:
        return pages.link_refused(problem or "unknown", found)
    form = DetailedApplicationForm()
    if form.validate_on_submit():
        uploads = form.uploads()
        if not uploads:
            form.documents.errors = [_("Send at least one document.")]
        else:
            try:
                actions.answer_invitation(
                    db.session,
                    current_app.extensions["storage"],
                    found.id,
                    form.answers(),
                    uploads,
                    user=_actor(),
                    now=utcnow(),
                )
            except RejectedUpload as error:
                db.session.rollback()
                form.documents.errors = [upload_problem_text(error.code)]
            except services.LinkRefused as refused:  # answered meanwhile: the first stands
                return _link_refused(refused)
            else:
                _saved()
                return render_template("leaseup/responded.html", request=found)
    code = 422 if form.errors else 200
    return pages.respond(found, token, form=form, decline=DeclineForm(), code=code)


@lease_up_public.post("/lease-up/documents/<token>/decline")
def decline(token: str) -> str | tuple[str, int]:
    found, problem = pages.request_at_link(token)
    if problem or found is None:
        return pages.link_refused(problem or "unknown", found)
    form = DeclineForm()
    if not form.validate_on_submit():
        blank = DetailedApplicationForm(formdata=None)
        return pages.respond(found, token, form=blank, decline=form, code=422)
    try:
        actions.decline_offer(db.session, found.id, user=_actor(), now=utcnow())
    except services.LinkRefused as refused:
        return _link_refused(refused)
    _saved()
    return render_template("leaseup/declined.html", request=found)
