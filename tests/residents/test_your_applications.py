"""A resident's applications in one list: status, deadline, lottery date, the published result,
and what is asked of them now, each with a link."""

from __future__ import annotations

from datetime import timedelta

from housing.applications.models import Application, ApplicationStatus
from housing.applications.services import new_public_id
from housing.db_types import utcnow
from housing.leaseup.models import DocumentRequest, LeaseUpEntry
from housing.leaseup.statuses import LeaseStatus
from housing.lottery.models import Lottery, LotteryRank, LotteryRun, LotteryStatus, RunKind
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import open_listing, valid_answers
from tests.factories import UserFactory


def application_of(db_session, user, listing, *, submitted: bool, number: str | None = None):  # type: ignore[no-untyped-def]
    answers = valid_answers()
    application = Application(
        public_id=new_public_id(),
        listing=listing,
        user_id=user.id,
        status=ApplicationStatus.SUBMITTED if submitted else ApplicationStatus.DRAFT,
        answers=answers,
        submitted_answers=answers if submitted else None,
        lottery_number=number,
        submitted_at=utcnow() if submitted else None,
    )
    db_session.add(application)
    db_session.flush()
    return application


def publish_result(db_session, application, rank: int, entrants: int) -> None:  # type: ignore[no-untyped-def]
    lottery = Lottery(
        listing_id=application.listing_id,
        status=LotteryStatus.PUBLISHED,
        rules={},
        entrant_count=entrants,
        published_at=utcnow(),
    )
    db_session.add(lottery)
    db_session.flush()
    run = LotteryRun(
        lottery_id=lottery.id,
        number=1,
        kind=RunKind.DRAW,
        seed="0" * 64,
        result_sha256="0" * 64,
        bundle={},
        published_at=utcnow(),
    )
    db_session.add(run)
    db_session.flush()
    db_session.add(
        LotteryRank(
            run_id=run.id,
            application_id=application.id,
            master_rank=rank,
            list_ranks={"general": rank},
        )
    )
    db_session.flush()


def card_of(page: str, public_id: str) -> str:
    start = page.rindex('<article class="card">', 0, page.index(public_id))
    return page[start : page.index("</article>", start)]


def test_every_application_is_listed_with_what_is_asked_now(client, db_session):
    user = UserFactory()
    draft = application_of(db_session, user, open_listing(name="Draft Court"), submitted=False)
    waiting = application_of(
        db_session, user, open_listing(name="Waiting Place"), submitted=True, number="11112222"
    )
    drawn_listing = open_listing(name="Drawn Gardens", lottery_at=utcnow() - timedelta(days=1))
    drawn = application_of(db_session, user, drawn_listing, submitted=True, number="33334444")
    publish_result(db_session, drawn, rank=7, entrants=120)
    db_session.add(
        LeaseUpEntry(
            listing_id=drawn.listing_id, application_id=drawn.id, status=LeaseStatus.INVITED
        )
    )
    db_session.add(
        DocumentRequest(
            listing_id=drawn.listing_id,
            application_id=drawn.id,
            token_sha256="a" * 64,
            due_at=utcnow() + timedelta(days=5),
        )
    )
    someone_else = application_of(
        db_session, UserFactory(), open_listing(name="Not Yours"), submitted=True
    )
    db_session.flush()
    sign_in_as(client, user)

    page = client.get("/account/applications").text

    assert "Not Yours" not in page and someone_else.public_id not in page
    card = card_of(page, draft.public_id)
    assert "Draft Court" in card and "Not sent yet" in card and "Deadline" in card
    assert f'href="/applications/{draft.public_id}/review"' in card
    card = card_of(page, waiting.public_id)
    assert "Submitted" in card and "11112222" in card
    assert "Lottery result" not in card
    assert f'href="/applications/{waiting.public_id}"' in card
    card = card_of(page, drawn.public_id)
    assert "Rank 7 of 120" in card
    assert "Invited to send documents" in card
    assert "Documents requested" in card


def test_the_list_is_for_residents_only(client, db_session):
    sign_in_as(client, UserFactory(partner=True, with_two_factor=True))
    assert client.get("/account/applications").status_code == 404
