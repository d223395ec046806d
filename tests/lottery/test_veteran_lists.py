"""DAHLIA's result lists: a veteran status claimed per preference claim, each preference's
veteran list published ahead of the preference's own, each list numbered on its own, and a
household on every list it holds with its one master rank."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from housing.applications.models import Application
from housing.applications.services import submit_answers
from housing.db_types import utcnow
from housing.lottery.models import LotteryRank
from housing.lottery.registration import preregister
from housing.lottery.verify import verify_bundle
from tests import factories
from tests.accounts.helpers import post_form
from tests.applications.helpers import open_listing
from tests.lottery.conftest import (
    household,
    lottery_of,
    services_store,
    wait_for_round,
)

# (DTHP claimed as, LW claimed as) per household: None not claimed, False claimed, True
# claimed as a veteran. Household 0 is the one SF published in V-DTHP and in plain L/W.
CLAIMS = [
    (True, False),
    (True, True),
    (False, True),
    (False, False),
    (True, None),
    (None, True),
    (None, False),
    (False, None),
    (None, None),
    (None, None),
    (True, False),
    (False, True),
]


def test_veteran_claims_on_two_preferences_make_their_own_lists_ahead_of_the_base_lists(
    app, client, db_session, storage, staff
):
    listing = open_listing()
    for rank, (code, share) in enumerate((("DTHP", 20), ("LW", None)), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=code, proof_types=["Utility bill"]),
            unit_share_percent=share,
            veterans_first=True,
        )
    db_session.flush()
    preregister(db_session, listing, utcnow())
    made: list[str] = []
    with app.test_request_context():
        for number, (dthp, lw) in enumerate(CLAIMS):
            held = {"DTHP": dthp, "LW": lw}
            answers = household(number, [], ())
            answers["preferences"] = {}
            for code, as_veteran in held.items():
                if as_veteran is None:
                    answers["preferences"][code] = {"claimed": False}
                    continue
                claim = {
                    "claimed": True,
                    "member": 0,
                    "proof_type": "Utility bill",
                    "document": services_store(db_session, storage, listing.id),
                    "veteran": as_veteran,
                }
                if as_veteran:
                    claim["veteran_proof_type"] = "dd214"
                    claim["veteran_document"] = services_store(db_session, storage, listing.id)
                answers["preferences"][code] = claim
            made.append(submit_answers(db_session, listing.id, answers, utcnow()).application)
    ids = [application.public_id for application in made]
    listing.application_due_at = utcnow() - timedelta(minutes=5)
    db_session.flush()

    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    manifest = {entrant["id"]: entrant for entrant in lottery_of(db_session, listing).manifest}
    assert manifest[ids[0]]["preferences"] == ["DTHP", "LW"]
    assert manifest[ids[0]]["veteran_preferences"] == ["DTHP"]
    post_form(client, f"{base}/seed", wait_for_round(db_session, listing), token_from=base)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)
    run = lottery_of(db_session, listing).current_run
    bundle = run.bundle
    assert verify_bundle(bundle).startswith("OK:")

    lists = {entry["preference"]: entry["entrants"] for entry in bundle["lists"]}
    assert list(lists) == ["V-DTHP", "DTHP", "V-LW", "LW", "general"]
    ranking = bundle["ranking"]

    def holders(position: int, as_veteran: bool) -> list[str]:
        """Master order filtered to the claims of one preference made (or not) as veterans."""
        wanted = {ids[n] for n, claims in enumerate(CLAIMS) if claims[position] is as_veteran}
        return [public_id for public_id in ranking if public_id in wanted]

    assert lists["V-DTHP"] == holders(0, True)
    assert lists["DTHP"] == holders(0, False)
    assert lists["V-LW"] == holders(1, True)
    assert lists["LW"] == holders(1, False)
    assert lists["general"] == ranking
    # The household in V-DTHP and in plain LW: on both, with its one master rank, numbered
    # 1, 2, 3... inside each list.
    household_zero = ids[0]
    assert household_zero in lists["V-DTHP"] and household_zero in lists["LW"]
    assert household_zero not in lists["DTHP"] and household_zero not in lists["V-LW"]
    rank = db_session.scalars(
        select(LotteryRank)
        .join(Application, Application.id == LotteryRank.application_id)
        .where(LotteryRank.run_id == run.id, Application.public_id == household_zero)
    ).one()
    assert rank.list_ranks == {
        "V-DTHP": lists["V-DTHP"].index(household_zero) + 1,
        "LW": lists["LW"].index(household_zero) + 1,
        "general": ranking.index(household_zero) + 1,
    }
    assert rank.master_rank == ranking.index(household_zero) + 1

    # Every page names the veteran lists, in the published order.
    anonymous = app.test_client()
    dthp_name = listing.preferences[0].preference.name
    lw_name = listing.preferences[1].preference.name
    results = anonymous.get(f"/listings/{listing.id}/lottery/results").text
    assert f"Veteran with {dthp_name}" in results
    number = made[0].lottery_number
    lookup = anonymous.get(f"/listings/{listing.id}/lottery/lookup?number={number}").text
    found = re.findall(r"<li>([^<:]+): place", lookup)
    assert found == [f"Veteran with {dthp_name}", lw_name, "General list (everyone)"]

    # The staff lottery page offers each list by its name, the veteran lists among them.
    manage = client.get(base).text
    assert f'<option value="V-DTHP">Veteran with {dthp_name}</option>' in manage
    assert f'<option value="LW">{lw_name}</option>' in manage

    # Staff review the veteran status apart from the claim, on the claims page: withdrawn after
    # the draw, the household moves from V-DTHP to DTHP in a new version; LW is untouched.
    claims_url = f"/partner/listings/{listing.id}/claims"
    page = client.get(claims_url).text
    assert f"Veteran with {dthp_name} · application {household_zero}" in page
    assert "DD Form 214" in page
    post_form(
        client,
        claims_url,
        {
            "application": household_zero,
            "preference": "V-DTHP",
            "decision": "invalid",
            "reason": "No record of service",
        },
        token_from=claims_url,
    )
    revised = lottery_of(db_session, listing).current_run.bundle
    assert revised["invalidations"] == [{"id": household_zero, "preference": "V-DTHP"}]
    moved = {entry["preference"]: entry["entrants"] for entry in revised["lists"]}
    assert moved["V-DTHP"] == [e for e in lists["V-DTHP"] if e != household_zero]
    assert moved["DTHP"] == [e for e in ranking if e in {*lists["DTHP"], household_zero}]
    assert moved["LW"] == lists["LW"] and moved["V-LW"] == lists["V-LW"]
    assert verify_bundle(revised).startswith("OK:")

    # The household hears that it keeps its claim, on the preference's own list.
    from housing.notifications.models import OutboundMessage
    from housing.notifications.services import rendered

    told = db_session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.template == "claim_decided",
            OutboundMessage.application_id == made[0].id,
        )
    ).all()
    assert told
    for message in told:
        text = rendered(db_session, message).text
        assert f"veteran list of {dthp_name}" in text, text
        if message.channel.value == "email":
            assert "stays in the lottery with this preference, on its own list" in text
