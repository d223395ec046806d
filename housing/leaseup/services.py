"""Lease-up: the work list of a listing, status changes, requests for documents, the waitlist.

Every change is written with its history line and its activity-log entry in the caller's
transaction, and the household's message goes to the outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from housing.accounts.emails import external_url
from housing.accounts.models import User
from housing.applications import outbox
from housing.applications.models import Application
from housing.applications.rules import household_of
from housing.applications.services import local_date
from housing.audit import services as audit
from housing.db_types import AnySession
from housing.leaseup.kept_work import KEPT, KeptWork, WorkInputs
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent, UnitReopening
from housing.leaseup.order import Candidate, Role, ShareRule, UnitGroup, WorkList, work_list
from housing.leaseup.statuses import (
    ANNOUNCED,
    FUNNEL,
    HOLDING,
    NEEDS_REASON,
    LeaseStatus,
    allowed_from,
)
from housing.listings.eligibility import Household
from housing.listings.models import AccessibilityPriority, Listing, Unit, UnitStatus
from housing.listings.services import unit_terms
from housing.lottery.access import get_lottery
from housing.lottery.lookup import published_run
from housing.lottery.models import LotteryRank
from housing.lottery.verify import GENERAL_LIST

MAX_REASON = 2000
HOUSEHOLD_BATCH = 500
MAX_COMMENT = 4000


class LeaseUpRefused(Exception):
    """A lease-up action that cannot be done; ``code`` says why, ``detail`` fills the message."""

    def __init__(self, code: str, **detail: Any) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


class LinkRefused(Exception):
    """A link to send documents that is not genuine, was cancelled, answered or is past due."""

    def __init__(self, code: str, request: DocumentRequest | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.request = request


@dataclass
class ListingWork:
    """A listing's work list, with what the pages need to show it."""

    listing: Listing
    work: WorkList
    units: dict[int, Unit]
    applications: dict[int, Application]
    entries: dict[int, LeaseUpEntry]

    def status_of(self, application_id: int) -> LeaseStatus | None:
        entry = self.entries.get(application_id)
        return entry.status if entry else None


def _groups(session: AnySession, listing: Listing) -> tuple[list[UnitGroup], dict[int, int]]:
    reopened = dict(
        session.execute(
            select(UnitReopening.unit_id, func.count())
            .where(UnitReopening.listing_id == listing.id)
            .group_by(UnitReopening.unit_id)
        ).all()
    )
    groups = [
        UnitGroup(unit.id, unit_terms(unit), unit.unit_count, FEATURES[unit.accessibility])
        for unit in listing.units
        if unit.status is not UnitStatus.UNAVAILABLE
    ]
    return groups, reopened


# The features a unit's accessibility priority stands for, as the application asks for them.
FEATURES: dict[AccessibilityPriority | None, frozenset[str]] = {
    None: frozenset(),
    AccessibilityPriority.MOBILITY: frozenset({"mobility"}),
    AccessibilityPriority.VISION: frozenset({"vision"}),
    AccessibilityPriority.HEARING: frozenset({"hearing"}),
    AccessibilityPriority.MOBILITY_AND_HEARING_VISION: frozenset({"mobility", "vision", "hearing"}),
}


def _needs(session: AnySession, listing_id: int) -> dict[int, frozenset[str]]:
    """The accessibility features each application of the listing asked for (most: none)."""
    needs: dict[int, set[str]] = {}
    for feature in sorted(FEATURES[AccessibilityPriority.MOBILITY_AND_HEARING_VISION]):
        asked = Application.submitted_answers["accessibility"][feature].as_boolean()
        for application_id in session.scalars(
            select(Application.id).where(Application.listing_id == listing_id, asked.is_(True))
        ):
            needs.setdefault(application_id, set()).add(feature)
    return {application_id: frozenset(found) for application_id, found in needs.items()}


def _shares(listing_id: int, rules: Mapping[str, Any]) -> list[ShareRule]:
    return [
        ShareRule(
            str(choice["code"]),
            choice.get("unit_share_percent"),
            veteran_list=bool(choice.get("veteran_list")),
        )
        for choice in rules.get("preferences", [])
    ]


def compute(session: AnySession, listing: Listing, today_of: datetime) -> ListingWork:
    """The work list as it stands, from the published results, the units and the statuses;
    the one computed before when none of those has changed since (``kept_work``)."""
    run = published_run(session, listing.id)
    if run is None:
        raise LeaseUpRefused("no_results")
    the_lottery = get_lottery(session, listing.id)
    entries = {
        entry.application_id: entry
        for entry in session.scalars(
            select(LeaseUpEntry).where(LeaseUpEntry.listing_id == listing.id)
        )
    }
    shares = _shares(listing.id, the_lottery.rules)
    groups, reopened = _groups(session, listing)
    inputs = WorkInputs(
        run_id=run.id,
        result_sha256=run.result_sha256,
        published_at=run.published_at,
        shares=tuple(shares),
        groups=tuple(groups),
        income_limits=tuple(group.terms.income_limits for group in groups),
        reopened=tuple(sorted(reopened.items())),
        statuses=tuple(
            sorted(
                (entry.application_id, entry.status.value, entry.unit_id, entry.list_code or "")
                for entry in entries.values()
            )
        ),
        today=local_date(listing, today_of),
    )
    kept = KEPT.get(listing.id, inputs)
    if kept is None or not _unchanged_since(session, kept.households_read):
        kept = _work_from_ranks(session, listing.id, inputs, entries, shares, groups, reopened)
        KEPT.keep(listing.id, kept)
    work = kept.work
    shown = {p.candidate.id for p in work.placements} | {c.id for c in work.waitlist[:200]}
    applications = {
        application.id: application
        for application in session.scalars(select(Application).where(Application.id.in_(shown)))
    }
    return ListingWork(listing, work, {u.id: u for u in listing.units}, applications, entries)


def _unchanged_since(session: AnySession, read: Mapping[int, datetime | None]) -> bool:
    """Whether the applications whose households a work list read are as they were then."""
    if not read:
        return True
    now = dict(
        session.execute(
            select(Application.id, Application.updated_at).where(Application.id.in_(list(read)))
        ).all()
    )
    return all(now.get(application_id) == stamp for application_id, stamp in read.items())


def _work_from_ranks(
    session: AnySession,
    listing_id: int,
    inputs: WorkInputs,
    entries: dict[int, LeaseUpEntry],
    shares: list[ShareRule],
    groups: list[UnitGroup],
    reopened: dict[int, int],
) -> KeptWork:
    """The work list computed from every rank of the results: the slow part."""
    held = _places_on_lists(
        session, inputs.run_id, [code for rule in shares for code in rule.list_codes]
    )
    ranks = session.execute(
        select(LotteryRank.application_id, LotteryRank.master_rank).where(
            LotteryRank.run_id == inputs.run_id
        )
    ).all()
    # Only a listing with accessible units asks who needs one.
    needs = _needs(session, listing_id) if any(g.features for g in groups) else {}
    candidates = [
        _candidate(
            int(row[0]),
            int(row[1]),
            held.get(int(row[0]), NO_LISTS),
            entries,
            needs.get(int(row[0]), NO_NEEDS),
        )
        for row in ranks
    ]
    households: dict[int, Household | None] = {}
    changed_at: dict[int, datetime | None] = {}
    read: dict[int, datetime | None] = {}
    in_rank_order = [c.id for c in sorted(candidates, key=lambda c: c.master_rank)]
    place = {application_id: n for n, application_id in enumerate(in_rank_order)}

    def household(candidate: Candidate) -> Household | None:
        if candidate.id not in households:
            # Read in batches: this one and the next ones in the ranking.
            start = place[candidate.id]
            wanted = [
                application_id
                for application_id in in_rank_order[start : start + HOUSEHOLD_BATCH]
                if application_id not in households
            ]
            rows = session.execute(
                select(
                    Application.id,
                    Application.submitted_answers,
                    Application.household_size,
                    Application.annual_income,
                    Application.updated_at,
                ).where(Application.id.in_(wanted))
            )
            for row in rows:
                application_id, answers, size, income, updated_at = cast(
                    "tuple[int, dict[str, Any] | None, int | None, Decimal | None, datetime]",
                    tuple(row),
                )
                found = household_of(answers or {}, inputs.today)
                if found is None and size and income is not None:
                    # Answers incomplete (some paper applications): size and income as entered.
                    found = Household(size=size, annual_income=income)
                households[application_id] = found
                changed_at[application_id] = updated_at
        read[candidate.id] = changed_at.get(candidate.id)
        return households.get(candidate.id)

    work = work_list(
        groups,
        shares,
        candidates,
        general=GENERAL_LIST,
        household=household,
        reopened=reopened,
    )
    return KeptWork(inputs, work, read, entrants=len(candidates))


NO_LISTS: dict[str, int] = {}


def _places_on_lists(
    session: AnySession, run_id: int, codes: list[str]
) -> dict[int, dict[str, int]]:
    """Each entrant's place on each preference list it is on, read by the database from the
    ranks' JSON (most entrants are on none, and decoding every row's JSON here would cost
    seconds at 100,000)."""
    held: dict[int, dict[str, int]] = {}
    for code in codes:
        place = LotteryRank.list_ranks[code].as_integer()
        rows = session.execute(
            select(LotteryRank.application_id, place).where(
                LotteryRank.run_id == run_id, place.is_not(None)
            )
        ).all()
        for row in rows:
            held.setdefault(int(row[0]), {})[code] = int(row[1])
    return held


NO_NEEDS: frozenset[str] = frozenset()


def _candidate(
    application_id: int,
    master_rank: int,
    list_ranks: dict[str, int],
    entries: dict[int, LeaseUpEntry],
    needs: frozenset[str] = NO_NEEDS,
) -> Candidate:
    entry = entries.get(application_id)
    if entry is None:
        return Candidate(application_id, master_rank, list_ranks, needs=needs)
    return Candidate(
        application_id,
        master_rank,
        list_ranks,
        status=entry.status,
        unit_key=entry.unit_id,
        list_code=entry.list_code or None,
        needs=needs,
    )


def _clean(text: str, limit: int) -> str:
    """Trimmed, cut to ``limit``, without the control characters a database refuses."""
    kept = "".join(char for char in (text or "") if char in "\n\t" or char >= " ")
    return kept.strip()[:limit]


def _event(
    session: AnySession,
    application: Application,
    kind: str,
    actor: User | None,
    now: datetime,
    **values: str,
) -> LeaseUpEvent:
    event = LeaseUpEvent(
        listing_id=application.listing_id,
        application_id=application.id,
        kind=kind,
        at=now,
        actor_id=actor.id if actor else None,
        **values,
    )
    session.add(event)
    return event


def entry_of(
    session: AnySession, application_id: int, *, lock: bool = False
) -> LeaseUpEntry | None:
    query = select(LeaseUpEntry).where(LeaseUpEntry.application_id == application_id)
    if lock:
        # Read again once locked: the session may hold the entry as it was before another
        # change was kept, and the version check must see that change.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def _check_version(entry: LeaseUpEntry | None, expected: int) -> None:
    current = entry.version if entry else 0
    if current != expected:
        raise LeaseUpRefused(
            "changed_meanwhile",
            status=entry.status.value if entry else "",
            at=entry.updated_at if entry else None,
        )


def change_status(
    session: AnySession,
    work: ListingWork,
    application: Application,
    to: LeaseStatus,
    *,
    actor: User | None,
    now: datetime,
    expected_version: int,
    reason: str = "",
    comment: str = "",
    unit_id: int | None = None,
) -> LeaseUpEntry:
    """Move one household to a new status. Refused when someone changed it since the page
    was read (``expected_version``), when the status does not follow from the current one,
    without a required reason, or when it would give a unit out of the computed order."""
    reason, comment = _clean(reason, MAX_REASON), _clean(comment, MAX_COMMENT)
    entry = entry_of(session, application.id, lock=True)
    _check_version(entry, expected_version)
    current = entry.status if entry else None
    if application.id not in work.applications and entry is None:
        # Not shown on the work list: not among the ranked households being reached.
        ranked = session.scalar(
            select(func.count())
            .select_from(LotteryRank)
            .where(LotteryRank.application_id == application.id)
        )
        if not ranked:
            raise LeaseUpRefused("not_ranked")
    if to not in allowed_from(current):
        raise LeaseUpRefused("not_allowed", current=current.value if current else "", to=to.value)
    if to in NEEDS_REASON and not reason:
        raise LeaseUpRefused("reason_required", to=to.value)
    placement = next((p for p in work.work.placements if p.candidate.id == application.id), None)
    appeal = current is LeaseStatus.DISQUALIFIED and to is LeaseStatus.APPEALED
    reached = placement is not None and placement.role is Role.NEXT
    if to in HOLDING and current not in HOLDING and not appeal and not reached:
        raise LeaseUpRefused("not_next")
    if unit_id is not None and unit_id not in work.units:
        raise LeaseUpRefused("unknown_unit")
    if entry is None:
        entry = LeaseUpEntry(
            listing_id=application.listing_id,
            application_id=application.id,
            status=to,
            version=0,
        )
        session.add(entry)
    if to in HOLDING and current not in HOLDING:
        # Reached now: the unit and the list it came through are the work list's.
        entry.unit_id = placement.unit_key if placement else None
        entry.list_code = placement.list_code if placement else ""
    elif to not in HOLDING:
        entry.unit_id, entry.list_code = None, ""
    if unit_id is not None:
        entry.unit_id = unit_id
    if current is LeaseStatus.INVITED and to is not LeaseStatus.INVITED:
        _cancel_requests(session, application.id, now)
    entry.status = to
    entry.reason = reason if to in NEEDS_REASON else ""
    entry.version += 1
    entry.updated_at = now
    entry.updated_by = actor.id if actor else None
    _event(
        session,
        application,
        "status",
        actor,
        now,
        from_status=current.value if current else "",
        to_status=to.value,
        reason=reason,
        comment=comment,
    )
    audit.record(
        session,
        actor,
        "lease_up.status",
        "application",
        application.id,
        {"from": current.value if current else "", "to": to.value, "reason": reason},
    )
    if to in ANNOUNCED:
        position = (
            work.work.waitlist_position(application.id) if to is LeaseStatus.WAITLISTED else None
        )
        outbox.queue_lease_status(
            session, application, status=to.value, reason=reason, position=position
        )
    try:
        session.flush()
    except IntegrityError:
        # Another agent created this household's entry at the same moment.
        raise LeaseUpRefused("changed_meanwhile", status="", at=None) from None
    return entry


def change_many(
    session: AnySession,
    work: ListingWork,
    versions: Mapping[int, int],
    to: LeaseStatus,
    *,
    actor: User | None,
    now: datetime,
    reason: str = "",
    comment: str = "",
) -> list[LeaseUpEntry]:
    """The same change for several households at once: all of them, or none. Households
    taken in order of the work list, so that contacting the next ones one after another is
    in order."""
    if not versions:
        raise LeaseUpRefused("none_chosen")
    order = {p.candidate.id: n for n, p in enumerate(work.work.placements)}
    chosen = sorted(versions, key=lambda application_id: order.get(application_id, len(order)))
    changed: list[LeaseUpEntry] = []
    for application_id in chosen:
        application = work.applications.get(application_id) or session.get(
            Application, application_id
        )
        if application is None or application.listing_id != work.listing.id:
            raise LeaseUpRefused("not_ranked")
        if work.status_of(application_id) is to:
            continue  # already there: nothing to do for this one
        try:
            changed.append(
                change_status(
                    session,
                    work,
                    application,
                    to,
                    actor=actor,
                    now=now,
                    expected_version=versions[application_id],
                    reason=reason,
                    comment=comment,
                )
            )
        except LeaseUpRefused as refused:
            refused.detail["number"] = application.public_id
            raise
    return changed


def add_comment(
    session: AnySession,
    application: Application,
    comment: str,
    *,
    actor: User | None,
    now: datetime,
) -> LeaseUpEvent:
    comment = _clean(comment, MAX_COMMENT)
    if not comment:
        raise LeaseUpRefused("comment_required")
    event = _event(session, application, "comment", actor, now, comment=comment)
    audit.record(session, actor, "lease_up.comment", "application", application.id, {})
    return event


def history(session: AnySession, application_id: int) -> list[LeaseUpEvent]:
    return list(
        session.scalars(
            select(LeaseUpEvent)
            .where(LeaseUpEvent.application_id == application_id)
            .order_by(LeaseUpEvent.at.desc(), LeaseUpEvent.id.desc())
        )
    )


# Documents and the detailed application.


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return external_url("lease_up_public.respond", token=token)


def request_documents(
    session: AnySession,
    work: ListingWork,
    application: Application,
    *,
    due_at: datetime,
    message: str,
    actor: User | None,
    now: datetime,
    expected_version: int,
) -> tuple[DocumentRequest, str]:
    """Invite the household to send documents and complete the detailed application by
    ``due_at``; any earlier open invitation is cancelled. Returns the request and the secret
    of its link, which is kept only in the household's message."""
    if due_at <= now:
        raise LeaseUpRefused("due_in_past")
    entry = entry_of(session, application.id, lock=True)
    if entry is not None and entry.status is LeaseStatus.INVITED:
        # Invited again (a new deadline): the status stays, the page read must be current.
        _check_version(entry, expected_version)
        entry.version += 1
        entry.updated_at = now
    else:
        change_status(
            session,
            work,
            application,
            LeaseStatus.INVITED,
            actor=actor,
            now=now,
            expected_version=expected_version,
        )
    _cancel_requests(session, application.id, now)
    token = secrets.token_urlsafe(24)
    request = DocumentRequest(
        listing_id=application.listing_id,
        application_id=application.id,
        token_sha256=_token_hash(token),
        due_at=due_at,
        message=_clean(message, MAX_COMMENT),
        created_at=now,
        created_by=actor.id if actor else None,
    )
    session.add(request)
    _event(session, application, "documents_requested", actor, now, comment=request.message)
    audit.record(
        session,
        actor,
        "lease_up.documents_requested",
        "application",
        application.id,
        {"due_at": due_at.isoformat()},
    )
    outbox.queue_documents_requested(
        session, application, link=invitation_link(token), due_at=due_at, note=request.message
    )
    session.flush()
    return request, token


def _closed_code(request: DocumentRequest) -> str:
    if request.cancelled_at is not None:
        return "cancelled"
    return "declined" if (request.response or {}).get("declined") else "answered"


def _cancel_requests(session: AnySession, application_id: int, now: datetime) -> None:
    """Links not yet answered stop working: replaced, or the household has moved on."""
    for earlier in session.scalars(
        select(DocumentRequest).where(
            DocumentRequest.application_id == application_id,
            DocumentRequest.cancelled_at.is_(None),
            DocumentRequest.responded_at.is_(None),
        )
    ):
        earlier.cancelled_at = now


def request_of_token(session: AnySession, token: str, now: datetime) -> DocumentRequest:
    """The open request a link names; ``LinkRefused`` says why it cannot be used."""
    request = session.scalars(
        select(DocumentRequest).where(DocumentRequest.token_sha256 == _token_hash(token or ""))
    ).first()
    if request is None:
        raise LinkRefused("unknown")
    if request.cancelled_at is not None or request.responded_at is not None:
        raise LinkRefused(_closed_code(request), request)
    if now >= request.due_at:
        raise LinkRefused("past_due", request)
    return request


def respond(
    session: AnySession,
    request: DocumentRequest,
    answers: Mapping[str, Any],
    documents: Sequence[str],
    *,
    user: User | None,
    now: datetime,
) -> DocumentRequest:
    """The household's answer: the detailed application and the documents' ids, recorded
    once; the status moves to documents received."""
    return _answer(
        session,
        request,
        {**answers, "documents": list(documents)},
        "documents_received",
        moves=frozenset({LeaseStatus.INVITED}),
        to=LeaseStatus.DOCUMENTS_RECEIVED,
        user=user,
        now=now,
    )


def decline(
    session: AnySession, request: DocumentRequest, *, user: User | None, now: datetime
) -> DocumentRequest:
    """The household says, at its link, that it no longer wants a unit: the unit goes to the
    next household."""
    return _answer(
        session,
        request,
        {"declined": True},
        "declined",
        moves=frozenset({LeaseStatus.INVITED}),
        to=LeaseStatus.DECLINED,
        user=user,
        now=now,
    )


def _answer(
    session: AnySession,
    request: DocumentRequest,
    response: dict[str, Any],
    kind: str,
    *,
    moves: frozenset[LeaseStatus],
    to: LeaseStatus,
    user: User | None,
    now: datetime,
) -> DocumentRequest:
    """Record the household's one answer to a request, and move it to ``to`` from any status
    in ``moves``."""
    locked = locked_open_request(session, request.id)
    locked.responded_at = now
    locked.response = response
    application = locked.application
    entry = entry_of(session, application.id, lock=True)
    previous = entry.status.value if entry else ""
    if entry is not None and entry.status in moves:
        entry.status = to
        entry.version += 1
        entry.updated_at = now
        entry.updated_by = user.id if user else None
    _event(
        session,
        application,
        kind,
        user,
        now,
        from_status=previous,
        to_status=entry.status.value if entry else "",
    )
    audit.record(session, user, f"lease_up.{kind}", "application", application.id, {})
    session.flush()
    return locked


def locked_open_request(session: AnySession, request_id: int) -> DocumentRequest:
    """The request, locked and read again as it now is (a page may have read it before
    another answer was kept); ``LinkRefused`` once it is answered or replaced."""
    request = session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if request.responded_at is not None or request.cancelled_at is not None:
        raise LinkRefused(_closed_code(request), request)
    return request


def open_request(session: AnySession, application_id: int) -> DocumentRequest | None:
    return session.scalars(
        select(DocumentRequest)
        .where(DocumentRequest.application_id == application_id)
        .order_by(DocumentRequest.created_at.desc(), DocumentRequest.id.desc())
    ).first()


# Units that come free again, and the waitlist.


def reopen_unit(
    session: AnySession,
    listing: Listing,
    unit_id: int,
    reason: str,
    *,
    actor: User | None,
    now: datetime,
) -> UnitReopening:
    """A unit is free again: the next household on the waitlist becomes next to contact."""
    reason = _clean(reason, MAX_REASON)
    if not reason:
        raise LeaseUpRefused("reason_required", to="")
    if unit_id not in {unit.id for unit in listing.units}:
        raise LeaseUpRefused("unknown_unit")
    # A household that withdraws or is disqualified frees its unit by itself; a unit comes
    # free again only once every unit is held (a household moved out after signing).
    work = compute(session, listing, now)
    if not work.work.filled or work.work.next_to_contact:
        raise LeaseUpRefused("reopen_early")
    reopening = UnitReopening(
        listing_id=listing.id,
        unit_id=unit_id,
        reason=reason,
        at=now,
        actor_id=actor.id if actor else None,
    )
    session.add(reopening)
    audit.record(session, actor, "lease_up.unit_reopened", "listing", listing.id, {"unit": unit_id})
    session.flush()
    return reopening


def place_on_waitlist(
    session: AnySession, work: ListingWork, *, actor: User | None, now: datetime
) -> int:
    """Once every unit is held, tell each household still waiting its place on the waitlist."""
    if not work.work.filled or work.work.next_to_contact:
        raise LeaseUpRefused("units_not_filled")
    waiting = [c for c in work.work.waitlist if c.status is None]
    applications = {
        a.id: a
        for a in session.scalars(
            select(Application).where(Application.id.in_([c.id for c in waiting]))
        )
    }
    for candidate in waiting:
        change_status(
            session,
            work,
            applications[candidate.id],
            LeaseStatus.WAITLISTED,
            actor=actor,
            now=now,
            expected_version=0,
        )
    return len(waiting)


def funnel(session: AnySession, listing_id: int) -> list[tuple[str, int]]:
    """How many households reached each stage of lease-up (or went beyond it), in order."""
    stage_of = {status: n for n, status in enumerate(FUNNEL)}
    furthest: dict[int, int] = {}
    for application_id, to_status in session.execute(
        select(LeaseUpEvent.application_id, LeaseUpEvent.to_status).where(
            LeaseUpEvent.listing_id == listing_id, LeaseUpEvent.kind == "status"
        )
    ):
        stage = stage_of.get(LeaseStatus(to_status)) if to_status else None
        if stage is not None:
            furthest[application_id] = max(stage, furthest.get(application_id, -1))
    return [
        (status.value, sum(1 for reached in furthest.values() if reached >= n))
        for n, status in enumerate(FUNNEL)
    ]
