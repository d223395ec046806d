"""The alert jobs, run by the worker's scheduler. Both are safe to re-run and to run twice at
once: a listing's opening is announced by whichever run writes its row first, and each alert
is unique per subscription and listing."""

from __future__ import annotations

from datetime import datetime

from housing.alerts import services
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing
from housing.notifications.tasks import send_after_commit


def announce_openings(now: datetime | None = None) -> dict[int, int]:
    """Write the alerts of every listing that has opened since the last run, one listing per
    transaction, and hand them to delivery; alerts written per listing id."""
    now = now or utcnow()
    session = db.session
    announced: dict[int, int] = {}
    for listing_id in [listing.id for listing in services.newly_open_listings(session, now)]:
        try:
            listing = session.get(Listing, listing_id)
            if listing is None:
                continue
            written = services.announce_opening(session, listing, now)
            session.commit()
        except Exception:
            session.rollback()
            raise
        if written is not None:
            announced[listing_id] = written
        send_after_commit()
    return announced


def erase_unconfirmed(now: datetime | None = None) -> int:
    """Erase the sign-ups never confirmed in time."""
    session = db.session
    erased = services.erase_unconfirmed(session, now or utcnow())
    session.commit()
    return erased
