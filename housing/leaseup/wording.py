"""Lease-up in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.leaseup.statuses import LeaseStatus

STATUS_NAMES = {
    LeaseStatus.PROCESSING: _l("Processing"),
    LeaseStatus.INVITED: _l("Invited to send documents"),
    LeaseStatus.DOCUMENTS_RECEIVED: _l("Documents received"),
    LeaseStatus.APPROVED: _l("Approved"),
    LeaseStatus.LEASE_SIGNED: _l("Lease signed"),
    LeaseStatus.APPEALED: _l("Appealed"),
    LeaseStatus.WAITLISTED: _l("On the waitlist"),
    LeaseStatus.WITHDRAWN: _l("Withdrawn"),
    LeaseStatus.DECLINED: _l("Declined the offer"),
    LeaseStatus.DISQUALIFIED: _l("Disqualified"),
    LeaseStatus.REMOVED: _l("Removed from the waitlist"),
}


def status_text(value: str | LeaseStatus | None) -> str:
    if not value:
        return _("Not contacted yet")
    return str(STATUS_NAMES[LeaseStatus(value)])


def event_text(kind: str) -> str:
    texts = {
        "status": _l("Status changed"),
        "comment": _l("Comment"),
        "documents_requested": _l("Invited to send documents"),
        "documents_received": _l("Documents and detailed application received"),
        "declined": _l("The household declined the offer"),
    }
    return str(texts.get(kind, kind))


def refusal_text(code: str, detail: Mapping[str, Any] | None = None) -> str:
    detail = detail or {}
    number = detail.get("number")
    texts = {
        "no_results": lambda: _("Lease-up starts once the lottery results are published."),
        "changed_meanwhile": lambda: _(
            "Someone else changed this household while you were working (it is now: "
            "%(status)s). Nothing was saved; read the page again and redo your change.",
            status=status_text(detail.get("status")),
        ),
        "not_allowed": lambda: _(
            "A household that is %(current)s cannot be moved to %(to)s.",
            current=status_text(detail.get("current")),
            to=status_text(detail.get("to")),
        ),
        "reason_required": lambda: _("Give a reason: the household will be told it."),
        "not_next": lambda: _(
            "This household is not next in line: contact the households marked "
            '"next to contact" first.'
        ),
        "not_ranked": lambda: _("This application is not in the published results."),
        "unknown_unit": lambda: _("Choose one of this listing's units."),
        "none_chosen": lambda: _("Choose at least one household."),
        "comment_required": lambda: _("Write a comment."),
        "due_in_past": lambda: _("The deadline must be in the future."),
        "reopen_early": lambda: _(
            "Units are still being offered. A household that leaves before signing frees its "
            "unit by itself; record a unit as free again only once every unit is held."
        ),
        "units_not_filled": lambda: _(
            "Units are still free: offer them before forming the waitlist."
        ),
    }
    text = texts[code]() if code in texts else _("This change cannot be made.")
    if number:
        return _("Application %(number)s: %(problem)s", number=number, problem=text)
    return text


def link_text(code: str) -> str:
    texts = {
        "unknown": _l("This link is not valid. Use the link in the latest message we sent you."),
        "cancelled": _l(
            "This link was replaced by a newer one. Use the link in the latest message we sent you."
        ),
        "answered": _l("Your documents were already received. Thank you."),
        "declined": _l(
            "You have already declined this offer. Contact the leasing office if this is a mistake."
        ),
        "past_due": _l(
            "The deadline to send documents has passed. Contact the leasing office if you "
            "still want to be considered."
        ),
        "someone_else": _l(
            "This link belongs to another person's application. Sign out, or open it from "
            "the message the household received."
        ),
    }
    return str(texts.get(code, texts["unknown"]))
