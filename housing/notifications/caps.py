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
from datetime import date, datetime

from flask import current_app
from sqlalchemy import delete, update
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
    }
)


def daily_limit() -> int:
    return int(current_app.config["HOUSING"].messages_per_address_per_day)


def address_key(channel: Channel, recipient: str) -> str:
    """The address as counted: a digest keyed with the app's secret, so the counts name no one."""
    secret = current_app.config["HOUSING"].secret_key.encode()
    address = f"{channel.value}:{recipient.strip().casefold()}".encode()
    return hmac.new(secret, address, hashlib.sha256).hexdigest()


def count_message(session: AnySession, channel: Channel, recipient: str, day: date) -> int:
    """One more message to this address on this day; how many that makes. The row stays locked
    until the caller commits, so two workers counting the same address take turns."""
    table = MessageCount.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(address_key=address_key(channel, recipient), day=day, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.address_key, table.c.day],
            set_={"count": table.c.count + 1},
        )
        .returning(table.c.count)
    )
    return int(session.execute(statement).scalar_one())


def admit(session: AnySession, message: OutboundMessage, now: datetime) -> bool:
    """Count a message about to be sent for the first time; False when it is one too many for
    its address today, and then it is held (suppressed, with the reason) instead."""
    limit = daily_limit()
    if limit <= 0:
        return True
    sent = count_message(session, message.channel, message.recipient, now.date())
    if sent <= limit or message.template in ESSENTIAL_TEMPLATES:
        return True
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
    return False


def forget_before(session: AnySession, day: date) -> None:
    """The counts of days before this one are no longer needed."""
    session.execute(delete(MessageCount).where(MessageCount.day < day))
