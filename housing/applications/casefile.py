"""Everything a listing's partners and staff see about one application: its answers, its
documents, staff's decisions on it, the applications it may duplicate, and each version with
what changed. (Its ranks in the published results are the lottery's: ``hooks``.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from housing.accounts.models import User
from housing.applications import history
from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    DuplicateDecision,
    DuplicateKey,
    PreferenceDecision,
)
from housing.applications.services import ApplicationNotFound
from housing.db_types import AnySession


@dataclass(frozen=True)
class DuplicateFlag:
    rule: DuplicateRule
    others: list[Application]
    decision: DuplicateDecision | None


@dataclass(frozen=True)
class VersionEntry:
    version: ApplicationVersion
    actor: User | None
    changes: list[history.Change]


@dataclass(frozen=True)
class CaseFile:
    application: Application
    decisions: list[PreferenceDecision]
    duplicates: list[DuplicateFlag]
    versions: list[VersionEntry]


def get_case_file(
    session: AnySession,
    listing_id: int,
    public_id: str,
    *,
    demographics: bool = False,
) -> CaseFile:
    """The application ``public_id`` of the listing. Without ``demographics`` (partners), the
    history leaves out changes to those answers."""
    if "\x00" in public_id or len(public_id) > 12:  # could never be an application number
        raise ApplicationNotFound(public_id)
    application = session.scalars(
        select(Application)
        .where(Application.public_id == public_id, Application.listing_id == listing_id)
        .options(selectinload(Application.documents), selectinload(Application.versions))
    ).first()
    if application is None:
        raise ApplicationNotFound(public_id)
    return CaseFile(
        application=application,
        decisions=list(
            session.scalars(
                select(PreferenceDecision)
                .where(PreferenceDecision.application_id == application.id)
                .order_by(PreferenceDecision.preference_code)
            )
        ),
        duplicates=duplicate_flags(session, application),
        versions=version_entries(session, application, demographics=demographics),
    )


def duplicate_flags(session: AnySession, application: Application) -> list[DuplicateFlag]:
    """Each duplicate key this application shares with other submitted applications."""
    keys = session.execute(
        select(DuplicateKey.rule, DuplicateKey.match_key)
        .where(DuplicateKey.application_id == application.id)
        .order_by(DuplicateKey.rule, DuplicateKey.match_key)
    ).all()
    flags = []
    for rule, match_key in keys:
        others = list(
            session.scalars(
                select(Application)
                .join(DuplicateKey, DuplicateKey.application_id == Application.id)
                .where(
                    DuplicateKey.listing_id == application.listing_id,
                    DuplicateKey.rule == rule,
                    DuplicateKey.match_key == match_key,
                    Application.id != application.id,
                    Application.status == ApplicationStatus.SUBMITTED,
                )
                .order_by(Application.submitted_at, Application.id)
            )
        )
        if not others:
            continue
        decision = session.scalars(
            select(DuplicateDecision).where(
                DuplicateDecision.listing_id == application.listing_id,
                DuplicateDecision.rule == rule,
                DuplicateDecision.match_key == match_key,
            )
        ).first()
        members = sorted([application.public_id, *(other.public_id for other in others)])
        holds = decision is not None and decision.members == members
        flags.append(DuplicateFlag(rule, others, decision if holds else None))
    return flags


def version_entries(
    session: AnySession, application: Application, *, demographics: bool = False
) -> list[VersionEntry]:
    """Each version, oldest first, with who made it and what it changed from the one before;
    changes to the demographic answers only with ``demographics``."""
    actor_ids = {v.actor_id for v in application.versions if v.actor_id is not None}
    actors: dict[int, User] = {}
    if actor_ids:
        actors = {
            user.id: user for user in session.scalars(select(User).where(User.id.in_(actor_ids)))
        }
    entries = []
    previous: dict[str, Any] | None = None
    for version in application.versions:
        found = history.changes(previous, version.answers) if previous is not None else []
        if not demographics:
            found = [change for change in found if change.path[:1] != ("demographics",)]
        entries.append(VersionEntry(version, actors.get(version.actor_id or 0), found))
        previous = version.answers
    return entries
