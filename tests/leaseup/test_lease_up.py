"""A listing goes from published results to every unit leased, with a waitlist: agents work the
computed list, invite households to send documents, the households answer at their link, and
a unit that frees up goes to the first household waiting."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application
from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.leaseup import services
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent
from housing.leaseup.order import ACCESSIBLE
from housing.leaseup.statuses import LeaseStatus
from housing.listings.models import AccessibilityPriority, Unit
from housing.notifications.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as
from tests.conftest import set_aside_messages
from tests.lottery.conftest import (  # noqa: F401 - fixtures
    clock,
    every_published_bundle_verifies,
    lottery_listing,
    record_beacon,
    staff,
)


@pytest.fixture
def published(client, db_session, lottery_listing, staff, mailbox):  # type: ignore[no-untyped-def] # noqa: F811
    """Forty households ranked, five one-bedroom units; partner signed in on ``client``."""
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    record_beacon(db_session, listing, staff)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    fresh = client.application.test_client()
    sign_in_as(fresh, partner)
    set_aside_messages(db_session)
    mailbox.messages.clear()
    return listing, fresh


def base_of(listing) -> str:  # type: ignore[no-untyped-def]
    return f"/partner/listings/{listing.id}/lease-up"


def work(db_session, listing):  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return services.compute(db_session, listing, utcnow())


def version_of(db_session, application_id: int) -> str:  # type: ignore[no-untyped-def]
    entry = services.entry_of(db_session, application_id)
    return str(entry.version if entry else 0)


def set_status(agent, db_session, listing, application, status, **extra):  # type: ignore[no-untyped-def]
    page = f"{base_of(listing)}/{application.public_id}"
    return post_form(
        agent,
        f"{page}/status",
        {"status": status, "version": version_of(db_session, application.id), **extra},
        token_from=page,
    )


def test_agents_work_the_list_in_order_and_the_next_household_is_computed(db_session, published):
    listing, agent = published
    current = work(db_session, listing)
    nexts = current.work.next_to_contact
    assert len(nexts) == 5  # five units, nobody contacted yet
    # The first preference fills its 40% share (2 of 5 units), from its veteran list first
    # (four NRHP claims made as veterans), then from its own list.
    first_list = [p for p in current.work.placements if p.list_code in ("V-NRHP", "NRHP")]
    assert [p.list_code for p in first_list] == ["V-NRHP", "V-NRHP"]
    assert current.work.lists[0].slots == 2
    page = agent.get(base_of(listing))
    assert page.status_code == 200
    assert page.text.count("Next to contact") >= 5

    # Someone further down cannot be given a unit ahead of the households in line.
    waiting = current.work.waitlist[0]
    jumper = db_session.get(Application, waiting.id)
    refused = set_status(agent, db_session, listing, jumper, "processing")
    assert refused.status_code == 422
    assert "not next in line" in refused.text
    assert services.entry_of(db_session, jumper.id) is None

    # All five in one go; then the list says nobody else is next.
    chosen = [f"{c.id}:0" for c in nexts]
    page = base_of(listing)
    done = post_form(
        agent,
        f"{page}/bulk",
        {"status": "processing", "chosen": chosen, "comment": "Called"},  # type: ignore[dict-item]
        token_from=page,
    )
    assert done.status_code == 302
    current = work(db_session, listing)
    assert current.work.holding == 5 and current.work.next_to_contact == []
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.action == "lease_up.status")
        )
        == 5
    )

    # A disqualification needs a reason; with one, the household is told and the next in
    # line becomes next to contact.
    first = db_session.get(Application, nexts[0].id)
    without = set_status(agent, db_session, listing, first, "disqualified")
    assert without.status_code == 422 and "Give a reason" in without.text
    reason = "Income over the limit after verification"
    assert (
        set_status(agent, db_session, listing, first, "disqualified", reason=reason).status_code
        == 302
    )
    current = work(db_session, listing)
    assert [c.id for c in current.work.next_to_contact] == [current.work.waitlist[0].id] or len(
        current.work.next_to_contact
    ) == 1
    told = db_session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.application_id == first.id, OutboundMessage.template == "lease_status"
        )
    ).all()
    assert told and reason in told[0].body_text


def test_two_agents_at_once_the_second_is_told_and_keeps_what_they_typed(db_session, published):
    listing, agent = published
    other = agent.application.test_client()
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    sign_in_as(other, partner)
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    page = f"{base_of(listing)}/{household.public_id}"
    # Both read the page while the household is at version 0.
    token_a = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', agent.get(page).text).group(1)
    token_b = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', other.get(page).text).group(1)
    first = agent.post(
        f"{page}/status", data={"csrf_token": token_a, "status": "processing", "version": "0"}
    )
    assert first.status_code == 302
    comment = "Left a voicemail at 10:05"
    second = other.post(
        f"{page}/status",
        data={"csrf_token": token_b, "status": "withdrawn", "version": "0", "comment": comment},
    )
    assert second.status_code == 409
    assert "Someone else changed this household" in second.text
    assert comment in second.text  # their note is still in the form
    db_session.expire_all()
    entry = services.entry_of(db_session, household.id)
    assert entry.status is LeaseStatus.PROCESSING and entry.version == 1


def _invite(agent, db_session, listing, application, due_on: str):  # type: ignore[no-untyped-def]
    page = f"{base_of(listing)}/{application.public_id}"
    return post_form(
        agent,
        f"{page}/invite",
        {
            "due_on": due_on,
            "message": "Bring your last three pay stubs.",
            "version": version_of(db_session, application.id),
        },
        token_from=page,
    )


def test_an_invited_household_sends_documents_at_its_link_once_and_only_before_the_deadline(
    client, db_session, published, mailbox
):
    listing, agent = published
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    refused = _invite(agent, db_session, listing, household, "2020-01-01")
    assert refused.status_code == 422 and "must be in the future" in refused.text
    for typed in ("next week", "9999-12-31", "\uff12\uff10\uff19\uff19-01-01"):
        garbled = _invite(agent, db_session, listing, household, typed)
        assert garbled.status_code == 422 and "year-month-day" in garbled.text, typed
    due = (utcnow() + timedelta(days=10)).date().isoformat()
    assert _invite(agent, db_session, listing, household, due).status_code == 302
    db_session.expire_all()
    assert services.entry_of(db_session, household.id).status is LeaseStatus.INVITED
    [email] = [m for m in mailbox.messages if "send your documents" in m["Subject"]]
    body = email.get_body(("plain",)).get_content()
    assert "Bring your last three pay stubs." in body
    link = re.search(r"https?://\S+/lease-up/documents/\S+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path

    visitor = client.application.test_client()
    form = visitor.get(path)
    assert form.status_code == 200 and household.public_id in form.text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    incomplete = visitor.post(path, data={"csrf_token": token, "monthly_wages": "-5"})
    assert incomplete.status_code == 422
    assert "Enter an amount between 0 and 10,000,000." in incomplete.text
    assert "Confirm that what you have written is true." in incomplete.text
    db_session.expire_all()
    assert services.entry_of(db_session, household.id).status is LeaseStatus.INVITED

    answer = {
        "csrf_token": token,
        "employer": "Harbor Clinic",
        "monthly_wages": "4200.50",
        "other_income": "0",
        "assets": "1500",
        "household_members_working": "1",
        "certify": "y",
    }
    fake = visitor.post(
        path,
        data={**answer, "documents": (io.BytesIO(b"MZ not a pdf"), "stub.pdf")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
    db_session.expire_all()
    assert db_session.scalars(select(DocumentRequest)).one().responded_at is None

    done = visitor.post(
        path,
        data={**answer, "documents": (io.BytesIO(pdf_document("Pay stub", ["x"])), "stub.pdf")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200 and "Documents received" in done.text
    db_session.expire_all()
    assert services.entry_of(db_session, household.id).status is LeaseStatus.DOCUMENTS_RECEIVED
    request = db_session.scalars(select(DocumentRequest)).one()
    assert request.response["employer"] == "Harbor Clinic"
    assert len(request.response["documents"]) == 1
    # Used again: already answered, nothing changes.
    again = visitor.get(path)
    assert again.status_code == 409 and "already received" in again.text
    shown = agent.get(f"{base_of(listing)}/{household.public_id}")
    assert "Harbor Clinic" in shown.text and "stub.pdf" in shown.text


def test_a_link_past_its_deadline_or_opened_by_another_account_is_refused(
    client, db_session, published
):
    listing, agent = published
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    due = (utcnow() + timedelta(days=3)).date().isoformat()
    _invite(agent, db_session, listing, household, due)
    db_session.expire_all()
    request = db_session.scalars(select(DocumentRequest)).one()
    # The secret is only in the message: read it back from the outbox row.
    message = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.template == "documents_requested")
    ).first()
    path = "/" + re.search(r"https?://[^/]+/(lease-up/documents/\S+)", message.body_text).group(1)
    owner = factories.UserFactory()
    household.user_id = owner.id
    db_session.flush()
    stranger = client.application.test_client()
    sign_in_as(stranger, factories.UserFactory())
    refused = stranger.get(path)
    assert refused.status_code == 403 and "another person" in refused.text

    request.due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    late = client.application.test_client().get(path)
    assert late.status_code == 410 and "deadline" in late.text
    assert client.application.test_client().get("/lease-up/documents/forged").status_code == 404
    db_session.expire_all()
    assert db_session.scalars(select(DocumentRequest)).one().responded_at is None


def test_from_results_to_every_unit_leased_with_a_waitlist_and_a_unit_that_frees_up(
    client, db_session, published
):
    listing, agent = published
    leased = []
    while True:
        nexts = work(db_session, listing).work.next_to_contact
        if not nexts:
            break
        household = db_session.get(Application, nexts[0].id)
        for status in ("processing", "approved", "lease_signed"):
            assert set_status(agent, db_session, listing, household, status).status_code == 302
        leased.append(household.id)
    assert len(leased) == 5
    current = work(db_session, listing)
    assert current.work.filled and current.work.leased == 5
    assert len(current.work.waitlist) == 35

    page = f"{base_of(listing)}/waitlist"
    told = post_form(agent, f"{page}/notify", {}, token_from=page)
    assert told.status_code == 302
    db_session.expire_all()
    waitlisted = db_session.scalars(
        select(LeaseUpEntry).where(LeaseUpEntry.status == LeaseStatus.WAITLISTED)
    ).all()
    assert len(waitlisted) == 35
    first_waiting = current.work.waitlist[0]
    letter = db_session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.application_id == first_waiting.id,
            OutboundMessage.template == "lease_status",
        )
    ).first()
    assert "number 1 on the waitlist" in letter.body_text
    # The household sees its place on its own page.
    applicant = db_session.get(Application, current.work.waitlist[1].id)
    with agent.session_transaction() as browser:
        browser["applications"] = [applicant.public_id]
    own = agent.get(f"/applications/{applicant.public_id}")
    assert "Your place on the waitlist: 2." in own.text

    # A unit frees up: the first on the waitlist is next; they decline; the second is next.
    unit = listing.units[0]
    page = base_of(listing)
    post_form(
        agent,
        f"{page}/reopen",
        {"unit": str(unit.id), "reopen_reason": "Tenant moved out"},
        token_from=page,
    )
    assert [c.id for c in work(db_session, listing).work.next_to_contact] == [first_waiting.id]
    first = db_session.get(Application, first_waiting.id)
    assert set_status(agent, db_session, listing, first, "declined").status_code == 302
    second = work(db_session, listing).work.next_to_contact
    assert [c.id for c in second] == [current.work.waitlist[1].id]
    # Removal from the waitlist needs a reason too.
    third = db_session.get(Application, current.work.waitlist[2].id)
    assert set_status(agent, db_session, listing, third, "removed").status_code == 422
    assert (
        set_status(
            agent, db_session, listing, third, "removed", reason="Asked to be removed"
        ).status_code
        == 302
    )

    funnel = dict(services.funnel(db_session, listing.id))
    assert funnel["processing"] == 5 and funnel["lease_signed"] == 5
    history = db_session.scalars(
        select(LeaseUpEvent).where(LeaseUpEvent.application_id == leased[0])
    ).all()
    assert [e.to_status for e in history] == ["processing", "approved", "lease_signed"]


def test_lease_up_waits_for_published_results(client, db_session, lottery_listing, staff):  # noqa: F811
    listing = lottery_listing
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    agent = client.application.test_client()
    sign_in_as(agent, partner)
    page = agent.get(base_of(listing))
    assert page.status_code == 200
    assert "Lease-up starts once the lottery results are published." in page.text


def _link_of(db_session) -> str:  # type: ignore[no-untyped-def]
    message = db_session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.template == "documents_requested")
        .order_by(OutboundMessage.id.desc())
    ).first()
    return "/" + re.search(r"https?://[^/]+/(lease-up/documents/\S+)", message.body_text).group(1)


def test_the_message_names_the_day_chosen_and_a_household_moved_on_cannot_use_its_link(
    client, db_session, published
):
    listing, agent = published
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    assert _invite(agent, db_session, listing, household, "2099-03-31").status_code == 302
    db_session.expire_all()
    message = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.template == "documents_requested")
    ).first()
    assert "March 31, 2099" in message.subject
    path = _link_of(db_session)
    # The agent takes the documents on paper and approves: the link no longer declines.
    assert set_status(agent, db_session, listing, household, "approved").status_code == 302
    visitor = client.application.test_client()
    refused = visitor.get(path)
    assert refused.status_code == 409
    db_session.expire_all()
    assert services.entry_of(db_session, household.id).status is LeaseStatus.APPROVED


def test_a_second_answer_is_refused_and_keeps_no_file_and_odd_numbers_are_refused(
    client, db_session, published, storage
):
    listing, agent = published
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    _invite(agent, db_session, listing, household, "2099-01-31")
    db_session.expire_all()
    path = _link_of(db_session)
    first, second = client.application.test_client(), client.application.test_client()
    token_a = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', first.get(path).text).group(1)
    token_b = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', second.get(path).text).group(1)
    answer = {
        "monthly_wages": "NaN",
        "other_income": "0",
        "assets": "0",
        "household_members_working": "1",
        "certify": "y",
    }
    odd = first.post(path, data={"csrf_token": token_a, **answer})
    assert odd.status_code == 422 and "Enter an amount between 0 and 10,000,000." in odd.text
    answer["monthly_wages"] = "1000"

    def send(browser, token, name):  # type: ignore[no-untyped-def]
        return browser.post(
            path,
            data={
                "csrf_token": token,
                **answer,
                "documents": (io.BytesIO(pdf_document(name, ["x"])), f"{name}.pdf"),
            },
            content_type="multipart/form-data",
        )

    assert send(first, token_a, "first").status_code == 200
    files_after_first = sorted(p.name for p in storage.root.rglob("*") if p.is_file())
    again = send(second, token_b, "second")
    assert again.status_code == 409 and "already received" in again.text
    assert sorted(p.name for p in storage.root.rglob("*") if p.is_file()) == files_after_first
    db_session.expire_all()
    request = db_session.scalars(select(DocumentRequest)).one()
    assert len(request.response["documents"]) == 1
    # Odd numbers in links and forms are refused or ignored, never an error.
    for url in (
        f"{base_of(listing)}/waitlist?page=²",
        f"{base_of(listing)}/waitlist?page={'9' * 5000}",
    ):
        assert agent.get(url).status_code == 200


def test_an_appeal_follows_a_disqualification_and_a_unit_is_free_again_only_once_all_are_held(
    db_session, published
):
    listing, agent = published
    household = db_session.get(Application, work(db_session, listing).work.next_to_contact[0].id)
    assert set_status(agent, db_session, listing, household, "processing").status_code == 302
    assert (
        set_status(
            agent, db_session, listing, household, "disqualified", reason="Income too high"
        ).status_code
        == 302
    )
    assert set_status(agent, db_session, listing, household, "appealed").status_code == 302
    db_session.expire_all()
    assert services.entry_of(db_session, household.id).status is LeaseStatus.APPEALED
    page = base_of(listing)
    early = post_form(
        agent,
        f"{page}/reopen",
        {"unit": str(listing.units[0].id), "reopen_reason": "Moved out"},
        token_from=page,
    )
    assert early.status_code == 302
    assert "only once every unit is held" in agent.get(page).text
    assert work(db_session, listing).work.units_total == 5


def test_an_accessible_unit_is_offered_first_to_the_household_that_asked_for_one(
    db_session, published
):
    """A wheelchair-accessible unit added to the listing goes to the best-ranked household
    whose application asked for a mobility unit, ahead of everyone else; the page says why."""
    listing, agent = published
    first = work(db_session, listing)
    last = first.work.waitlist[-1]
    template = db_session.scalars(select(Unit).where(Unit.listing_id == listing.id)).first()
    db_session.add(
        Unit(
            listing_id=listing.id,
            unit_type=template.unit_type,
            unit_count=1,
            monthly_rent=template.monthly_rent,
            ami_chart_id=template.ami_chart_id,
            ami_percent=template.ami_percent,
            accessibility=AccessibilityPriority.MOBILITY,
        )
    )
    application = db_session.get(Application, last.id)
    answers = dict(application.submitted_answers)
    answers["accessibility"] = {"mobility": True, "vision": False, "hearing": False}
    application.submitted_answers = answers
    db_session.flush()

    current = work(db_session, listing)
    [reached] = [p for p in current.work.placements if p.list_code == ACCESSIBLE]
    assert reached.candidate.id == last.id and reached.unit_key is not None
    assert len(current.work.next_to_contact) == 6
    page = agent.get(base_of(listing)).text
    assert "Accessible unit, for a household that needs its features" in page
    assert "Accessible units come first" in page
