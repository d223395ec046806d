"""Dates after approval: staff extend the deadline, close applications early, reopen them and
postpone the lottery, each with a reason, kept, logged, shown on the listing's page and
announced to applicants and unfinished drafts in their language; partners ask and staff decide;
the lottery's registered rules stay as they were."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from housing import create_app
from housing.accounts.models import PartnerAssignment
from housing.accounts.permissions import NotAllowed
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.services import start_application, submit_answers, window_problem
from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from housing.listings.date_changes import pending_requests
from housing.listings.deadlines import due_moment
from housing.listings.models import (
    DateChangeKind,
    DateChangeState,
    Listing,
    ListingDateChange,
    ListingStatus,
    ListingType,
    Phase,
)
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.registration import preregister
from housing.notifications.models import Broadcast, Channel, MessageState, OutboundMessage
from housing.schedule import services as date_changes
from housing.schedule.wording import refusal_text
from tests.accounts.helpers import post_form, sign_in_as
from tests.applications.helpers import open_listing, with_applicant
from tests.conftest import make_config, set_aside_messages
from tests.factories import UserFactory

ZONE = "America/Los_Angeles"


def local_day(days: int) -> date:
    return (utcnow() + timedelta(days=days)).astimezone(ZoneInfo(ZONE)).date()


def end_of(days: int) -> datetime:
    return due_moment(local_day(days), None, ZONE)


@pytest.fixture
def lottery_listing(db_session):  # type: ignore[no-untyped-def]
    """An open lottery listing (due in 10 days, lottery in 20), its rules registered."""
    listing = open_listing(
        name="Cedar Gardens", application_due_at=end_of(10), lottery_at=end_of(20)
    )
    preregister(db_session, listing, utcnow())
    return listing


@pytest.fixture
def staff(db_session):  # type: ignore[no-untyped-def]
    return UserFactory(staff=True, with_two_factor=True, full_name="Sam Staff")


@pytest.fixture
def partner(db_session, lottery_listing):  # type: ignore[no-untyped-def]
    user = UserFactory(partner=True, with_two_factor=True, full_name="Pat Partner")
    db_session.add(PartnerAssignment(user_id=user.id, listing_id=lottery_listing.id))
    db_session.flush()
    return user


def _changes(db_session, listing):  # type: ignore[no-untyped-def]
    return db_session.scalars(
        select(ListingDateChange)
        .where(ListingDateChange.listing_id == listing.id)
        .order_by(ListingDateChange.id)
    ).all()


def _entries(db_session, listing, action):  # type: ignore[no-untyped-def]
    return db_session.scalars(
        select(ActivityEntry).where(
            ActivityEntry.subject_type == "listing",
            ActivityEntry.subject_id == listing.id,
            ActivityEntry.action == action,
        )
    ).all()


def test_staff_take_a_listing_through_each_change_each_kept_logged_and_announced(
    db_session, lottery_listing, staff
):
    listing = lottery_listing
    version = listing.version
    now = utcnow()

    extended = date_changes.extend_deadline(
        db_session, staff, listing.id, end_of(14), "  More time for paper forms.  ", now
    )
    assert listing.application_due_at == end_of(14)
    assert (extended.old_value, extended.new_value) == (end_of(10), end_of(14))
    assert extended.reason == "More time for paper forms."
    assert extended.state is DateChangeState.APPLIED
    assert extended.requested_by_id == extended.decided_by_id == staff.id
    assert listing.version > version  # the pages' kept copies and rules are renewed

    closed = date_changes.close_early(db_session, staff, listing.id, "Units withdrawn.", now)
    assert listing.application_due_at == now == closed.new_value
    assert listing.phase(now + timedelta(seconds=1)) is Phase.CLOSED

    later = now + timedelta(minutes=5)
    reopened = date_changes.reopen(
        db_session, staff, listing.id, end_of(12), "Units are back.", later
    )
    assert (reopened.old_value, reopened.new_value) == (now, end_of(12))
    assert listing.phase(later) is Phase.OPEN

    listing.results_at = results = end_of(23)
    moved = date_changes.postpone_lottery(
        db_session, staff, listing.id, end_of(25), "The hall is booked.", later
    )
    assert listing.lottery_at == end_of(25) and moved.old_value == end_of(20)
    assert listing.results_at == results + (end_of(25) - end_of(20))  # as long after as before

    kinds = [change.kind for change in _changes(db_session, listing)]
    assert kinds == list(DateChangeKind)  # history kept, one row each
    for kind in DateChangeKind:
        [entry] = _entries(db_session, listing, f"listing.{kind.value}")
        assert entry.actor_id == staff.id and entry.detail["reason"]
    broadcasts = db_session.scalars(
        select(Broadcast).where(Broadcast.listing_id == listing.id).order_by(Broadcast.id)
    ).all()
    assert [b.key for b in broadcasts] == [f"dates:{c.id}" for c in _changes(db_session, listing)]
    assert broadcasts[0].context["new_at"] == end_of(14).isoformat()
    # The lottery's registered rules are untouched.
    lottery = db_session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).one()
    assert lottery.status is LotteryStatus.PREREGISTERED
    assert lottery.rules["randomness_rule"].startswith("the first drand mainnet round")


def _frozen(db_session, listing) -> None:  # type: ignore[no-untyped-def]
    lottery = db_session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).one()
    lottery.status = LotteryStatus.FROZEN
    lottery.frozen_at = utcnow()
    db_session.flush()


@pytest.mark.parametrize(
    ("arrange", "kind", "days", "reason", "code"),
    [
        (None, DateChangeKind.EXTEND_DEADLINE, 14, "  ", "reason_required"),
        (None, DateChangeKind.EXTEND_DEADLINE, -1, "Late.", "in_past"),
        (None, DateChangeKind.EXTEND_DEADLINE, 8, "Earlier.", "not_later"),
        (None, DateChangeKind.REOPEN, 14, "Open already.", "not_closed"),
        (None, DateChangeKind.POSTPONE_LOTTERY, 18, "Sooner.", "not_later"),
        ("closed", DateChangeKind.CLOSE_EARLY, 0, "Closed already.", "not_open"),
        ("frozen", DateChangeKind.EXTEND_DEADLINE, 14, "Frozen.", "frozen"),
        ("frozen", DateChangeKind.REOPEN, 14, "Frozen.", "frozen"),
        ("drawn", DateChangeKind.POSTPONE_LOTTERY, 30, "Drawn.", "draw_started"),
        ("draft", DateChangeKind.EXTEND_DEADLINE, 14, "Draft.", "not_approved"),
        ("fcfs", DateChangeKind.POSTPONE_LOTTERY, 30, "No lottery.", "not_a_lottery"),
    ],
)
def test_a_refused_change_names_its_reason_and_changes_nothing(
    app, db_session, lottery_listing, staff, arrange, kind, days, reason, code
):
    listing = lottery_listing
    if arrange == "closed":
        listing.application_due_at = utcnow() - timedelta(hours=1)
    elif arrange in ("frozen", "drawn"):
        listing.application_due_at = utcnow() - timedelta(hours=1)
        _frozen(db_session, listing)
        if arrange == "drawn":
            listing.status = ListingStatus.LOTTERY_RUN
    elif arrange == "draft":
        listing.status = ListingStatus.DRAFT
    elif arrange == "fcfs":
        listing.listing_type = ListingType.FIRST_COME_FIRST_SERVED
    db_session.flush()
    before = (listing.application_due_at, listing.lottery_at, listing.status, listing.version)

    with pytest.raises(date_changes.DateChangeRefused) as refused:
        date_changes.apply_change(
            db_session, staff, listing.id, kind, end_of(days), reason, utcnow()
        )

    assert refused.value.code == code
    db_session.refresh(listing)
    assert (listing.application_due_at, listing.lottery_at, listing.status, listing.version) == (
        before
    )
    assert _changes(db_session, listing) == []
    assert db_session.scalar(select(func.count()).select_from(Broadcast)) == 0
    with app.test_request_context():
        assert refusal_text(refused.value, listing)  # worded for the page


def test_a_deadline_moved_past_the_lottery_the_registered_rule_needs_is_refused_naming_it(
    app, db_session, lottery_listing, staff
):
    """The registered randomness rule takes the first beacon round an hour after the freeze,
    which comes after the deadline: a deadline the lottery's day could not follow is refused,
    and so is reopening until then; postponing the lottery first lets it through."""
    listing = lottery_listing
    lottery_day = local_day(20)
    late_that_day = due_moment(lottery_day, time(23, 30), ZONE)
    afternoon = due_moment(lottery_day, time(15, 0), ZONE)

    with pytest.raises(date_changes.RulesFixed) as refused:
        date_changes.extend_deadline(db_session, staff, listing.id, late_that_day, "Why.", utcnow())
    with pytest.raises(date_changes.RulesFixed):
        date_changes.extend_deadline(db_session, staff, listing.id, end_of(30), "Why.", utcnow())
    assert listing.application_due_at == end_of(10) and _changes(db_session, listing) == []
    with app.test_request_context():
        text = refusal_text(refused.value, listing)
    assert "registered rules" in text and "drand" in text and "Postpone the lottery" in text

    # Until an hour before the lottery's day ends the round is out in time.
    date_changes.extend_deadline(db_session, staff, listing.id, afternoon, "Why.", utcnow())
    date_changes.postpone_lottery(db_session, staff, listing.id, end_of(40), "Why.", utcnow())
    date_changes.extend_deadline(db_session, staff, listing.id, end_of(30), "Why.", utcnow())
    assert listing.application_due_at == end_of(30)


def test_partners_ask_and_staff_apply_or_refuse_with_the_same_checks_at_approval(
    client, db_session, lottery_listing, staff, partner
):
    listing = lottery_listing
    now = utcnow()
    asked = date_changes.request_change(
        db_session, partner, listing.id, DateChangeKind.EXTEND_DEADLINE, end_of(13), "Rain.", now
    )
    closing = date_changes.request_change(
        db_session, partner, listing.id, DateChangeKind.CLOSE_EARLY, None, "Full.", now
    )
    assert asked.state is DateChangeState.REQUESTED and listing.application_due_at == end_of(10)
    assert _entries(db_session, listing, "listing.date_change_requested")
    with pytest.raises(NotAllowed):
        date_changes.approve_request(db_session, partner, asked.id, now)
    with pytest.raises(date_changes.WrongState):  # a request the listing refuses now
        date_changes.request_change(
            db_session, partner, listing.id, DateChangeKind.REOPEN, end_of(12), "No.", now
        )
    assert pending_requests(db_session) == [asked, closing]

    # Staff extend further meanwhile: the request no longer makes the deadline later.
    date_changes.extend_deadline(db_session, staff, listing.id, end_of(15), "Staff.", now)
    with pytest.raises(date_changes.NotLater):
        date_changes.approve_request(db_session, staff, asked.id, now)
    assert asked.state is DateChangeState.REQUESTED and listing.application_due_at == end_of(15)

    date_changes.refuse_request(db_session, staff, asked.id, "Already extended.", now)
    applied = date_changes.approve_request(db_session, staff, closing.id, now)
    assert applied.state is DateChangeState.APPLIED and listing.application_due_at == now
    assert (applied.requested_by_id, applied.decided_by_id) == (partner.id, staff.id)
    with pytest.raises(date_changes.RequestDecided):
        date_changes.refuse_request(db_session, staff, closing.id, "Too late.", now)
    assert _entries(db_session, listing, "listing.date_change_refused")
    assert pending_requests(db_session) == []

    # The partner sees both outcomes.
    sign_in_as(client, partner)
    page = client.get(f"/partner/listings/{listing.id}/dates").text
    assert "Already extended." in page and "Refused" in page and "Applied" in page
    assert "Sam Staff" in page


def test_partner_pages_ask_and_staff_pages_decide(client, db_session, lottery_listing, partner):
    listing = lottery_listing
    url = f"/partner/listings/{listing.id}/dates"
    sign_in_as(client, partner)
    nothing = post_form(client, f"{url}/postpone_lottery", {}, token_from=url)
    assert nothing.status_code == 422
    assert (
        "Enter the new lottery date." in nothing.text
        and "Say why the dates change." in nothing.text
    )
    asked = post_form(
        client,
        f"{url}/postpone_lottery",
        {
            "postpone_lottery-lottery_on": local_day(27).isoformat(),
            "postpone_lottery-reason": "Hall",
        },
        token_from=url,
        follow=True,
    )
    assert "Your request was sent to housing staff." in asked.text
    [request] = _changes(db_session, listing)
    assert request.state is DateChangeState.REQUESTED and listing.lottery_at == end_of(20)

    staff = UserFactory(staff=True, with_two_factor=True)
    staff_client = client.application.test_client()
    sign_in_as(staff_client, staff)
    queue = staff_client.get("/staff/reviews").text
    assert f"{url}#request-{request.id}" in queue and listing.name in queue
    refused = post_form(staff_client, f"{url}/requests/{request.id}/refuse", {}, token_from=url)
    assert refused.status_code == 422 and "Say why the request is refused." in refused.text
    done = post_form(
        staff_client, f"{url}/requests/{request.id}/approve", {}, token_from=url, follow=True
    )
    assert "The lottery is now on" in done.text
    db_session.refresh(listing)
    assert listing.lottery_at == end_of(27)


def _draft(db_session, listing, language: str, **applicant: object) -> Application:  # type: ignore[no-untyped-def]
    draft = start_application(db_session, listing.id, utcnow(), language=language)
    draft.answers = {"language": language, "applicant": {"first_name": "Lan", **applicant}}
    db_session.flush()
    return draft


def test_applicants_and_unfinished_drafts_are_told_once_each_in_their_language(
    app, client, db_session, lottery_listing, staff, mailbox
):
    listing = lottery_listing
    with app.test_request_context():
        english = submit_answers(
            db_session, listing.id, with_applicant(email="ana@example.org"), utcnow()
        ).application
        spanish_answers = with_applicant(
            email="rosa@example.org", first_name="Rosa", date_of_birth="1979-01-02"
        )
        spanish_answers["language"] = "es"
        spanish = submit_answers(db_session, listing.id, spanish_answers, utcnow()).application
        withdrawn = submit_answers(
            db_session,
            listing.id,
            with_applicant(email="gone@example.org", first_name="Gus", date_of_birth="1990-01-01"),
            utcnow(),
        ).application
    withdrawn.status = ApplicationStatus.WITHDRAWN
    _draft(db_session, listing, "vi", email="lan@example.org")
    _draft(db_session, listing, "en", no_email=True, no_phone=True)  # no way to reach them
    set_aside_messages(db_session)
    assert spanish.language == "es" and english.language == "en"

    sign_in_as(client, staff)
    url = f"/partner/listings/{listing.id}/dates"
    # A refused change writes no message.
    refused = post_form(
        client,
        f"{url}/extend_deadline",
        {"extend_deadline-due_on": local_day(5).isoformat(), "extend_deadline-reason": "No."},
        token_from=url,
    )
    assert refused.status_code == 422 and "Choose a date after the present one" in refused.text
    assert mailbox.messages == []

    done = post_form(
        client,
        f"{url}/extend_deadline",
        {"extend_deadline-due_on": local_day(13).isoformat(), "extend_deadline-reason": "Rain"},
        token_from=url,
        follow=True,
    )
    assert "The deadline is now" in done.text

    told = {message["To"]: message for message in mailbox.messages}
    assert sorted(told) == ["ana@example.org", "lan@example.org", "rosa@example.org"]
    assert len(mailbox.messages) == 3  # one each
    body = told["ana@example.org"].get_body(("plain",)).get_content()
    assert "The application deadline for Cedar Gardens was extended to" in body
    assert "Reason: Rain" in body and english.public_id in body
    assert told["ana@example.org"]["Subject"] == (
        "Cedar Gardens: the application deadline was extended"
    )
    in_spanish = told["rosa@example.org"]
    assert in_spanish["Content-Language"] == "es"
    spanish_body = in_spanish.get_body(("plain",)).get_content()
    assert "Hola" in spanish_body and "Motivo: Rain" in spanish_body
    draft_mail = told["lan@example.org"]
    assert draft_mail["Content-Language"] == "vi"
    assert f"/listings/{listing.id}/apply/resume/" in draft_mail.get_body(("plain",)).get_content()
    sent = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.template == "listing_dates_changed")
    ).all()
    assert {m.state for m in sent} == {MessageState.SENT}
    assert all(m.channel is Channel.EMAIL for m in sent)


def test_the_public_pages_show_the_change_at_once(
    database_url, tmp_path, db_session, lottery_listing, staff
):
    """With the page cache on, a change through the staff page empties it: the next anonymous
    reader sees the notice, the new deadline, and no way to apply once closed early."""
    listing = lottery_listing
    cached = create_app(make_config(database_url, tmp_path, page_cache_seconds=60))
    reader, worker = cached.test_client(), cached.test_client()
    page_url = f"/listings/{listing.id}"
    assert "was extended" not in reader.get(page_url).text
    assert "Apply online" in reader.get(page_url).text
    sign_in_as(worker, staff)
    url = f"/partner/listings/{listing.id}/dates"
    post_form(
        worker,
        f"{url}/extend_deadline",
        {
            "extend_deadline-due_on": local_day(16).isoformat(),
            "extend_deadline-due_at": "17:00",
            "extend_deadline-reason": "Paper forms arrive late.",
        },
        token_from=url,
    )
    page = reader.get(page_url).text
    assert "The application deadline was extended to" in page
    assert "Reason: Paper forms arrive late." in page
    db_session.refresh(listing)
    with cached.test_request_context():
        from housing.i18n import format_local_datetime

        shown = format_local_datetime(listing.application_due_at, ZONE, "medium")
    assert "5:00" in shown and shown in page
    assert shown in reader.get("/listings").text  # the directory's card

    post_form(
        worker, f"{url}/close_early", {"close_early-reason": "All units taken."}, token_from=url
    )
    page = reader.get(page_url).text
    assert "Applications closed early on" in page and "Apply online" not in page
    assert "Every change of dates" in page
    db_session.refresh(listing)
    assert window_problem(listing, utcnow(), ApplicationChannel.ONLINE) == "deadline_passed"
    assert (
        "The application deadline has passed." in reader.get(f"/listings/{listing.id}/apply").text
    )


def test_the_listing_row_holds_the_dates_the_change_set(db_session, lottery_listing, staff):
    """Read back from the database: the dates are stored, not only held by the session."""
    listing = lottery_listing
    date_changes.postpone_lottery(db_session, staff, listing.id, end_of(22), "Hall.", utcnow())
    db_session.expire_all()
    assert db_session.get(Listing, listing.id).lottery_at == end_of(22)


def test_the_details_form_no_longer_moves_an_approved_listings_dates(
    client, db_session, lottery_listing, staff
):
    """Once approved, the details form cannot move the deadline or the lottery (that would skip
    the reason, the announcement and the rules' check); it still saves everything else."""
    from housing.listings import management
    from tests.listings.test_partner_portal import listing_form

    listing = lottery_listing
    due, lottery_at = listing.application_due_at, listing.lottery_at
    with pytest.raises(management.DatesChangedOnlyByDateChange):
        management.update_listing(
            db_session,
            staff,
            listing.id,
            listing.version,
            {"application_due_at": due + timedelta(days=3)},
        )
    management.update_listing(
        db_session,
        staff,
        listing.id,
        listing.version,
        {"name": "Cedar Gardens II", "application_due_at": due, "lottery_at": lottery_at},
    )
    assert (listing.name, listing.application_due_at) == ("Cedar Gardens II", due)
    db_session.flush()

    url = f"/partner/listings/{listing.id}"
    sign_in_as(client, staff)
    assert "change on its Dates page" in client.get(url).text
    refused = post_form(client, url, listing_form(version=str(listing.version)), token_from=url)
    assert refused.status_code == 422
    assert "now change only on its Dates page" in refused.text
    db_session.expire_all()
    kept = db_session.get(Listing, listing.id)
    assert (kept.application_due_at, kept.lottery_at, kept.name) == (
        due,
        lottery_at,
        "Cedar Gardens II",
    )
