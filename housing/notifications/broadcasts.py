"""Who a broadcast goes to, and what each of their messages says.

A broadcast's recipients are read in application-id order a chunk at a time; each template that
is broadcast names the function that reads them. Adding one is a template and an entry here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from housing.accounts.models import User
from housing.applications.models import Application
from housing.db_types import AnySession, utcnow
from housing.lottery.models import LotteryRank
from housing.notifications.contacts import addressed_context, contacts
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage

CHUNK = 1000


@dataclass(frozen=True)
class Recipient:
    application_id: int
    user_id: int | None
    language: str
    answers: Mapping[str, Any]
    context: dict[str, Any]
    # The applicant's account's email address, if the account confirmed it.
    confirmed_email: str | None = None


def results_recipients(
    session: AnySession, broadcast: Broadcast, after_id: int, limit: int
) -> list[Recipient]:
    """Every entrant of the published run, with their own places."""
    rows = session.execute(
        select(
            Application.id,
            Application.user_id,
            Application.language,
            Application.submitted_answers,
            Application.public_id,
            Application.lottery_number,
            LotteryRank.master_rank,
            LotteryRank.list_ranks,
            User.email,
            User.email_confirmed_at,
        )
        .join(LotteryRank, LotteryRank.application_id == Application.id)
        .outerjoin(User, User.id == Application.user_id)
        .where(LotteryRank.run_id == broadcast.context["run_id"], Application.id > after_id)
        .order_by(Application.id)
        .limit(limit)
    ).all()
    return [
        Recipient(
            application_id=row.id,
            user_id=row.user_id,
            language=row.language,
            answers=row.submitted_answers or {},
            context={
                "name": str(
                    ((row.submitted_answers or {}).get("applicant") or {}).get("first_name") or ""
                ),
                "application_number": row.public_id,
                "lottery_number": row.lottery_number,
                "master_rank": row.master_rank,
                "list_ranks": row.list_ranks,
            },
            confirmed_email=row.email if row.email_confirmed_at is not None else None,
        )
        for row in rows
    ]


RECIPIENTS: dict[str, Callable[[AnySession, Broadcast, int, int], list[Recipient]]] = {
    "results_published": results_recipients,
    "results_retracted": results_recipients,
}


def write_chunk(session: AnySession, broadcast_id: int, size: int = CHUNK) -> list[int] | None:
    """Write the next chunk of a broadcast's messages; the ids to deliver, or None when it is
    finished. The caller commits; the row lock keeps two writers from taking the same chunk."""
    broadcast = session.scalars(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    ).first()
    if broadcast is None or broadcast.finished_at is not None:
        return None
    recipients = RECIPIENTS[broadcast.template](session, broadcast, broadcast.written_through, size)
    now = utcnow()
    if not recipients:
        broadcast.finished_at = now
        return None
    rows = [
        {
            "idempotency_key": f"b{broadcast.id}-{recipient.application_id}-{channel.value}",
            "channel": channel,
            "recipient": address,
            "language": recipient.language,
            "template": broadcast.template,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "context": addressed_context(
                recipient.context, channel, address, recipient.confirmed_email
            ),
            "user_id": recipient.user_id,
            "listing_id": broadcast.listing_id,
            "application_id": recipient.application_id,
            "broadcast_id": broadcast.id,
            "state": MessageState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "failure_reason": "",
            "created_at": now,
            "provider_id": "",
        }
        for recipient in recipients
        for channel, address in contacts(recipient.answers, letter=True)
    ]
    written = (
        session.execute(
            insert(OutboundMessage).returning(OutboundMessage.id, OutboundMessage.channel), rows
        ).all()
        if rows
        else []
    )
    broadcast.written_through = recipients[-1].application_id
    broadcast.written += len(rows)
    return [message_id for message_id, channel in written if channel is not Channel.LETTER]
