"""Staff and partners resolve a listing's possible duplicates before the freeze: one group at a
time, or many the same way at once. Routes of the partner portal's applications pages
(``/partner/listings/<id>/duplicates``), on their blueprint, where its links have them."""

from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.permissions import require_roles
from housing.applications.partner_views import MANAGERS, partner_applications
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.i18n import ngettext
from housing.listings.models import Listing
from housing.listings.partner_views import manageable_listing_or_404
from housing.lottery import access, duplicate_bulk, duplicate_decisions, duplicate_review
from housing.lottery.forms import BulkDuplicateForm
from housing.lottery.wording import group_label, refusal_text


@partner_applications.get("/<int:listing_id>/duplicates")
@require_roles(*MANAGERS)
def duplicates(listing_id: int) -> str:
    listing = manageable_listing_or_404(listing_id)
    return _duplicates_page(listing, _page_number(request.args.get("page")))


def _page_number(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def _duplicates_page(
    listing: Listing,
    number: int,
    form: BulkDuplicateForm | None = None,
    refusals: Sequence[duplicate_bulk.GroupRefusal] = (),
) -> str:
    page = duplicate_review.duplicates_page(db.session, listing.id, number)
    refused = [
        {
            "value": refusal.value,
            "anchor": refusal.group.anchor if refusal.group else "",
            "label": group_label(refusal.group.rule.value, refusal.group.numbers)
            if refusal.group
            else _("A group no longer on this page"),
            "text": refusal_text(refusal.code, refusal.detail),
        }
        for refusal in refusals
    ]
    return render_template(
        "partner/duplicates.html",
        listing=listing,
        page=page,
        bulk=form or BulkDuplicateForm(prefix="bulk"),
        refusals=refused,
        refused_texts={refusal["value"]: refusal["text"] for refusal in refused},
        group_label=group_label,
    )


@partner_applications.post("/<int:listing_id>/duplicates")
@require_roles(*MANAGERS)
def decide_duplicates(listing_id: int) -> Response:
    """Resolve one group: different households, or which one application of the household
    stays in the lottery. CSRF is checked by the app-wide protection."""
    manageable_listing_or_404(listing_id)
    try:
        duplicate_decisions.decide_duplicates(
            db.session,
            listing_id,
            request.form.get("rule", ""),
            request.form.get("key", ""),
            current_user,
            utcnow(),
            kept=request.form.get("kept", ""),
            reason=request.form.get("reason", ""),
        )
    except access.LotteryRefused as error:
        db.session.rollback()
        flash(refusal_text(error.code, error.detail), "error")
    else:
        db.session.commit()
        flash(_("Decision saved."), "success")
    page = _page_number(request.form.get("page"))
    return redirect(url_for(".duplicates", listing_id=listing_id, page=page))


@partner_applications.post("/<int:listing_id>/duplicates/bulk")
@require_roles(*MANAGERS)
def decide_duplicate_groups(listing_id: int) -> Response | tuple[str, int]:
    """Decide the ticked groups, or all those on the page, the same way with one reason; all
    or none."""
    listing = manageable_listing_or_404(listing_id)
    form = BulkDuplicateForm(prefix="bulk")
    number = _page_number(form.page.data)
    if not form.validate_on_submit():
        return _duplicates_page(listing, number, form), 422
    action = duplicate_bulk.BulkAction(form.action.data)
    try:
        outcome = duplicate_bulk.decide_duplicate_groups(
            db.session,
            listing_id,
            form.chosen(),
            current_user,
            utcnow(),
            action=action,
            reason=form.reason.data or "",
        )
    except duplicate_bulk.BulkRefused as error:
        db.session.rollback()
        # The groups that can be decided stay ticked; those refused are not.
        refused = {refusal.value for refusal in error.refusals}
        form.groups.data = [value for value in form.chosen() if value not in refused]
        form.all_on_page.data = False
        return _duplicates_page(listing, number, form, error.refusals), 422
    except access.LotteryRefused as error:
        db.session.rollback()
        flash(refusal_text(error.code, error.detail), "error")
    else:
        db.session.commit()
        count = len(outcome.decided)
        if action is duplicate_bulk.BulkAction.KEEP_EARLIEST_COMPLETE:
            text = ngettext(
                "%(num)s group decided: one application stays in the lottery and the others "
                "are left out.",
                "%(num)s groups decided: in each, one application stays in the lottery and the "
                "others are left out.",
                count,
            )
        else:
            text = ngettext(
                "%(num)s group decided: different households, all stay in the lottery.",
                "%(num)s groups decided: different households, all stay in the lottery.",
                count,
            )
        flash(text, "success")
    return redirect(url_for(".duplicates", listing_id=listing_id, page=number))
