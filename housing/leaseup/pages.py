"""What the lease-up pages are about and what they show: the listing, household or invitation
a link names (not found for whoever may not see it); the work list, the waitlist, one
household's file, and the household's page at its link. Reads only; the routes are in
``views``."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, render_template
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from housing.applications.models import Application
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
from housing.leaseup.statuses import LeaseStatus, allowed_from
from housing.leaseup.wording import link_text, refusal_text
from housing.listings import management
from housing.listings.models import Listing
from housing.listings.presenters import unit_type_label
from housing.lottery.verify import GENERAL_LIST
from housing.lottery.wording import result_list_names

WAITLIST_PAGE = 100
# The status a refused link answers with; any other refusal is a conflict (409).
LINK_STATUS = {"past_due": 410, "unknown": 404, "someone_else": 403}


def listing_or_404(listing_id: int) -> Listing:
    """The listing, if the signed-in partner or staff member may manage it."""
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


def household_or_404(listing_id: int, public_id: str) -> tuple[Listing, Application]:
    """The listing, as ``listing_or_404``, and the household of it the page names."""
    listing = listing_or_404(listing_id)
    if "\x00" in public_id or len(public_id) > 12:  # could never be an application number
        abort(404)
    application = db.session.scalars(
        select(Application).where(
            Application.public_id == public_id, Application.listing_id == listing.id
        )
    ).first()
    if application is None:
        abort(404)
    return listing, application


def request_at_link(token: str) -> tuple[DocumentRequest | None, str]:
    """The invitation a household's link names, and what stops its use here ("" for
    nothing): see ``link_refused``."""
    try:
        found = services.request_of_token(db.session, token, utcnow())
    except services.LinkRefused as refused:
        return refused.request, refused.code
    owner = found.application.user_id
    if current_user.is_authenticated and owner is not None and owner != current_user.id:
        return found, "someone_else"
    return found, ""


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


def unit_label(unit: Any) -> str:
    if unit is None:
        return ""
    return _(
        "%(type)s at %(percent)s%% of AMI",
        type=unit_type_label(unit),
        percent=unit.ami_percent,
    )


def _work_or_refusal(listing: Listing) -> services.ListingWork | None:
    """The work list; before the results are published, none, and the page says why."""
    try:
        return services.compute(db.session, listing, utcnow())
    except services.LeaseUpRefused as refused:
        flash(refusal_text(refused.code), "error")
        return None


def work_list(listing: Listing) -> str:
    work = _work_or_refusal(listing)
    bulk = BulkForm()
    bulk.status.choices = status_choices(frozenset(LeaseStatus) - {LeaseStatus.APPEALED})
    reopen = ReopenForm()
    reopen.unit.choices = [(str(unit.id), unit_label(unit)) for unit in listing.units]
    return render_template(
        "leaseup/work_list.html",
        listing=listing,
        work=work,
        bulk=bulk,
        reopen=reopen,
        list_names={
            **result_list_names(listing, str(get_locale() or "en")),
            GENERAL_LIST: _("General list"),
            WAITLIST: _("Waitlist"),
            ACCESSIBLE: _("Accessible unit, for a household that needs its features"),
        },
        unit_label=unit_label,
    )


def waitlist(listing: Listing, page: int) -> str:
    """The ``page``-th hundred households waiting, in order."""
    work = _work_or_refusal(listing)
    start = (page - 1) * WAITLIST_PAGE
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
        page=page,
        more=work is not None and start + WAITLIST_PAGE < len(work.work.waitlist),
        applications_shown=applications_shown,
    )


def entry(
    listing: Listing,
    application: Application,
    *,
    status_form: StatusForm | None = None,
    invite_form: InviteForm | None = None,
    comment_form: CommentForm | None = None,
    code: int = 200,
) -> tuple[str, int]:
    """One household's file: where it stands, its forms (as typed, when one was refused),
    its invitations and answers, and its history."""
    work = _work_or_refusal(listing)
    found = services.entry_of(db.session, application.id)
    version = str(found.version if found else 0)
    status_form = status_form or StatusForm(version=version)
    status_form.status.choices = status_choices(allowed_from(found.status if found else None))
    status_form.unit.choices = [("", _("As matched on the work list"))] + [
        (str(unit.id), unit_label(unit)) for unit in listing.units
    ]
    placement = next(
        (p for p in (work.work.placements if work else []) if p.candidate.id == application.id),
        None,
    )
    requests = db.session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.application_id == application.id)
        .order_by(DocumentRequest.created_at.desc())
    ).all()
    units: dict[int | None, Any] = {unit.id: unit for unit in listing.units}
    return render_template(
        "leaseup/entry.html",
        listing=listing,
        application=application,
        entry=found,
        placement=placement,
        position=work.work.waitlist_position(application.id) if work else None,
        status_form=status_form,
        invite_form=invite_form or InviteForm(version=version),
        comment_form=comment_form or CommentForm(),
        history=services.history(db.session, application.id),
        requests=requests,
        documents={document.public_id: document for document in application.documents},
        now=utcnow(),
        unit=units.get(found.unit_id) if found else None,
        unit_label=unit_label,
    ), code


def respond(
    request: DocumentRequest,
    token: str,
    *,
    form: DetailedApplicationForm,
    decline: DeclineForm,
    code: int,
) -> tuple[str, int]:
    """The household's page at its link: the detailed application, and declining the offer."""
    return render_template(
        "leaseup/respond.html",
        form=form,
        decline=decline,
        request=request,
        listing=request.application.listing,
        token=token,
    ), code


def link_refused(problem: str, request: DocumentRequest | None) -> tuple[str, int]:
    return render_template(
        "leaseup/link_refused.html", problem=link_text(problem), request=request
    ), LINK_STATUS.get(problem, 409)
