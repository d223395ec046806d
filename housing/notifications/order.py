"""The messages of one application go out in the order of their causes.

A household invited to send documents must not read the invitation before its lottery results,
though the results go out in a broadcast that may take minutes to reach it, and the invitation
in the fast lane. So before a delivery job sends a message to an application, it sends the
application's messages caused earlier that are still waiting: a broadcast's message not yet
written is written then (``broadcasts.write_ahead``), and one waiting in the pool or in
another job's batch is taken into this one, ahead. One that another job is sending at that
moment holds the later ones back until it is sent.

A message's cause is when its broadcast began, or when it was itself written. Letters are
posted by staff and take no part. A message waiting for its retry after a temporary failure
holds nothing back: a failing peer must not keep a household's other messages for hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from housing.db_types import AnySession, utcnow
from housing.notifications import broadcasts
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage

# A message another job has been sending for longer than this lost its worker (the sweep gives
# it back later): the household's later messages stop waiting for it.
SENDING_HOLD = timedelta(minutes=1)


@dataclass
class Ordered:
    """A batch in the order its messages go out; those ``held`` wait for an earlier message of
    their application that another job is sending."""

    messages: list[OutboundMessage]
    held: set[int] = field(default_factory=set)
    # Each message's cause, by id.
    causes: dict[int, datetime] = field(default_factory=dict)

    def cause(self, message: OutboundMessage) -> datetime:
        return self.causes[message.id]


def in_cause_order(
    session: AnySession, messages: Sequence[OutboundMessage], now: datetime
) -> Ordered:
    """``messages`` with the earlier-caused waiting messages of their applications before them,
    in the order of their causes; the caller commits what this wrote."""
    households = {
        message.application_id
        for message in messages
        if message.application_id is not None and message.channel is not Channel.LETTER
    }
    if not households:
        return Ordered(list(messages))
    began = _broadcast_starts(session, {m.broadcast_id for m in messages})
    ordered = Ordered(list(messages))
    for message in messages:
        ordered.causes[message.id] = _cause(message, began)
    latest: dict[int, datetime] = {}
    for message in messages:
        if message.application_id in households:
            moment = ordered.causes[message.id]
            latest[message.application_id] = max(latest.get(message.application_id, moment), moment)
    _write_ahead(session, messages, latest)
    now = max(now, utcnow())  # what was just written ahead is due
    in_batch = {message.id for message in messages}
    # Plain rows: in a deadline rush most of them are the batch's own messages.
    earlier = [
        row
        for row in session.execute(
            select(
                OutboundMessage.id,
                OutboundMessage.application_id,
                OutboundMessage.broadcast_id,
                OutboundMessage.state,
                OutboundMessage.next_attempt_at,
                OutboundMessage.created_at,
            ).where(
                OutboundMessage.application_id.in_(sorted(households)),
                OutboundMessage.state.in_((MessageState.PENDING, MessageState.SENDING)),
                OutboundMessage.channel != Channel.LETTER,
            )
        )
        if row.id not in in_batch
    ]
    began.update(_broadcast_starts(session, {row.broadcast_id for row in earlier}))
    waiting_for: dict[int, datetime] = {}
    pulled: dict[int, datetime] = {}
    for row in earlier:
        cause = _cause(row, began)
        if cause >= latest[row.application_id]:
            continue  # caused later: it goes after, in its own turn
        if row.state is MessageState.PENDING and row.next_attempt_at <= now:
            pulled[row.id] = cause
        elif row.state is MessageState.SENDING and row.next_attempt_at > now - SENDING_HOLD:
            first = waiting_for.get(row.application_id, cause)
            waiting_for[row.application_id] = min(first, cause)
    if pulled:
        ordered.messages += session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.id.in_(sorted(pulled)))
            .execution_options(populate_existing=True)
        ).all()
        ordered.causes.update(pulled)
    ordered.messages.sort(key=lambda message: (ordered.causes[message.id], message.id))
    for message in ordered.messages:
        held_since = waiting_for.get(message.application_id or 0)
        if held_since is not None and ordered.causes[message.id] > held_since:
            ordered.held.add(message.id)
    ordered.messages = [m for m in ordered.messages if m.id not in ordered.held]
    return ordered


class _Caused(Protocol):
    broadcast_id: int | None
    created_at: datetime


def _cause(message: _Caused, began: dict[int, datetime]) -> datetime:
    if message.broadcast_id is not None and message.broadcast_id in began:
        return began[message.broadcast_id]
    return message.created_at


def _broadcast_starts(session: AnySession, ids: set[int | None]) -> dict[int, datetime]:
    wanted = sorted(broadcast_id for broadcast_id in ids if broadcast_id is not None)
    if not wanted:
        return {}
    rows = session.execute(
        select(Broadcast.id, Broadcast.created_at).where(Broadcast.id.in_(wanted))
    ).all()
    return {row.id: row.created_at for row in rows}


def _write_ahead(
    session: AnySession, messages: Sequence[OutboundMessage], latest: dict[int, datetime]
) -> None:
    """Write the messages, to these applications, of the broadcasts of their listings that
    began before a message of theirs in the batch and have not reached them yet."""
    listings = {
        message.listing_id
        for message in messages
        if message.application_id in latest and message.listing_id is not None
    }
    if not listings:
        return
    unfinished = session.execute(
        select(Broadcast.id, Broadcast.listing_id, Broadcast.created_at, Broadcast.written_through)
        .where(Broadcast.finished_at.is_(None), Broadcast.listing_id.in_(sorted(listings)))
        .order_by(Broadcast.id)
    ).all()
    for broadcast in unfinished:
        behind = sorted(
            {
                message.application_id
                for message in messages
                if message.application_id in latest
                and message.listing_id == broadcast.listing_id
                and message.broadcast_id != broadcast.id
                and message.application_id > broadcast.written_through
                and latest[message.application_id] > broadcast.created_at
            }
        )
        for application_id in behind:
            broadcasts.write_ahead(session, broadcast.id, application_id)
