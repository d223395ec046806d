"""What the pages say about changes of a listing's dates: each kind and state, and the notice
residents read on the listing's page."""

from __future__ import annotations

from datetime import datetime

from housing.i18n import format_local_date, format_local_datetime
from housing.i18n import gettext as _
from housing.listings.date_changes import DateNotice
from housing.listings.models import DateChangeKind, DateChangeState, Listing


def kind_label(kind: DateChangeKind) -> str:
    return {
        DateChangeKind.EXTEND_DEADLINE: _("Extend the deadline"),
        DateChangeKind.CLOSE_EARLY: _("Close applications early"),
        DateChangeKind.REOPEN: _("Reopen applications"),
        DateChangeKind.POSTPONE_LOTTERY: _("Postpone the lottery"),
    }[kind]


def state_label(state: DateChangeState) -> str:
    return {
        DateChangeState.REQUESTED: _("Waiting for staff"),
        DateChangeState.APPLIED: _("Applied"),
        DateChangeState.REFUSED: _("Refused"),
    }[state]


def value_text(listing: Listing, kind: DateChangeKind, value: datetime | None) -> str:
    """A deadline to the minute; a lottery by its day (partners set it as a day)."""
    if value is None:
        return ""
    if kind is DateChangeKind.POSTPONE_LOTTERY:
        return format_local_date(value, listing.timezone)
    return format_local_datetime(value, listing.timezone, "medium")


def notice_text(notice: DateNotice, listing: Listing) -> str:
    """What the listing's page tells residents about one change."""
    zone = listing.timezone
    new = notice.new_value
    if notice.kind is DateChangeKind.EXTEND_DEADLINE and new is not None:
        return _(
            "The application deadline was extended to %(date)s.",
            date=format_local_datetime(new, zone, "medium"),
        )
    if notice.kind is DateChangeKind.CLOSE_EARLY and new is not None:
        return _(
            "Applications closed early on %(date)s.",
            date=format_local_datetime(new, zone, "medium"),
        )
    if notice.kind is DateChangeKind.REOPEN and new is not None:
        return _(
            "Applications were reopened until %(date)s.",
            date=format_local_datetime(new, zone, "medium"),
        )
    if new is not None:
        return _("The lottery was moved to %(date)s.", date=format_local_date(new, zone))
    return ""
