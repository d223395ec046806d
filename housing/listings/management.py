"""Building and reviewing listings: the operations behind the partner and staff portals.

Every operation takes the acting user and checks, here, that they may act on the listing.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import Select, select

from housing import jobs
from housing.accounts.models import PartnerAssignment, Role, User
from housing.accounts.permissions import NotAllowed, assigned_listing_ids, ensure_can_manage_listing
from housing.audit.models import ActivityEntry, ListingVersion
from housing.audit.services import record
from housing.db_types import AnySession, utcnow
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.listings import hooks
from housing.listings.models import (
    NOT_YET_APPROVED,
    Listing,
    ListingDocument,
    ListingStatus,
    Unit,
)
from housing.listings.preferences import ListingPreference, Preference
from housing.storage import Storage

# The dates that, once a listing is approved, only a date change moves.
DATES_CHANGED_BY_DATE_CHANGE = frozenset({"application_due_at", "lottery_at", "results_at"})
EDITABLE_BY_PARTNERS = frozenset({ListingStatus.DRAFT, ListingStatus.CHANGES_REQUESTED})


class ListingNotFound(LookupError):
    pass


class StaleEdit(Exception):
    """Someone saved the listing after this form was opened; saving would overwrite them."""


class NotEditable(Exception):
    """The listing is under review or published; partners cannot change it now."""


class DatesChangedOnlyByDateChange(Exception):
    """The listing is approved: its deadline and lottery dates move only through a date change,
    with a reason, an announcement and the lottery's rules checked."""


class WrongStatus(Exception):
    """The listing is not in a status where this step applies."""


class IncompleteListing(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


def manageable_listings(user: User) -> Select[Any]:
    """Listings this user may manage: every listing for staff, assigned ones for partners."""
    query = select(Listing).order_by(Listing.updated_at.desc(), Listing.id)
    if user.role is Role.STAFF:
        return query
    if user.role is Role.PARTNER:
        return query.where(Listing.id.in_(assigned_listing_ids(user)))
    return query.where(Listing.id.is_(None))


def get_manageable_listing(session: AnySession, user: User, listing_id: int) -> Listing:
    try:
        ensure_can_manage_listing(session, user, listing_id)
    except NotAllowed:
        # Another partner's listing looks exactly like one that does not exist.
        raise ListingNotFound(listing_id) from None
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise ListingNotFound(listing_id)
    return listing


class RulesRegistered(NotEditable):
    """The listing's lottery rules, its preferences among them, are registered and fixed."""


def ensure_editable(listing: Listing, user: User) -> None:
    if user.role is not Role.STAFF and listing.status not in EDITABLE_BY_PARTNERS:
        raise NotEditable(listing.id)


def _snapshot(listing: Listing) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in Listing.__table__.columns:
        value = getattr(listing, column.key)
        values[column.key] = value.isoformat() if isinstance(value, datetime) else value
    values["units"] = [
        {c.key: str(getattr(unit, c.key)) for c in Unit.__table__.columns if c.key != "listing_id"}
        for unit in listing.units
    ]
    values["preferences"] = [
        {
            "id": chosen.id,
            "preference_id": chosen.preference_id,
            "rank": chosen.rank,
            "unit_share_percent": chosen.unit_share_percent,
            "veterans_first": chosen.veterans_first,
        }
        for chosen in listing.preferences
    ]
    values["documents"] = [
        {
            "id": document.id,
            "kind": document.kind.value,
            "title": document.title,
            "alt_text": document.alt_text,
            "original_filename": document.original_filename,
            "byte_size": document.byte_size,
        }
        for document in listing.documents
    ]
    return values


def listing_snapshot(listing: Listing) -> dict[str, Any]:
    """The listing as its versions keep it (JSON: amounts and choices as text)."""
    return cast(dict[str, Any], _json_safe(_snapshot(listing)))


def record_change(
    session: AnySession,
    listing: Listing,
    actor: User,
    action: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Keep a version of the listing and a line in the activity log for every change."""
    listing.updated_at = utcnow()
    session.flush()
    session.add(
        ListingVersion(
            listing_id=listing.id,
            version=listing.version,
            actor_id=actor.id,
            snapshot=listing_snapshot(listing),
        )
    )
    # The version the entry saw: the review page compares with the one staff last approved.
    record(
        session,
        actor,
        action,
        "listing",
        listing.id,
        {**(detail or {}), "version": listing.version},
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def create_listing(session: AnySession, actor: User, values: Mapping[str, Any]) -> Listing:
    if actor.role not in (Role.PARTNER, Role.STAFF):
        raise NotAllowed()
    listing = Listing(status=ListingStatus.DRAFT, **values)
    session.add(listing)
    session.flush()
    if actor.role is Role.PARTNER:
        session.add(PartnerAssignment(user_id=actor.id, listing_id=listing.id))
    record_change(session, listing, actor, "listing.created")
    return listing


# What a copy does not take from its listing: its identity, its place in the cycle, and the
# dates that belong to the round it ran (a copy starts as a draft whose dates are set again).
_NOT_COPIED = frozenset(
    {
        "id",
        "status",
        "version",
        "created_at",
        "updated_at",
        "publish_at",
        "lease_up_closed_at",
        "lottery_at",
        "results_at",
    }
)


def copy_listing(
    session: AnySession, actor: User, listing_id: int, storage: Storage, *, name: str
) -> Listing:
    """A new draft from a listing (a re-rental, a second phase): its building, rules, texts in
    every language, units (available again), preferences and documents (each file copied, so
    either listing may drop its own). Its partners manage the copy too."""
    source = get_manageable_listing(session, actor, listing_id)
    values = {
        column.key: copy.deepcopy(getattr(source, column.key))
        for column in Listing.__table__.columns
        if column.key not in _NOT_COPIED
    }
    values["name"] = name
    listing = Listing(status=ListingStatus.DRAFT, **values)
    listing.units = [
        Unit(
            **{
                column.key: getattr(unit, column.key)
                for column in Unit.__table__.columns
                if column.key not in {"id", "listing_id", "status"}
            }
        )
        for unit in source.units
    ]
    listing.preferences = [
        ListingPreference(
            preference_id=chosen.preference_id,
            rank=chosen.rank,
            unit_share_percent=chosen.unit_share_percent,
            veterans_first=chosen.veterans_first,
        )
        for chosen in source.preferences
    ]
    for document in source.documents:
        with storage.open(document.storage_key) as stream:
            key = storage.save(stream, suffix=PurePath(document.storage_key).suffix)
        listing.documents.append(
            ListingDocument(
                kind=document.kind,
                position=document.position,
                title=document.title,
                alt_text=document.alt_text,
                original_filename=document.original_filename,
                storage_key=key,
                content_type=document.content_type,
                byte_size=document.byte_size,
            )
        )
    session.add(listing)
    session.flush()
    managers = session.scalars(
        select(PartnerAssignment.user_id).where(PartnerAssignment.listing_id == source.id)
    ).all()
    if actor.role is Role.PARTNER and actor.id not in managers:
        managers = [*managers, actor.id]
    session.add_all(
        PartnerAssignment(user_id=user_id, listing_id=listing.id) for user_id in managers
    )
    record_change(session, listing, actor, "listing.copied", {"from": source.id})
    return listing


def source_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def update_listing(
    session: AnySession,
    actor: User,
    listing_id: int,
    expected_version: int,
    values: Mapping[str, Any],
) -> Listing:
    """Save the form's values unless someone else saved first (optimistic locking)."""
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    if listing.version != expected_version:
        raise StaleEdit(listing_id)
    changed = sorted(key for key, value in values.items() if getattr(listing, key) != value)
    if listing.status not in NOT_YET_APPROVED and set(changed) & DATES_CHANGED_BY_DATE_CHANGE:
        raise DatesChangedOnlyByDateChange(listing_id)
    for key, value in values.items():
        setattr(listing, key, value)
    record_change(session, listing, actor, "listing.edited", {"fields": changed})
    return listing


def stale_translations(listing: Listing, locale: str) -> list[str]:
    """Fields whose English text changed after this locale's translation was written."""
    entry: dict[str, Any] = dict((listing.translations or {}).get(locale, {}))
    sources: dict[str, str] = dict(entry.get("_sources", {}))
    return [
        field
        for field, text in entry.items()
        if field != "_sources"
        and text
        and sources.get(field) != source_digest(listing.source_text(field))
    ]


def save_translation(
    session: AnySession, actor: User, listing_id: int, locale: str, texts: Mapping[str, str]
) -> Listing:
    if locale not in LOCALE_CODES or locale == DEFAULT_LOCALE:
        raise ValueError(locale)
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    entry: dict[str, Any] = {field: text.strip() for field, text in texts.items() if text.strip()}
    entry["_sources"] = {field: source_digest(listing.source_text(field)) for field in entry}
    translations = dict(listing.translations or {})
    translations[locale] = entry
    listing.translations = translations
    record_change(session, listing, actor, "listing.translated", {"locale": locale})
    return listing


def save_unit(
    session: AnySession,
    actor: User,
    listing_id: int,
    unit_id: int | None,
    values: Mapping[str, Any],
) -> Unit:
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    if unit_id is None:
        unit = Unit(position=len(listing.units), **values)
        listing.units.append(unit)
    else:
        unit = _own_unit(listing, unit_id)
        for key, value in values.items():
            setattr(unit, key, value)
    record_change(session, listing, actor, "listing.unit_saved")
    return unit


def remove_unit(session: AnySession, actor: User, listing_id: int, unit_id: int) -> None:
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    listing.units.remove(_own_unit(listing, unit_id))
    record_change(session, listing, actor, "listing.unit_removed", {"unit": unit_id})


def _own_unit(listing: Listing, unit_id: int) -> Unit:
    for unit in listing.units:
        if unit.id == unit_id:
            return unit
    raise ListingNotFound(unit_id)


@dataclass(frozen=True)
class PreferenceChoice:
    preference_id: int
    rank: int
    unit_share_percent: int | None
    veterans_first: bool


def set_preferences(
    session: AnySession, actor: User, listing_id: int, choices: Sequence[PreferenceChoice]
) -> Listing:
    """Replace the listing's preferences with these, ordered by rank (ties keep form order)."""
    listing = get_manageable_listing(session, actor, listing_id)
    ensure_editable(listing, actor)
    if hooks.lottery_rules().registered(session, listing.id):
        raise RulesRegistered(listing.id)
    known = set(session.scalars(select(Preference.id)).all())
    if any(choice.preference_id not in known for choice in choices):
        raise ListingNotFound("preference")
    listing.preferences.clear()
    session.flush()
    for rank, choice in enumerate(sorted(choices, key=lambda c: c.rank), start=1):
        listing.preferences.append(
            ListingPreference(
                preference_id=choice.preference_id,
                rank=rank,
                unit_share_percent=choice.unit_share_percent,
                veterans_first=choice.veterans_first,
            )
        )
    record_change(session, listing, actor, "listing.preferences_set", {"count": len(choices)})
    return listing


def completeness_problems(listing: Listing) -> list[str]:
    """What a listing still lacks before staff can review it (codes, worded by the view)."""
    problems = []
    if not listing.units:
        problems.append("no_units")
    if not listing.leasing_agent_email or not listing.leasing_agent_phone:
        problems.append("no_contact")
    if not listing.description:
        problems.append("no_description")
    if listing.application_due_at <= utcnow():
        problems.append("deadline_passed")
    return problems


def submit_for_review(session: AnySession, actor: User, listing_id: int) -> Listing:
    listing = get_manageable_listing(session, actor, listing_id)
    if listing.status not in EDITABLE_BY_PARTNERS:
        raise WrongStatus(listing.status)
    problems = completeness_problems(listing)
    if problems:
        raise IncompleteListing(problems)
    listing.status = ListingStatus.PENDING_REVIEW
    record_change(session, listing, actor, "listing.submitted")
    return listing


def approve_listing(
    session: AnySession, actor: User, listing_id: int, publish_at: datetime | None
) -> Listing:
    """Staff approve; a listing is published now or at the scheduled moment."""
    if actor.role is not Role.STAFF:
        raise NotAllowed()
    lottery_rules = hooks.lottery_rules()
    listing = get_manageable_listing(session, actor, listing_id)
    if listing.status is not ListingStatus.PENDING_REVIEW:
        raise WrongStatus(listing.status)
    listing.status = ListingStatus.APPROVED
    listing.publish_at = publish_at
    # The rules the lottery will be drawn by are fixed now, in the approval's transaction.
    lottery_rules.register(session, listing, utcnow(), actor)
    record_change(
        session,
        listing,
        actor,
        "listing.approved",
        {"publish_at": publish_at.isoformat() if publish_at else None},
    )
    # Published with its window already begun, it opens now: its alerts need not wait for
    # the periodic job (which announces the others when their time comes).
    jobs.enqueue_after_commit(
        session, "housing.alerts.tasks.announce_openings", queue_name=jobs.DEFAULT_QUEUE
    )
    return listing


def request_changes(session: AnySession, actor: User, listing_id: int, reason: str) -> Listing:
    if actor.role is not Role.STAFF:
        raise NotAllowed()
    listing = get_manageable_listing(session, actor, listing_id)
    if listing.status is not ListingStatus.PENDING_REVIEW:
        raise WrongStatus(listing.status)
    listing.status = ListingStatus.CHANGES_REQUESTED
    record_change(session, listing, actor, "listing.changes_requested", {"reason": reason})
    return listing


def review_queue(session: AnySession) -> list[Listing]:
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.status == ListingStatus.PENDING_REVIEW)
            .order_by(Listing.updated_at)
        ).all()
    )


def last_change_request(session: AnySession, listing_id: int) -> str | None:
    entry = session.scalars(
        select(ActivityEntry)
        .where(
            ActivityEntry.subject_type == "listing",
            ActivityEntry.subject_id == listing_id,
            ActivityEntry.action == "listing.changes_requested",
        )
        .order_by(ActivityEntry.id.desc())
    ).first()
    return str(entry.detail.get("reason")) if entry else None
