"""Asking for an export, listing a listing's exports, and handing one over.

Every operation checks, here, that the acting user may manage the listing; demographic
answers are for staff only, whatever a form sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from housing.accounts.models import Role, User
from housing.audit.services import record
from housing.db_types import AnySession
from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
from housing.listings.management import get_manageable_listing
from housing.lottery.lookup import published_run

# How long a finished export can be downloaded; the sweep deletes its file afterwards.
KEEP_FOR = timedelta(hours=24)
RECENT = 20


class ExportRefused(Exception):
    """The export cannot be made; ``code`` says why (see wording.refusal_text)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ExportNotFound(LookupError):
    """No such export for this user: another listing's, or one they may not see."""


class ExportUnavailable(Exception):
    """The export exists but cannot be downloaded: not ready, failed, or expired."""


def may_see_demographics(user: User) -> bool:
    return user.role is Role.STAFF


def request_export(
    session: AnySession,
    listing_id: int,
    actor: User,
    kind: ExportKind,
    file_format: ExportFormat,
    now: datetime,
    *,
    include_demographics: bool = False,
    language: str = "en",
) -> Export:
    """A queued export; the caller commits, then hands it to ``tasks.start``. A partner's
    ``include_demographics`` is ignored: their file has no demographic column at all."""
    get_manageable_listing(session, actor, listing_id)
    if kind is ExportKind.RESULTS and published_run(session, listing_id) is None:
        raise ExportRefused("no_results")
    export = Export(
        listing_id=listing_id,
        kind=kind,
        file_format=file_format,
        requested_by_id=actor.id,
        requested_at=now,
        language=language,
        include_demographics=(
            include_demographics and kind is ExportKind.APPLICATIONS and may_see_demographics(actor)
        ),
        state=ExportState.QUEUED,
    )
    session.add(export)
    session.flush()
    record(
        session,
        actor,
        "export_requested",
        "export",
        export.id,
        {
            "listing_id": listing_id,
            "kind": kind.value,
            "format": file_format.value,
            "include_demographics": export.include_demographics,
        },
    )
    return export


def visible_exports(
    session: AnySession, listing_id: int, user: User, limit: int = RECENT
) -> list[Export]:
    """The listing's latest exports this user may see (partners never see staff's exports
    with demographics), newest first. The caller has checked the listing."""
    query = select(Export).where(Export.listing_id == listing_id)
    if not may_see_demographics(user):
        query = query.where(Export.include_demographics.is_(False))
    return list(
        session.scalars(query.order_by(Export.requested_at.desc(), Export.id.desc()).limit(limit))
    )


def get_export(session: AnySession, listing_id: int, export_id: int, user: User) -> Export:
    get_manageable_listing(session, user, listing_id)
    export = session.get(Export, export_id)
    if (
        export is None
        or export.listing_id != listing_id
        or (export.include_demographics and not may_see_demographics(user))
    ):
        raise ExportNotFound(export_id)
    return export


def hand_over(
    session: AnySession, listing_id: int, export_id: int, user: User, now: datetime
) -> Export:
    """The export to download, recorded as downloaded by ``user``; the caller commits."""
    export = get_export(session, listing_id, export_id, user)
    if not export.is_downloadable(now):
        raise ExportUnavailable(export_id)
    record(
        session,
        user,
        "export_downloaded",
        "export",
        export.id,
        {
            "listing_id": listing_id,
            "kind": export.kind.value,
            "format": export.file_format.value,
            "include_demographics": export.include_demographics,
        },
    )
    return export
