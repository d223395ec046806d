"""What a message to an applicant says about its listing: handed to the outbox when the app is
made (``housing.notifications.hooks``), which knows no listing."""

from __future__ import annotations

from typing import Any

from housing.accounts.emails import external_url
from housing.db_types import AnySession
from housing.listings.models import Listing


def listing_facts(session: AnySession, listing_id: int, language: str) -> dict[str, Any]:
    """What a message says about its listing, in the reader's language where it is data."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        return {}
    return {
        "lookup": external_url("lottery_public.lookup", listing_id=listing_id),
        "listing_name": listing.localized("name", language),
        "office_hours": listing.localized("office_hours", language),
        "agent_name": listing.leasing_agent_name,
        "agent_phone": listing.leasing_agent_phone,
        "agent_email": listing.leasing_agent_email,
        "due_at": listing.application_due_at,
        "timezone": listing.timezone,
    }
