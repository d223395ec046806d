"""Recording activity. Callers record in the same transaction as the change itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from housing.accounts.models import User
from housing.audit.models import ActivityEntry
from housing.db_types import AnySession


def record(
    session: AnySession,
    actor: User | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    detail: Mapping[str, Any] | None = None,
) -> ActivityEntry:
    entry = ActivityEntry(
        actor_id=actor.id if actor else None,
        actor_role=actor.role.value if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry
