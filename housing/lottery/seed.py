"""The seed inputs: the beacon round the registered rule names, and the revealed secrets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.lottery import log
from housing.lottery.access import HEX_DIGITS, LotteryRefused, drawn_since_freeze, get_lottery
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import (
    commitment,
    required_round,
)


def set_seed_inputs(
    session: AnySession,
    listing_id: int,
    actor: User | None,
    now: datetime,
    *,
    beacon_source: str,
    beacon_round: str,
    beacon_value: str,
    reveals: Mapping[str, str],
) -> Lottery:
    """Record the beacon round and value and reveal every commitment's secret."""
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.PREREGISTERED:
        raise LotteryRefused("not_frozen")
    if lottery.status is not LotteryStatus.FROZEN:
        raise LotteryRefused("already_drawn")
    if drawn_since_freeze(lottery):
        # A draw used these inputs: new ones only with a new freeze (and so a later round).
        raise LotteryRefused("refreeze_first")
    value = beacon_value.strip().lower()
    beacon_round = beacon_round.strip()
    if (
        not (beacon_round.isascii() and beacon_round.isdecimal())
        or len(beacon_round) > 20
        or not HEX_DIGITS.fullmatch(value)
    ):
        raise LotteryRefused("bad_beacon")
    wanted = beacon_round_of(lottery)
    if wanted is not None and int(beacon_round) != wanted:
        raise LotteryRefused("wrong_round", round=wanted)
    secrets = []
    for entry in lottery.commitments:
        secret = reveals.get(entry["name"], "")
        if not secret:
            raise LotteryRefused("reveal_missing", name=entry["name"])
        if commitment(secret) != entry["commitment"]:
            raise LotteryRefused("reveal_mismatch", name=entry["name"])
        secrets.append({"name": entry["name"], "commitment": entry["commitment"], "secret": secret})
    lottery.beacon = {
        "source": " ".join(beacon_source.split())[:200],
        "round": str(int(beacon_round)),
        "value": value,
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


def beacon_round_of(lottery: Lottery) -> int | None:
    """The beacon round the registered rule names for this freeze, if the rule has a schedule."""
    rule = lottery.rules.get("beacon")
    if rule is None or lottery.frozen_at is None:
        return None
    return required_round(rule, lottery.frozen_at.isoformat())
