"""Each lease-up form is one action: it locks what the change depends on, refuses before
anything is kept, and the request around it commits once (never when it is refused)."""

from __future__ import annotations

import io
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from housing.applications.models import Application
from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.leaseup import actions, services
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent, UnitReopening
from housing.leaseup.statuses import LeaseStatus
from housing.notifications.models import OutboundMessage
from housing.notifications.services import OUTBOX_KEY
from tests.accounts.helpers import csrf_token
from tests.leaseup.test_lease_up import base_of, published, work  # noqa: F401 - fixture
from tests.lottery.conftest import (  # noqa: F401 - fixtures
    clock,
    every_published_bundle_verifies,
    lottery_listing,
    staff,
)


def recorded(session: Session) -> tuple[Any, ...]:
    """Everything lease-up keeps, read from the database: statuses, history, invitations and
    their answers, units free again, activity-log entries and the households' messages."""

    def count(*where: Any) -> int:
        return int(session.scalar(select(func.count()).where(*where)) or 0)

    entries = select(LeaseUpEntry.application_id, LeaseUpEntry.status, LeaseUpEntry.version)
    return (
        tuple(session.execute(entries.order_by(LeaseUpEntry.application_id)).all()),
        count(LeaseUpEvent.id.is_not(None)),
        count(DocumentRequest.id.is_not(None)),
        count(DocumentRequest.responded_at.is_not(None)),
        count(UnitReopening.id.is_not(None)),
        count(ActivityEntry.action.startswith("lease_up.")),
        count(OutboundMessage.id.is_not(None)),
    )


def link_of(session: Session, application_id: int) -> str:
    """The path of the household's latest invitation link, read from its message."""
    body = session.scalars(
        select(OutboundMessage.body_text)
        .where(
            OutboundMessage.application_id == application_id,
            OutboundMessage.template == "documents_requested",
        )
        .order_by(OutboundMessage.id.desc())
    ).first()
    found = re.search(r"https?://[^/]+(/lease-up/documents/\S+)", body or "")
    assert found, "no invitation link"
    return found.group(1)


def test_a_refused_action_keeps_nothing_and_the_same_action_twice_ends_as_once(
    app,  # type: ignore[no-untyped-def]
    client,
    db_session,
    published,  # noqa: F811
    staff,  # noqa: F811
):
    listing, _agent = published
    current = work(db_session, listing)
    first, second = (c.id for c in current.work.next_to_contact[:2])
    waiting = current.work.waitlist[0].id
    now = utcnow()
    with app.test_request_context():  # the households' messages link to the site
        before = recorded(db_session)
        # All of them or none: the first is approved (told, logged) before the next one, not
        # in line, is refused; the refusal keeps neither.
        with pytest.raises(services.LeaseUpRefused) as refused:
            actions.move_households(
                db_session,
                listing.id,
                {first: 0, waiting: 0},
                LeaseStatus.APPROVED,
                actor=staff,
                now=now,
            )
        assert refused.value.code == "not_next"
        assert refused.value.detail["number"] == db_session.get(Application, waiting).public_id
        assert recorded(db_session) == before
        assert not db_session.info.get(OUTBOX_KEY)  # nothing left to hand over after a commit
        refusals = {
            "due_in_past": lambda: actions.invite_household(
                db_session,
                listing.id,
                first,
                due_at=now - timedelta(days=1),
                message="",
                actor=staff,
                now=now,
                expected_version=0,
            ),
            "units_not_filled": lambda: actions.tell_waitlist(
                db_session, listing.id, actor=staff, now=now
            ),
            "reopen_early": lambda: actions.free_unit_again(
                db_session, listing.id, listing.units[0].id, "Moved out", actor=staff, now=now
            ),
            "comment_required": lambda: actions.comment_on_household(
                db_session, first, "  ", actor=staff, now=now
            ),
        }
        for code, refuse in refusals.items():
            with pytest.raises(services.LeaseUpRefused) as refused:
                refuse()
            assert refused.value.code == code
            assert recorded(db_session) == before, code

        # Double submits: the second of each changes nothing more.
        chosen = {first: 0, second: 0}
        moved = actions.move_households(
            db_session, listing.id, chosen, LeaseStatus.PROCESSING, actor=staff, now=now
        )
        assert len(moved) == 2
        once = recorded(db_session)
        assert (
            actions.move_households(
                db_session, listing.id, chosen, LeaseStatus.PROCESSING, actor=staff, now=now
            )
            == []
        )
        assert recorded(db_session) == once

        def invite() -> DocumentRequest:
            return actions.invite_household(
                db_session,
                listing.id,
                second,
                due_at=now + timedelta(days=7),
                message="Pay stubs",
                actor=staff,
                now=now,
                expected_version=1,  # both sent from the page read at version 1
            )

        invite()
        once = recorded(db_session)
        with pytest.raises(services.LeaseUpRefused) as refused:
            invite()
        assert refused.value.code == "changed_meanwhile"
        assert recorded(db_session) == once

    # The household declines twice: the second time in a session that read the invitation
    # before the first answer was kept, so that it still looks open there.
    request = db_session.scalars(
        select(DocumentRequest).where(DocumentRequest.application_id == second)
    ).one()
    assert request.responded_at is None
    visitor = client.application.test_client()
    path = link_of(db_session, second)
    token = csrf_token(visitor, path)
    declined = visitor.post(f"{path}/decline", data={"csrf_token": token, "confirm": "y"})
    assert declined.status_code == 200
    once = recorded(db_session)
    assert request.responded_at is None  # as this session read it
    with app.test_request_context(), pytest.raises(services.LinkRefused) as closed:
        actions.decline_offer(db_session, request.id, user=None, now=utcnow())
    assert closed.value.code == "declined"
    assert recorded(db_session) == once


@contextmanager
def commits() -> Iterator[list[str]]:
    """The commits made inside the block: of whole transactions, not savepoints, and apart
    from a job's (without Redis a job runs inside the request that asked for it, after its
    commit, and commits its own work: the delivery of the request's messages)."""
    made: list[str] = []

    def count(session: Session) -> None:
        if session.in_nested_transaction():
            return
        stack = traceback.extract_stack()
        if not any(f.name == "enqueue" and f.filename.endswith("jobs.py") for f in stack):
            made.append(next(f.name for f in reversed(stack) if "/housing/" in f.filename))

    event.listen(Session, "after_commit", count)
    try:
        yield made
    finally:
        event.remove(Session, "after_commit", count)


def test_each_lease_up_form_commits_once_and_a_refused_one_commits_nothing(
    client,  # type: ignore[no-untyped-def]
    db_session,
    published,  # noqa: F811
    staff,  # noqa: F811
):
    """For each form: (status, commits, whether anything lease-up keeps changed)."""
    listing, agent = published
    base = base_of(listing)
    visitor = client.application.test_client()
    tokens = {id(agent): csrf_token(agent, base)}

    def post(
        browser: FlaskClient, url: str, data: dict[str, Any], **options: Any
    ) -> tuple[int, int, bool]:
        if id(browser) not in tokens:
            tokens[id(browser)] = csrf_token(browser, url)
        before = recorded(db_session)
        with commits() as made:
            response = browser.post(
                url, data={"csrf_token": tokens[id(browser)], **data}, **options
            )
        return response.status_code, len(made), recorded(db_session) != before

    current = work(db_session, listing)
    first, second, third, fourth, fifth = (c.id for c in current.work.next_to_contact)
    waiting = current.work.waitlist[0].id
    page = {a: f"{base}/{db_session.get(Application, a).public_id}" for a in (first, second)}

    assert post(agent, f"{page[first]}/status", {"status": "disqualified", "version": "0"}) == (
        422,
        0,
        False,
    )
    assert post(agent, f"{page[first]}/status", {"status": "processing", "version": "0"}) == (
        302,
        1,
        True,
    )
    assert post(
        agent, f"{base}/bulk", {"status": "approved", "chosen": [f"{third}:0", f"{waiting}:0"]}
    ) == (
        302,
        0,
        False,
    )
    assert post(
        agent,
        f"{base}/bulk",
        {"status": "processing", "chosen": [f"{a}:0" for a in (third, fourth, fifth)]},
    ) == (
        302,
        1,
        True,
    )
    invitation = {"due_on": "2020-01-01", "message": "Pay stubs", "version": "1"}
    assert post(agent, f"{page[first]}/invite", invitation) == (422, 0, False)
    assert post(agent, f"{page[first]}/invite", {**invitation, "due_on": "2099-01-31"}) == (
        302,
        1,
        True,
    )
    answer = {
        "monthly_wages": "4200",
        "other_income": "0",
        "assets": "0",
        "household_members_working": "1",
        "certify": "y",
    }
    link = link_of(db_session, first)
    assert post(visitor, link, answer) == (422, 0, False)  # no document
    document = (io.BytesIO(pdf_document("Pay stub", ["x"])), "stub.pdf")
    multipart = {"content_type": "multipart/form-data"}
    assert post(visitor, link, {**answer, "documents": document}, **multipart) == (200, 1, True)
    assert post(
        agent, f"{page[second]}/invite", {**invitation, "due_on": "2099-01-31", "version": "0"}
    ) == (302, 1, True)
    link = link_of(db_session, second)
    assert post(visitor, f"{link}/decline", {}) == (422, 0, False)  # not confirmed
    assert post(visitor, f"{link}/decline", {"confirm": "y"}) == (200, 1, True)
    assert post(agent, f"{page[first]}/comment", {"comment": "  "}) == (422, 0, False)
    assert post(agent, f"{page[first]}/comment", {"comment": "Called"}) == (302, 1, True)
    reopen = {"unit": str(listing.units[0].id), "reopen_reason": "Moved out"}
    assert post(agent, f"{base}/waitlist/notify", {}) == (302, 0, False)  # units still free
    assert post(agent, f"{base}/reopen", reopen) == (302, 0, False)  # units still free

    # The declined unit goes to the first household waiting: every unit is then held.
    for candidate in work(db_session, listing).work.next_to_contact:
        actions.move_household(
            db_session,
            listing.id,
            candidate.id,
            LeaseStatus.PROCESSING,
            actor=staff,
            now=utcnow(),
            expected_version=0,
        )
    assert work(db_session, listing).work.filled
    assert post(agent, f"{base}/waitlist/notify", {}) == (302, 1, True)
    assert post(agent, f"{base}/reopen", {**reopen, "reopen_reason": ""}) == (302, 0, False)
    assert post(agent, f"{base}/reopen", reopen) == (302, 1, True)
