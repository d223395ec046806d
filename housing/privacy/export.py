"""Everything the portal holds about one application, as a resident downloads it: the answers
(as submitted, and any changes not submitted yet), each version, the proofs' names, types and
sizes (not their bytes, which the application page already serves one by one), the messages
written to the household, staff's decisions on its preference claims, its lease-up status and
history, its ranks in the published results, and its dates.

Staff's internal comments in lease-up are their working notes and are left out; what the
household was told (statuses, reasons, requests for documents) is in.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications.models import Application, PreferenceDecision
from housing.db_types import AnySession
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent
from housing.lottery.application_facts import application_ranks
from housing.notifications.models import OutboundMessage
from housing.notifications.services import rendered

FORMAT = "housing-portal/personal-data/1"


def personal_data(session: AnySession, application: Application, now: datetime) -> dict[str, Any]:
    listing = application.listing
    held: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": now,
        "application": {
            "number": application.public_id,
            "lottery_number": application.lottery_number,
            "listing": {"id": listing.id, "name": listing.name},
            "status": application.status.value,
            "channel": application.channel.value,
            "language": application.language,
            "created_at": application.created_at,
            "updated_at": application.updated_at,
            "submitted_at": application.submitted_at,
            "withdrawn_at": application.withdrawn_at,
            "received_on": application.received_on,
            "reminders_stopped_at": application.reminders_stopped_at,
            "erased_at": application.erased_at,
        },
        "answers": application.submitted_answers
        if application.submitted_answers is not None
        else application.answers,
        "changes_not_submitted": application.answers
        if application.has_unsubmitted_changes
        else None,
        "account": _account(session, application.user_id),
        "versions": [
            {"number": v.number, "action": v.action, "at": v.at, "answers": v.answers}
            for v in application.versions
        ],
        "documents": [
            {
                "id": document.public_id,
                "filename": document.original_filename,
                "content_type": document.content_type,
                "bytes": document.byte_size,
                "uploaded_at": document.created_at,
            }
            for document in application.documents
        ],
        "preference_decisions": [
            {
                "list": decision.preference_code,
                "valid": decision.valid,
                "reason": decision.reason,
                "decided_at": decision.decided_at,
            }
            for decision in session.scalars(
                select(PreferenceDecision)
                .where(PreferenceDecision.application_id == application.id)
                .order_by(PreferenceDecision.decided_at, PreferenceDecision.id)
            )
        ],
        "lottery": _lottery(session, application),
        "lease_up": _lease_up(session, application.id),
        "messages": _messages(session, application.id),
    }
    return held


def as_json(held: dict[str, Any]) -> str:
    return json.dumps(held, default=_plain, ensure_ascii=False, indent=2, sort_keys=False)


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _account(session: AnySession, user_id: int | None) -> dict[str, Any] | None:
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return None
    return {
        "email": user.email,
        "name": user.full_name,
        "language": user.language,
        "created_at": user.created_at,
    }


def _lottery(session: AnySession, application: Application) -> dict[str, Any] | None:
    ranks = application_ranks(session, application)
    if ranks is None:
        return None
    return {
        "results_published_at": ranks.published_at,
        "results_version": ranks.version,
        "rank": ranks.master,
        "lists": [{"list": code, "place": place} for code, place in ranks.lists],
    }


def _lease_up(session: AnySession, application_id: int) -> dict[str, Any] | None:
    entry = session.scalars(
        select(LeaseUpEntry).where(LeaseUpEntry.application_id == application_id)
    ).first()
    events = session.scalars(
        select(LeaseUpEvent)
        .where(LeaseUpEvent.application_id == application_id)
        .order_by(LeaseUpEvent.at, LeaseUpEvent.id)
    ).all()
    requests = session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.application_id == application_id)
        .order_by(DocumentRequest.created_at, DocumentRequest.id)
    ).all()
    if entry is None and not events and not requests:
        return None
    return {
        "status": entry.status.value if entry else None,
        "reason": entry.reason if entry else "",
        "updated_at": entry.updated_at if entry else None,
        "history": [
            {
                "at": event.at,
                "kind": event.kind,
                "from": event.from_status,
                "to": event.to_status,
                "reason": event.reason,
            }
            for event in events
            if event.kind != "comment"
        ],
        "document_requests": [
            {
                "sent_at": request.created_at,
                "due_at": request.due_at,
                "message": request.message,
                "cancelled_at": request.cancelled_at,
                "answered_at": request.responded_at,
                "answer": request.response,
            }
            for request in requests
        ],
    }


def _messages(session: AnySession, application_id: int) -> list[dict[str, Any]]:
    shown = []
    for message in session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.application_id == application_id)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    ):
        content = rendered(session, message)
        shown.append(
            {
                "about": message.template,
                "channel": message.channel.value,
                "to": message.recipient,
                "state": message.state.value,
                "written_at": message.created_at,
                "sent_at": message.sent_at,
                "subject": content.subject,
                "text": content.text,
            }
        )
    return shown
