"""Partners and staff: a listing's applications table, one application's full record, and paper
entry. (Resolving its duplicate flags is the lottery's: ``housing.lottery.duplicate_views``.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, get_timezone_name
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.applications import casefile, paper_drafts, readback, rules, services, table
from housing.applications.answer_sheet import address_text
from housing.applications.forms import DiscardDraftForm, StartPaperForm
from housing.applications.hooks import listing_lottery
from housing.applications.models import ApplicationStatus
from housing.applications.wording import (
    CHOICES,
    LABELS,
    SECTION_TITLES,
    choice_label,
    language_name,
    problem_text,
    proof_type_name,
    rule_text,
    status_text,
    version_text,
)
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import format_money
from housing.i18n import gettext as _
from housing.listings import management
from housing.listings.models import Listing

partner_applications = Blueprint(
    "partner_applications", __name__, url_prefix="/partner/listings", template_folder="templates"
)
MANAGERS = (Role.PARTNER, Role.STAFF)


@partner_applications.context_processor
def _wording() -> dict[str, object]:
    return {
        "status_text": status_text,
        "rule_text": rule_text,
        "address_text": address_text,
        "version_text": version_text,
        # What the answers partial needs.
        "section_titles": SECTION_TITLES,
        "labels": LABELS,
        "choice_label": choice_label,
        "proof_type_name": proof_type_name,
        "income_text": readback.income_text,
        "birth_date_text": readback.birth_date_text,
        "language_name": language_name,
        "locale": _language(),
    }


def _language() -> str:
    return str(get_locale() or "en")


def _table_times(timezone: str) -> tuple[Callable[[datetime], str], str]:
    """A short date and time in the listing's zone for each row, and the zone's name, said
    once above the table instead of on every row."""
    zone = ZoneInfo(timezone)
    locale = get_locale() or Locale.parse("en")

    def moment(value: datetime) -> str:
        return str(format_datetime(value.astimezone(zone), "short", locale=locale))

    return moment, str(get_timezone_name(utcnow().astimezone(zone), "long", locale=locale))


def _table_problem_text(code: str) -> str:
    return {
        "status": _("That status is not one the table can show; all statuses are shown."),
        "preference": _("That preference is not one of this listing's; all are shown."),
        "size": _("Household size must be a whole number from 1 to 99; all sizes are shown."),
        "income": _("That income band is not one of this listing's; all incomes are shown."),
        "channel": _("Choose online or paper; both are shown."),
        "sort": _("That sort order is not available; the newest applications are shown first."),
        "cursor": _("That page link is damaged or out of date, so the first page is shown."),
    }.get(code, code)


def _sort_text(name: str) -> str:
    return {
        "newest": _("Newest first"),
        "oldest": _("Oldest first"),
        "rank": _("Lottery rank"),
        "name": _("Name (A to Z)"),
        "largest": _("Largest household first"),
        "smallest": _("Smallest household first"),
    }.get(name, name)


def _band_text(band: table.IncomeBand) -> str:
    if band.kind == "none":
        return _("Income not given")
    if band.kind == "ami":
        if band.lower is None:
            return _("Up to %(upper)s%% of AMI", upper=band.upper)
        if band.upper is None:
            return _("Over %(lower)s%% of AMI", lower=band.lower)
        return _(
            "Over %(lower)s%% and up to %(upper)s%% of AMI", lower=band.lower, upper=band.upper
        )
    if band.upper is None:
        return _("%(amount)s a year or more", amount=format_money(band.lower))
    if not band.lower:
        return _("Under %(amount)s a year", amount=format_money(band.upper))
    return _(
        "%(lower)s to under %(upper)s a year",
        lower=format_money(band.lower),
        upper=format_money(band.upper),
    )


def _listing_or_404(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


@partner_applications.get("/<int:listing_id>/applications")
@require_roles(*MANAGERS)
def index(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    lottery = listing_lottery(db.session, listing, _language())
    choices = table.table_choices(
        listing, lists=lottery.lists, ranking=lottery.ranking, left_out=lottery.left_out
    )
    query, problems = table.parse_query(request.args, choices)
    page = table.applications_page(db.session, listing, query, choices)

    table_moment, zone_name = _table_times(listing.timezone)

    def page_url(**changes: Any) -> str:
        args: dict[str, Any] = table.query_args(query, **changes)
        return url_for(".index", listing_id=listing_id, **args)

    return render_template(
        "partner/applications.html",
        listing=listing,
        query=query,
        choices=choices,
        page=page,
        page_url=page_url,
        problems=[_table_problem_text(code) for code in [*problems, *page.problems]],
        preference_names=lottery.names,
        sort_text=_sort_text,
        band_text=_band_text,
        sizes=range(1, table.LARGEST_SIZE_CHOICE + 1),
        largest_size=table.LARGEST_SIZE_CHOICE,
        no_preference=table.NO_PREFERENCE,
        flagged_count=table.flagged_group_count(db.session, listing_id),
        drafts_count=paper_drafts.count_being_entered(db.session, listing_id),
        count_limit=table.COUNT_LIMIT,
        table_moment=table_moment,
        zone_name=zone_name,
    )


@partner_applications.get("/<int:listing_id>/applications/<public_id>")
@require_roles(*MANAGERS)
def application(listing_id: int, public_id: str) -> str:
    listing = _listing_or_404(listing_id)
    try:
        found = casefile.get_case_file(
            db.session, listing_id, public_id, demographics=current_user.role is Role.STAFF
        )
    except services.ApplicationNotFound:
        abort(404)
    lottery = listing_lottery(db.session, listing, _language())
    names = lottery.names
    return render_template(
        "partner/application.html",
        listing=listing,
        case=found,
        ranks=lottery.ranks_of(found.application),
        published=lottery.published,
        application=found.application,
        left_out=found.application.status is ApplicationStatus.SUBMITTED
        and found.application.public_id in lottery.left_out,
        answers=found.application.submitted_answers or found.application.answers,
        editable=False,
        problems=None,
        show_demographics=current_user.role is Role.STAFF,
        preference_names=names,
        list_name=lottery.list_name,
        change_label=lambda path: _change_label(path, names),
        change_value=_change_value,
    )


# Where each top-level part of the answers is asked, for naming a changed field.
_PARTS = {
    "applicant": "you",
    "alternate_contact": "alternate",
    "household": "household",
    "accessibility": "accessibility",
    "income": "income",
    "preferences": "preferences",
    "demographics": "demographics",
}


def _change_label(path: tuple[str | int, ...], names: Mapping[str, str]) -> str:
    """A changed field's name as the form asks it: "About you · Last name"."""
    parts: list[str] = []
    for position, step in enumerate(path):
        if isinstance(step, int):
            parts.append(_("Member %(number)s", number=step + 1))
        elif position == 0 and step in _PARTS:
            parts.append(str(SECTION_TITLES[_PARTS[step]]))
        elif position == 1 and path[0] == "preferences":
            parts.append(names.get(step, step))
        else:
            found = LABELS.get(step)
            parts.append(str(found) if found is not None else step)
    return " · ".join(parts)


def _change_value(path: tuple[str | int, ...], value: object) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return _("Not answered")
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    name = path[-1] if path and isinstance(path[-1], str) else ""
    if name in CHOICES:
        return choice_label(name, value)
    if name == "language":
        return language_name(value)
    if name == "proof_type":
        return proof_type_name(value)
    return str(value)


@partner_applications.route("/<int:listing_id>/paper-applications", methods=["GET", "POST"])
@require_roles(*MANAGERS)
def paper_new(listing_id: int) -> str | Response | tuple[str, int]:
    listing = _listing_or_404(listing_id)
    form = StartPaperForm()
    if form.validate_on_submit():
        try:
            application = services.start_application(
                db.session,
                listing_id,
                utcnow(),
                language=str(get_locale() or "en"),
                entered_by=current_user,
                received_on=form.received_on.data,
            )
        except services.ListingUnavailable as error:
            form.received_on.errors = [problem_text(rules.Problem("listing", error.code))]
        else:
            db.session.commit()
            return redirect(
                url_for(".paper_form", listing_id=listing_id, public_id=application.public_id)
            )
    status = 422 if form.errors else 200
    return render_template("partner/paper_new.html", listing=listing, form=form), status


@partner_applications.get("/<int:listing_id>/paper-applications/drafts")
@require_roles(*MANAGERS)
def paper_drafts_page(listing_id: int) -> str:
    return _drafts_page(_listing_or_404(listing_id))


def _drafts_page(listing: Listing, form: DiscardDraftForm | None = None, refused: str = "") -> str:
    return render_template(
        "partner/paper_drafts.html",
        listing=listing,
        drafts=paper_drafts.paper_drafts(db.session, listing.id),
        form=form or DiscardDraftForm(),
        refused=refused,
    )


@partner_applications.post("/<int:listing_id>/paper-applications/drafts/<public_id>/discard")
@require_roles(*MANAGERS)
def discard_paper_draft(listing_id: int, public_id: str) -> str | Response | tuple[str, int]:
    """Set a paper draft aside with a reason: it is kept, and the freeze no longer waits for it."""
    listing = _listing_or_404(listing_id)
    form = DiscardDraftForm()
    if not form.validate_on_submit():
        form.reason.id = f"reason-{public_id}"
        return _drafts_page(listing, form, refused=public_id), 422
    try:
        paper_drafts.discard(
            db.session, listing_id, public_id, current_user, utcnow(), reason=form.reason.data or ""
        )
    except paper_drafts.DiscardRefused as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        flash(_("That application is no longer a paper draft being entered."), "error")
    else:
        db.session.commit()
        flash(
            _("Draft %(number)s set aside. It is kept with your reason.", number=public_id),
            "success",
        )
    return redirect(url_for(".paper_drafts_page", listing_id=listing_id))
