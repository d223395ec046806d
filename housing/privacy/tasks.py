"""The erasure job, run daily by the worker's scheduler (or ``flask privacy erase``). Safe to
re-run, and to run twice at once: each batch is committed on its own, and a run takes only
applications not yet erased and not held by another run, so a run after a crash finishes what
was left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from housing.db_types import utcnow
from housing.extensions import db
from housing.privacy import services

# Applications erased per transaction, and proof files deleted per transaction.
ERASE_BATCH = 100
FILE_BATCH = 200


@dataclass
class Erasure:
    """What a run did, or (dry run) would do: applications per listing id, and files."""

    applications: dict[int, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        return sum(self.applications.values())


def erase_after() -> timedelta | None:
    """How long after lease-up closes data is erased; None when erasure is off."""
    days = current_app.config["HOUSING"].privacy_erase_after_days
    return None if days is None else timedelta(days=days)


def erase_due(now: datetime | None = None) -> Erasure:
    """Erase the personal data whose time has come, and delete the files of erased proofs
    (those a stopped run left first). Does nothing when erasure is off."""
    after = erase_after()
    done = Erasure()
    if after is None:
        return done
    now = now or utcnow()
    session = db.session
    try:
        done.files += _purge_files()
        for listing in services.due_listings(session, now, after):
            listing_id = listing.id
            while erased := services.erase_batch(session, listing_id, now, limit=ERASE_BATCH):
                session.commit()
                done.applications[listing_id] = done.applications.get(listing_id, 0) + erased
                done.files += _purge_files()
            session.commit()
    except Exception:
        session.rollback()  # the batch in progress only: those before it are committed
        raise
    return done


def _purge_files() -> int:
    session = db.session
    storage = current_app.extensions["storage"]
    deleted = 0
    while purged := services.purge_files(session, storage, limit=FILE_BATCH):
        session.commit()
        deleted += purged
    return deleted


def pending(now: datetime | None = None) -> Erasure:
    """What ``erase_due`` would do now, changing nothing."""
    after = erase_after()
    found = Erasure()
    if after is None:
        return found
    session = db.session
    found.files = services.count_files_left(session)
    for listing in services.due_listings(session, now or utcnow(), after):
        applications, files = services.count_to_erase(session, listing.id)
        if applications:
            found.applications[listing.id] = applications
            found.files += files
    session.rollback()
    return found
