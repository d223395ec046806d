"""Why a change of a listing's dates was refused, in words that say what to do instead."""

from __future__ import annotations

from housing.i18n import format_local_date, format_local_datetime
from housing.i18n import gettext as _
from housing.listings.date_change_wording import value_text
from housing.listings.models import DateChangeKind, Listing
from housing.lottery.wording import described_rule
from housing.schedule.services import DateChangeRefused


def refusal_text(refusal: DateChangeRefused, listing: Listing) -> str:
    """Why a change was refused, in words that say what to do instead."""
    detail = refusal.detail
    code = refusal.code
    if code == "rules_fixed":
        rule = described_rule(str(detail.get("rule", ""))) or str(detail.get("rule", ""))
        return _(
            "This change would alter the lottery's registered rules, so it is refused. The "
            "randomness rule registered when the listing was approved is: %(rule)s With "
            "applications closing %(due)s, the earliest the lottery can be drawn is %(earliest)s, "
            "after the lottery date (%(lottery)s). Postpone the lottery first.",
            rule=rule,
            due=format_local_datetime(detail["due_at"], listing.timezone, "medium"),
            earliest=format_local_datetime(detail["earliest"], listing.timezone, "medium"),
            lottery=format_local_date(detail["lottery_at"], listing.timezone),
        )
    if code == "not_later":
        kind = detail.get("kind", DateChangeKind.EXTEND_DEADLINE)
        return _(
            "Choose a date after the present one (%(date)s).",
            date=value_text(listing, kind, detail["current"]),
        )
    if code == "reason_too_long":
        return _("Use at most %(max)s characters.", max=detail.get("maximum", 0))
    return {
        "not_approved": _(
            "This listing is not approved yet: change its dates on its details page, and they "
            "are reviewed with the rest."
        ),
        "not_open": _("Applications are not open now, so they cannot be closed early."),
        "not_closed": _(
            "Applications are still open, so they cannot be reopened. Extend the deadline instead."
        ),
        "not_a_lottery": _("This listing has no lottery: applicants are served in order."),
        "finished": _("Applications for this listing are finished; its dates can no longer move."),
        "frozen": _(
            "The entrant list is frozen, so the deadline can no longer move: applications cannot "
            "be taken again without changing who is in the lottery."
        ),
        "draw_started": _("The lottery has been drawn or is being drawn, so it cannot be moved."),
        "in_past": _("Choose a date in the future."),
        "reason_required": _("Say why the dates change."),
        "already_decided": _("This request was already decided."),
    }.get(code, _("This change is not possible now."))


# The refusals that are about the date typed, shown beside the date field.
DATE_REFUSALS = frozenset({"in_past", "not_later", "rules_fixed"})
