"""What staff read before approving a listing: what changed since they last approved it.

Every saved change keeps the listing as it then was (``management.record_change``: its fields,
texts in every language, units, preferences and documents), and the activity log names the
version each entry saw. The listing now is compared with the version of its last approval,
field by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from housing.audit.models import ActivityEntry, ListingVersion
from housing.db_types import AnySession
from housing.listings.management import listing_snapshot
from housing.listings.models import Listing

# What every save changes, or what the review itself sets: never a partner's change.
_IGNORED = frozenset({"id", "version", "created_at", "updated_at", "status", "publish_at"})
# Parts kept as lists of rows, each row known by its id.
_ROWS = ("units", "preferences", "documents")

Path = tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One value that differs: where (``path``: a field, a locale's field, or a row's field),
    and its text before and after ("" when it was not there)."""

    path: Path
    before: str
    after: str


def approved_snapshot(session: AnySession, listing_id: int) -> dict[str, Any] | None:
    """The listing as staff last approved it, or None (never approved, or approved before
    the log named versions)."""
    detail = session.scalars(
        select(ActivityEntry.detail)
        .where(
            ActivityEntry.subject_type == "listing",
            ActivityEntry.subject_id == listing_id,
            ActivityEntry.action == "listing.approved",
        )
        .order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
        .limit(1)
    ).first()
    version = detail.get("version") if isinstance(detail, dict) else None
    if version is None:
        return None
    return session.scalars(
        select(ListingVersion.snapshot)
        .where(ListingVersion.listing_id == listing_id, ListingVersion.version == version)
        .order_by(ListingVersion.id.desc())
        .limit(1)
    ).first()


def changes_since_approval(session: AnySession, listing: Listing) -> list[Change] | None:
    """Every value that differs from the last approved version; None when there is none."""
    before = approved_snapshot(session, listing.id)
    if before is None:
        return None
    return changes(before, listing_snapshot(listing))


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    old, new = _flat(before), _flat(after)
    return [
        Change(path, old.get(path, ""), new.get(path, ""))
        for path in sorted(old.keys() | new.keys())
        if old.get(path, "") != new.get(path, "")
    ]


def _flat(snapshot: Mapping[str, Any]) -> dict[Path, str]:
    values: dict[Path, str] = {}
    for key, value in snapshot.items():
        if key in _IGNORED:
            continue
        if key in _ROWS:
            for row in value or []:
                for field, item in row.items():
                    if field not in ("id", "listing_id"):
                        values[(key, str(row.get("id")), field)] = _text(item)
        elif key == "translations":
            for locale, texts in (value or {}).items():
                for field, text in texts.items():
                    values[(key, locale, field)] = _text(text)
        else:
            values[(key,)] = _text(value)
    return values


def _text(value: Any) -> str:
    if value is None or value == "None":
        return ""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(_text(item) for item in value)
    return str(value)
