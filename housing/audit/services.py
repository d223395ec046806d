"""Recording activity. Callers record in the same transaction as the change itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from housing.audit.models import ActivityEntry
from housing.db_types import AnySession


class Actor(Protocol):
    """Who acted, as the log keeps them: an account (``accounts.models.User``) by its id and
    role. The log knows no more of accounts than that, so accounts can log what it does."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


def record(
    session: AnySession,
    actor: Actor | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    detail: Mapping[str, Any] | None = None,
) -> ActivityEntry:
    entry = ActivityEntry(
        actor_id=actor.id if actor else None,
        actor_role=str(actor.role) if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry
