"""The seed inputs: the beacon round the registered rule names, and the revealed secrets.

Nothing here may be chosen after the freeze. The round is the one the rule names for the
freeze time, and is refused until the beacon has published it; its value must be the SHA-256
of the round's signature, as drand publishes it; and where a beacon address is configured,
the round is fetched and a typed value must be the fetched one. The source is the rule's, so
no other spelling of it can change the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.lottery import log
from housing.lottery.access import HEX_DIGITS, LotteryRefused, drawn_since_freeze, get_lottery
from housing.lottery.beacon import BeaconUnavailable, fetch_round, is_round_number, is_signature
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import (
    commitment,
    required_round,
    round_time,
    value_from_signature,
)

# How the recorded beacon came to be: read from the beacon here, or typed by staff (and then
# checked only against its own signature).
FETCHED = "fetched"
TYPED = "typed"
VALUE_HEX_LENGTH = 64


def set_seed_inputs(
    session: AnySession,
    listing_id: int,
    actor: User | None,
    now: datetime,
    *,
    beacon_source: str,
    beacon_round: str,
    beacon_value: str = "",
    beacon_signature: str = "",
    reveals: Mapping[str, str],
    beacon_url: str | None = None,
) -> Lottery:
    """Record the beacon round, its value and signature, and reveal every commitment's secret.

    With ``beacon_url`` the round is read from the beacon (a typed value or signature must be
    the one it gives) and nothing is saved while the beacon cannot be reached; without it,
    staff type the value and signature from the beacon's public record."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.PREREGISTERED:
        raise LotteryRefused("not_frozen")
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused("already_drawn")
    if drawn_since_freeze(lottery):
        # A draw used these inputs: new ones only with a new freeze (and so a later round).
        raise LotteryRefused("refreeze_first")
    beacon_round = beacon_round.strip()
    if not is_round_number(beacon_round):
        raise LotteryRefused("bad_beacon")
    rule: Mapping[str, Any] = lottery.rules.get("beacon") or {}
    source = " ".join(beacon_source.split())[:200]
    registered_source = str(rule.get("source", ""))
    if registered_source and source not in ("", registered_source):
        raise LotteryRefused("wrong_source", source=registered_source)
    wanted = beacon_round_of(lottery)
    if wanted is not None and int(beacon_round) != wanted:
        raise LotteryRefused("wrong_round", round=wanted)
    published_at = round_published_at(lottery, int(beacon_round))
    if published_at is not None and now < published_at:
        raise LotteryRefused(
            "round_not_yet",
            round=int(beacon_round),
            at=published_at,
            timezone=lottery.listing.timezone,
        )
    value = beacon_value.strip().lower()
    signature = "".join(beacon_signature.split()).lower()
    if (value and not _is_value(value)) or (signature and not is_signature(signature)):
        raise LotteryRefused("bad_beacon")
    if beacon_url is None:
        if not value or not signature:
            raise LotteryRefused("bad_beacon")
        if value_from_signature(signature) != value:
            raise LotteryRefused("value_not_signature", round=int(beacon_round))
    secrets = _revealed(lottery, reveals)
    if beacon_url is not None:
        try:
            fetched = fetch_round(
                beacon_url, beacon_round, chain_hash=str(rule.get("chain_hash", ""))
            )
        except BeaconUnavailable:
            raise LotteryRefused("beacon_unreachable", round=int(beacon_round)) from None
        if value not in ("", fetched.value) or signature not in ("", fetched.signature):
            raise LotteryRefused("beacon_mismatch", round=int(beacon_round))
        value, signature, obtained = fetched.value, fetched.signature, FETCHED
    else:
        obtained = TYPED
    lottery.beacon = {
        "source": registered_source or source,
        "round": str(int(beacon_round)),
        "value": value,
        "signature": signature,
        "obtained": obtained,
    }
    lottery.secrets = secrets
    log.append(
        session,
        "seed_inputs",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={"beacon": lottery.beacon, "revealed": [entry["name"] for entry in secrets]},
    )
    session.flush()
    return lottery


def _is_value(text: str) -> bool:
    return len(text) == VALUE_HEX_LENGTH and bool(HEX_DIGITS.fullmatch(text))


def _revealed(lottery: Lottery, reveals: Mapping[str, str]) -> list[dict[str, str]]:
    """Every commitment with its secret, each checked against what was committed."""
    secrets = []
    for entry in lottery.commitments:
        secret = reveals.get(entry["name"], "")
        if not secret:
            raise LotteryRefused("reveal_missing", name=entry["name"])
        if commitment(secret) != entry["commitment"]:
            raise LotteryRefused("reveal_mismatch", name=entry["name"])
        secrets.append({"name": entry["name"], "commitment": entry["commitment"], "secret": secret})
    return secrets


def beacon_round_of(lottery: Lottery) -> int | None:
    """The beacon round the registered rule names for this freeze, if the rule has a schedule."""
    rule = lottery.rules.get("beacon")
    if rule is None or lottery.frozen_at is None:
        return None
    return required_round(rule, lottery.frozen_at.isoformat())


def round_published_at(lottery: Lottery, beacon_round: int | None = None) -> datetime | None:
    """When the beacon publishes a round (by default the one the rule names): before then
    nobody can know its value, so nobody may enter it."""
    rule = lottery.rules.get("beacon")
    if beacon_round is None:
        beacon_round = beacon_round_of(lottery)
    if rule is None or beacon_round is None:
        return None
    return datetime.fromtimestamp(round_time(rule, beacon_round), UTC)
