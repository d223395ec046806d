"""How many messages one address is sent in a day.

Anyone may type any email address or phone number into an application, so without a limit the
portal could be made to send a stranger any number of messages. Each address has a count per
UTC day in the database, so the limit holds across hosts and whether or not Redis answers. A
message is counted as it is first handed to its channel; one past the day's limit is not sent
but kept, suppressed with the reason, in the delivery log and the logs. The messages that tell
a household where it stands (ESSENTIAL_TEMPLATES: lottery results, decisions of staff about
its application) are counted but always sent: no one outside can cause them in numbers, and
missing one can cost a household its place.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import cast

from flask import current_app
from sqlalchemy import Table, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from housing.db_types import AnySession
from housing.notifications.models import Channel, MessageCount, MessageState, OutboundMessage
from housing.notifications.services import log_event

log = logging.getLogger(__name__)

ESSENTIAL_TEMPLATES = frozenset(
    {
        "results_published",
        "results_retracted",
        "claim_decided",
        "duplicate_entry",
        "documents_requested",
        "lease_status",
        "listing_dates_changed",
    }
)


def daily_limit() -> int:
    return int(current_app.config["HOUSING"].messages_per_address_per_day)


def address_key(channel: Channel, recipient: str) -> str:
    """The address as counted: a digest keyed with the app's secret, so the counts name no one."""
    secret = current_app.config["HOUSING"].secret_key.encode()
    address = f"{channel.value}:{recipient.strip().casefold()}".encode()
    return hmac.new(secret, address, hashlib.sha256).hexdigest()


def count_messages(session: AnySession, added: Counter[str], day: date) -> dict[str, int]:
    """So many more messages to each address (by key) on this day, in one statement; how many
    each address then has. The rows are taken in the order of their keys, so two workers
    counting the same addresses take turns instead of waiting for each other."""
    table = cast(Table, MessageCount.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = insert(table).values(
        [{"address_key": key, "day": day, "count": added[key]} for key in sorted(added)]
    )
    statement = rows.on_conflict_do_update(
        index_elements=[table.c.address_key, table.c.day],
        set_={"count": table.c.count + rows.excluded.count},
    ).returning(table.c.address_key, table.c.count)
    return cast(dict[str, int], dict(session.execute(statement).all()))


def hold_past_limit(
    session: AnySession, messages: Sequence[OutboundMessage], now: datetime
) -> list[int]:
    """Count messages about to be sent for the first time, in their order; hold (suppress, with
    the reason) each that is one too many for its address today. The ids of those held."""
    limit = daily_limit()
    if limit <= 0 or not messages:
        return []
    keys = [address_key(message.channel, message.recipient) for message in messages]
    added = Counter(keys)
    counts = count_messages(session, added, now.date())
    # The count each message makes: those before it in this group come first.
    before = {key: counts[key] - added[key] for key in added}
    held = []
    for message, key in zip(messages, keys, strict=True):
        before[key] += 1
        if before[key] > limit and message.template not in ESSENTIAL_TEMPLATES:
            _hold(session, message, limit, now)
            held.append(message.id)
    return held


def _hold(session: AnySession, message: OutboundMessage, limit: int, now: datetime) -> None:
    reason = f"held: this address was sent {limit} messages today, the most a day allows"
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message.id)
        .values(state=MessageState.SUPPRESSED, failure_reason=reason)
        .execution_options(synchronize_session=False)
    )
    log_event(session, message.id, "held", reason, at=now)
    log.warning(
        "message %s (%s, %s) held: its address is past the daily cap of %s messages",
        message.id,
        message.template,
        message.channel.value,
        limit,
    )


def forget_before(session: AnySession, day: date) -> None:
    """The counts of days before this one are no longer needed."""
    session.execute(delete(MessageCount).where(MessageCount.day < day))
