"""Groups of possible duplicates read by their keys: some groups and those that share an
application with them, or every group of a listing without the applications' answers.

A group is the submitted applications to a listing that share one duplicate key (a rule and
its normalized value). A decision needs only its group and the groups around it, so these read
the keys of those applications through the indexes and nothing else of the listing: a decision
costs the same among 100 applications or 100,000.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, String, and_, any_, func, literal, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import QueryableAttribute, aliased

from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    Application,
    ApplicationStatus,
    DuplicateDecision,
    DuplicateKey,
)
from housing.db_types import AnySession

GroupKey = tuple[DuplicateRule, str]
# Keys named in one statement on SQLite, which caps a statement's parameters (PostgreSQL gets
# each rule's keys as one array).
KEYS_PER_STATEMENT = 2000
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Member:
    id: int
    public_id: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class Group:
    """One group: its members in submission order, and the decision recorded for its key (which
    holds only while the group has exactly the members it was made for)."""

    rule: DuplicateRule
    key: str
    members: tuple[Member, ...]
    recorded: DuplicateDecision | None = None

    @property
    def identity(self) -> GroupKey:
        return (self.rule, self.key)

    @property
    def numbers(self) -> list[str]:
        """The members' application numbers, sorted: what a decision records."""
        return sorted(member.public_id for member in self.members)

    @property
    def decision(self) -> DuplicateDecision | None:
        """The recorded decision, if it was made for exactly these members."""
        recorded = self.recorded
        return recorded if recorded is not None and recorded.members == self.numbers else None

    @property
    def value(self) -> str:
        """How a form names the group: the rule, a colon, the key (no rule holds a colon)."""
        return f"{self.rule.value}:{self.key}"

    @property
    def anchor(self) -> str:
        """An id for the group's place on the page, the same on every request."""
        return "group-" + hashlib.sha256(self.value.encode()).hexdigest()[:12]

    @property
    def order(self) -> tuple[datetime, int, str, str]:
        """Groups come in the order their first application was submitted."""
        first = self.members[0]
        return (first.submitted_at or _LONG_AGO, first.id, self.rule.value, self.key)


def group_key(value: str) -> GroupKey | None:
    """The key a form's ``rule:key`` value names, or None when it names no rule."""
    rule, separator, key = value.partition(":")
    if not separator or not key or rule not in DuplicateRule._value2member_map_:
        return None
    return (DuplicateRule(rule), key)


def _on_postgresql(session: AnySession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(session: AnySession, keys: Iterable[GroupKey]) -> Iterator[list[GroupKey]]:
    ordered = sorted(set(keys))
    size = len(ordered) if _on_postgresql(session) else KEYS_PER_STATEMENT
    for start in range(0, len(ordered), max(size, 1)):
        yield ordered[start : start + size]


def _naming(
    session: AnySession,
    rule: QueryableAttribute[DuplicateRule],
    key: QueryableAttribute[str],
    keys: list[GroupKey],
) -> ColumnElement[bool]:
    """The rows whose rule and key are among ``keys``: one list per rule, which the index on
    (listing, rule, key) serves. On PostgreSQL the list is one array: a statement of a
    thousand parameters costs more to write and read than to run."""
    by_rule: dict[DuplicateRule, list[str]] = {}
    for each_rule, each_key in keys:
        by_rule.setdefault(each_rule, []).append(each_key)
    if _on_postgresql(session):
        return or_(
            *(
                and_(rule == each, key == any_(literal(values, postgresql.ARRAY(String))))
                for each, values in by_rule.items()
            )
        )
    return or_(*(and_(rule == each, key.in_(values)) for each, values in by_rule.items()))


def members_by_key(
    session: AnySession, listing_id: int, keys: Iterable[GroupKey]
) -> dict[GroupKey, tuple[Member, ...]]:
    """The submitted applications holding each of ``keys``, in submission order, for the keys
    two or more of them hold (the groups)."""
    found: dict[GroupKey, list[Member]] = {}
    for chunk in _chunks(session, keys):
        rows = session.execute(
            select(
                DuplicateKey.rule,
                DuplicateKey.match_key,
                Application.id,
                Application.public_id,
                Application.submitted_at,
            )
            .join(Application, Application.id == DuplicateKey.application_id)
            .where(
                DuplicateKey.listing_id == listing_id,
                _naming(session, DuplicateKey.rule, DuplicateKey.match_key, chunk),
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .order_by(
                DuplicateKey.rule,
                DuplicateKey.match_key,
                Application.submitted_at,
                Application.id,
            )
        )
        for rule, key, application_id, public_id, submitted_at in rows:
            found.setdefault((rule, key), []).append(
                Member(application_id, public_id, submitted_at)
            )
    return {key: tuple(members) for key, members in found.items() if len(members) > 1}


def keys_around(session: AnySession, listing_id: int, keys: Iterable[GroupKey]) -> set[GroupKey]:
    """Every key of the submitted applications that hold one of ``keys``."""
    holder = aliased(DuplicateKey)
    around: set[GroupKey] = set()
    for chunk in _chunks(session, keys):
        holders = (
            select(holder.application_id)
            .join(Application, Application.id == holder.application_id)
            .where(
                holder.listing_id == listing_id,
                _naming(session, holder.rule, holder.match_key, chunk),
                Application.status == ApplicationStatus.SUBMITTED,
            )
        )
        around.update(
            (rule, key)
            for rule, key in session.execute(
                select(DuplicateKey.rule, DuplicateKey.match_key)
                .where(DuplicateKey.application_id.in_(holders))
                .distinct()
            )
        )
    return around


def decisions_for(
    session: AnySession, listing_id: int, keys: Iterable[GroupKey]
) -> dict[GroupKey, DuplicateDecision]:
    """The decisions recorded for ``keys``, whether or not they still hold."""
    found: dict[GroupKey, DuplicateDecision] = {}
    for chunk in _chunks(session, keys):
        for decision in session.scalars(
            select(DuplicateDecision).where(
                DuplicateDecision.listing_id == listing_id,
                _naming(session, DuplicateDecision.rule, DuplicateDecision.match_key, chunk),
            )
        ):
            found[(decision.rule, decision.match_key)] = decision
    return found


def groups_around(
    session: AnySession, listing_id: int, keys: Iterable[GroupKey]
) -> dict[GroupKey, Group]:
    """The groups ``keys`` name (those still groups) and every group that shares an
    application with one of them, each with its recorded decision."""
    wanted = set(keys)
    members = members_by_key(session, listing_id, keys_around(session, listing_id, wanted) | wanted)
    recorded = decisions_for(session, listing_id, members)
    return {
        key: Group(key[0], key[1], group_members, recorded.get(key))
        for key, group_members in members.items()
    }


def every_group(session: AnySession, listing_id: int) -> list[Group]:
    """Every group of the listing with its recorded decision, in the order of their first
    submission. The keys two applications share are found from the index alone (whatever the
    applications' state), then only those keys' applications are read."""
    shared = [
        (rule, key)
        for rule, key in session.execute(
            select(DuplicateKey.rule, DuplicateKey.match_key)
            .where(DuplicateKey.listing_id == listing_id)
            .group_by(DuplicateKey.rule, DuplicateKey.match_key)
            .having(func.count() > 1)
        )
    ]
    members = members_by_key(session, listing_id, shared)
    recorded = {
        (decision.rule, decision.match_key): decision
        for decision in session.scalars(
            select(DuplicateDecision).where(DuplicateDecision.listing_id == listing_id)
        )
    }
    groups = [
        Group(key[0], key[1], group_members, recorded.get(key))
        for key, group_members in members.items()
    ]
    return sorted(groups, key=lambda group: group.order)
