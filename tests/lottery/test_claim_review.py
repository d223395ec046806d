"""Partners check preference claims against the uploaded proof, before or after the draw."""

from __future__ import annotations

from sqlalchemy import select

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application, PreferenceDecision
from housing.lottery.models import LotteryRun
from housing.notifications.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import post_form, sign_in_as
from tests.lottery.conftest import lottery_of, record_beacon


def partner_of(client, db_session, listing):  # type: ignore[no-untyped-def]
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    agent = client.application.test_client()
    sign_in_as(agent, partner)
    return agent


def test_a_partner_sees_each_claim_with_its_proof_and_decides_it(
    client, db_session, lottery_listing
):
    listing = lottery_listing
    agent = partner_of(client, db_session, listing)
    page = f"/partner/listings/{listing.id}/claims"
    shown = agent.get(page)
    assert shown.status_code == 200
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    assert f"application {holder.public_id}" in shown.text
    proof = holder.submitted_answers["preferences"]["NRHP"]["document"]
    assert f"/applications/{holder.public_id}/documents/{proof}" in shown.text
    with agent.get(f"/applications/{holder.public_id}/documents/{proof}") as opened:
        assert opened.status_code == 200 and opened.data.startswith(b"%PDF")

    refused = post_form(
        agent, page, {"application": holder.public_id, "preference": "NRHP", "decision": "invalid"}
    )
    assert refused.status_code == 302
    assert "Give a reason" in agent.get(page).text
    assert db_session.scalars(select(PreferenceDecision)).first() is None

    reason = "The bill is for another address"
    post_form(
        agent,
        page,
        {
            "application": holder.public_id,
            "preference": "NRHP",
            "decision": "invalid",
            "reason": reason,
        },
    )
    db_session.expire_all()
    decision = db_session.scalars(select(PreferenceDecision)).one()
    assert not decision.valid and decision.reason == reason
    told = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.template == "claim_decided")
    ).all()
    assert told and reason in told[0].body_text
    # Only the undecided remain when asked.
    name = next(c.preference.name for c in listing.preferences if c.preference.code == "NRHP")
    heading = f"{name} · application {holder.public_id}"
    assert f">{heading}</h2>" in agent.get(page).text
    undecided = agent.get(f"{page}?undecided=1").text
    assert f">{heading}</h2>" not in undecided
    # This claim was made as a veteran: its veteran status is decided apart, and is not yet.
    assert f">Veteran with {heading}</h2>" in undecided


def test_a_claim_found_invalid_after_the_draw_writes_a_new_version(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    record_beacon(db_session, listing, staff)
    post_form(client, f"{base}/draw", {}, token_from=base)
    agent = partner_of(client, db_session, listing)
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    post_form(
        agent,
        f"/partner/listings/{listing.id}/claims",
        {
            "application": holder.public_id,
            "preference": "NRHP",
            "decision": "invalid",
            "reason": "Expired",
        },
    )
    lottery = lottery_of(db_session, listing)
    runs = db_session.scalars(select(LotteryRun).where(LotteryRun.lottery_id == lottery.id)).all()
    assert len(runs) == 2 and not lottery.revision_pending


def test_a_decision_must_be_chosen(client, db_session, lottery_listing):
    listing = lottery_listing
    agent = partner_of(client, db_session, listing)
    page = f"/partner/listings/{listing.id}/claims"
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    post_form(agent, page, {"application": holder.public_id, "preference": "NRHP", "reason": "x"})
    assert "Choose valid or invalid." in agent.get(page).text
    assert db_session.scalars(select(PreferenceDecision)).first() is None
    assert agent.get(f"{page}?after=²").status_code == 200
