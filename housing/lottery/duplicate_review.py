"""The duplicates page's content: a page of groups of possible duplicates, each with its
applications and, before anyone decides, the other groups' decisions it would have to agree
with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import load_only

from housing.applications.models import Application
from housing.db_types import AnySession
from housing.lottery.duplicate_lookup import Group, GroupKey, every_group

GROUPS_PER_PAGE = 50


@dataclass(frozen=True)
class Overlap:
    """The group shares application ``shared`` with ``other``, whose decision keeps ``kept``:
    a decision here that leaves ``kept`` out, or keeps an application it leaves out, would
    contradict it."""

    shared: str
    other: Group
    kept: str
    page: int


@dataclass(frozen=True)
class ReviewGroup:
    group: Group
    applications: list[Application]
    overlaps: list[Overlap]


@dataclass(frozen=True)
class DuplicatesPage:
    groups: list[ReviewGroup]
    number: int
    pages: int
    total: int
    undecided: int

    @property
    def values(self) -> list[str]:
        return [review.group.value for review in self.groups]


def page_count(total: int) -> int:
    return max(1, -(-total // GROUPS_PER_PAGE))


def duplicates_page(session: AnySession, listing_id: int, number: int) -> DuplicatesPage:
    """Page ``number`` (from 1; out of range: the nearest page) of the listing's groups, in
    the order of their first submission."""
    groups = every_group(session, listing_id)
    pages = page_count(len(groups))
    number = min(max(number, 1), pages)
    start = (number - 1) * GROUPS_PER_PAGE
    shown = groups[start : start + GROUPS_PER_PAGE]
    page_of = {group.identity: index // GROUPS_PER_PAGE + 1 for index, group in enumerate(groups)}
    keeping: dict[str, list[Group]] = {}
    for group in groups:
        if group.decision is not None and group.decision.kept:
            for member in group.members:
                keeping.setdefault(member.public_id, []).append(group)
    applications = _applications(session, [m.id for group in shown for m in group.members])
    return DuplicatesPage(
        [
            ReviewGroup(
                group,
                [applications[member.id] for member in group.members],
                _overlaps(group, keeping, page_of),
            )
            for group in shown
        ],
        number,
        pages,
        len(groups),
        sum(group.decision is None for group in groups),
    )


def _overlaps(
    group: Group, keeping: dict[str, list[Group]], page_of: dict[GroupKey, int]
) -> list[Overlap]:
    found = []
    for member in group.members:
        for other in keeping.get(member.public_id, []):
            if other.identity != group.identity and other.decision is not None:
                found.append(
                    Overlap(member.public_id, other, other.decision.kept, page_of[other.identity])
                )
    return found


def _applications(session: AnySession, ids: list[int]) -> dict[int, Application]:
    """What the page shows of each application, read in one statement."""
    if not ids:
        return {}
    return {
        application.id: application
        for application in session.scalars(
            select(Application)
            .options(
                load_only(
                    Application.public_id,
                    Application.applicant_name,
                    Application.contact_email,
                    Application.submitted_answers,
                    Application.submitted_at,
                )
            )
            .where(Application.id.in_(ids))
        )
    }
