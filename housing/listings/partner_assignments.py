"""The listings staff can assign a partner to, handed to the account pages (which know no
listing) when the app is made."""

from __future__ import annotations

from sqlalchemy import select

from housing.accounts.hooks import AssignableListing
from housing.db_types import AnySession
from housing.listings.models import Listing


def assignable_listings(session: AnySession) -> list[AssignableListing]:
    """Every listing, by name."""
    rows = session.execute(select(Listing.id, Listing.name).order_by(Listing.name))
    return [AssignableListing(id=listing_id, name=name) for listing_id, name in rows]
