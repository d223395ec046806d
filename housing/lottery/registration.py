"""Pre-registration: the rules a lottery will be drawn by, fixed when its listing is approved,
and the commitments of parties who will reveal a secret after the freeze.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.listings.models import Listing, ListingType
from housing.lottery import log
from housing.lottery.access import HEX_DIGITS, LotteryRefused, get_lottery
from housing.lottery.bundle import DRAND_MAINNET_SCHEDULE
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import (
    ALGORITHM,
)

DUPLICATE_RULE = (
    "one application per household: applications sharing a household member's normalized "
    "name and date of birth, an email address or a home address are flagged and resolved by "
    "staff before the freeze"
)
RANDOMNESS_RULE = "the first drand mainnet round at or after the freeze plus 1 hour"
# The schedule behind that rule, registered with it, so anyone can compute the round.
BEACON_RULE = DRAND_MAINNET_SCHEDULE


def preregister(
    session: AnySession, listing: Listing, now: datetime, actor: User | None = None
) -> Lottery | None:
    """Record how the lottery will be drawn, when the listing is approved. Idempotent."""
    if listing.listing_type is not ListingType.LOTTERY:
        return None
    existing = session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first()
    if existing is not None:
        return existing
    rules = {
        "algorithm": ALGORITHM,
        "preferences": [
            {
                "code": choice.preference.code,
                "unit_share_percent": choice.unit_share_percent,
                "veteran_list": choice.veterans_first,
            }
            for choice in listing.preferences
        ],
        "duplicate_rule": DUPLICATE_RULE,
        "randomness_rule": RANDOMNESS_RULE,
        "beacon": BEACON_RULE,
    }
    lottery = Lottery(listing_id=listing.id, rules=rules, preregistered_at=now)
    session.add(lottery)
    session.flush()
    log.append(session, "preregister", now, listing_id=listing.id, actor=actor, detail=rules)
    return lottery


def rules_registered(session: AnySession, listing_id: int) -> bool:
    """Whether the listing's lottery rules are registered (its preferences among them)."""
    found = session.scalar(select(Lottery.id).where(Lottery.listing_id == listing_id))
    return found is not None


def add_commitment(
    session: AnySession, listing_id: int, name: str, digest: str, actor: User, now: datetime
) -> Lottery:
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is not LotteryStatus.PREREGISTERED:
        raise LotteryRefused("already_frozen")
    digest = digest.strip().lower()
    if len(digest) != 64 or not HEX_DIGITS.fullmatch(digest):
        raise LotteryRefused("bad_commitment")
    name = " ".join(name.split())[:80]
    if not name or any(entry["name"] == name for entry in lottery.commitments):
        raise LotteryRefused("commitment_name")
    entry = {"name": name, "commitment": digest, "at": now.isoformat()}
    lottery.commitments = [*lottery.commitments, entry]
    log.append(session, "commit", now, listing_id=listing_id, actor=actor, detail=entry)
    session.flush()
    return lottery
