"""Removing uploads that no application will claim, so that uploading cannot fill the storage.

An upload expires once it is older than the configured age (a day) and is either claimed by no
application or held by a draft that can no longer be submitted (online: its listing's deadline
passed more than that age ago; on paper: the entrants are frozen). Submitted and withdrawn
applications keep their files.

Each batch deletes its rows and records their files in ``file_deletions`` in one transaction;
the files are deleted after the commit, then their records. A crash in between leaves records
that the next run finishes, so a file outlives its row only until then. Rows another
transaction holds (a submission attaching the file) are passed by, and a submission that comes
after the delete finds no file and says so: a run never removes a file a submission claimed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, delete, or_, select

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationDocument,
    ApplicationStatus,
    FileDeletion,
)
from housing.applications.services import FROZEN_STATUSES
from housing.db_types import AnySession
from housing.listings.models import Listing
from housing.storage import Storage

BATCH = 500


def expire_uploads(session: AnySession, storage: Storage, now: datetime, age: timedelta) -> int:
    """Remove every upload expired at ``now`` and the files of earlier runs' removals; the
    number of uploads removed. Commits as it goes; safe to repeat and to run twice at once."""
    removed = 0
    while True:
        taken = take_expired(session, now, age)
        session.commit()
        removed += len(taken)
        delete_files(session, storage)
        if len(taken) < BATCH:
            return removed


def take_expired(session: AnySession, now: datetime, age: timedelta) -> list[str]:
    """Delete up to BATCH expired uploads' rows and record their files for deletion, in the
    caller's transaction; the storage keys."""
    rows = session.execute(_expired(now - age)).all()
    if not rows:
        return []
    session.add_all(FileDeletion(storage_key=row.storage_key) for row in rows)
    session.execute(
        delete(ApplicationDocument)
        .where(ApplicationDocument.id.in_([row.id for row in rows]))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return [row.storage_key for row in rows]


def delete_files(session: AnySession, storage: Storage) -> None:
    """Delete the files whose rows are gone, then their records (committed)."""
    while keys := list(
        session.scalars(
            select(FileDeletion.storage_key).order_by(FileDeletion.storage_key).limit(BATCH)
        )
    ):
        for key in keys:
            storage.delete(key)
        session.execute(delete(FileDeletion).where(FileDeletion.storage_key.in_(keys)))
        session.commit()


def _expired(cutoff: datetime) -> Select[int, str]:
    past_its_listing = or_(
        and_(
            Application.channel == ApplicationChannel.ONLINE,
            Listing.application_due_at <= cutoff,
        ),
        and_(
            Application.channel == ApplicationChannel.PAPER,
            Listing.status.in_(FROZEN_STATUSES),
        ),
    )
    return (
        select(ApplicationDocument.id, ApplicationDocument.storage_key)
        .outerjoin(Application, Application.id == ApplicationDocument.application_id)
        .outerjoin(Listing, Listing.id == Application.listing_id)
        .where(
            ApplicationDocument.created_at <= cutoff,
            or_(
                ApplicationDocument.application_id.is_(None),
                and_(Application.status == ApplicationStatus.DRAFT, past_its_listing),
            ),
        )
        .order_by(ApplicationDocument.id)
        .limit(BATCH)
        .with_for_update(of=ApplicationDocument, skip_locked=True)
    )
