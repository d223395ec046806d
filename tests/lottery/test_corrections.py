"""Corrections after the freeze: preference claims found invalid, retracted results, re-freezes
and re-runs. Each adds to the record; nothing earlier is overwritten."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from housing.applications.models import Application, PreferenceClaim
from housing.applications.services import (
    local_date,
    save_answers,
    start_application,
    submit_answers,
    submit_application,
)
from housing.db_types import utcnow
from housing.listings import management
from housing.lottery.freeze import entrants_of
from housing.lottery.log import first_broken_link
from housing.lottery.models import LotteryLogEntry, LotteryStatus, RunKind
from housing.lottery.verify import ALGORITHM, verify_bundle
from tests.accounts.helpers import post_form
from tests.lottery.conftest import (
    flash_of,
    household,
    lottery_of,
    services_store,
    wait_for_round,
)


def beacon_for(db_session, listing) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The seed form as staff fill it once the round the registered rule names is out."""
    return wait_for_round(db_session, listing)


def draw_and_publish(client, db_session, listing) -> None:  # type: ignore[no-untyped-def]
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/freeze", {}, token_from=base)
    post_form(client, f"{base}/seed", beacon_for(db_session, listing), token_from=base)
    post_form(client, f"{base}/draw", {}, token_from=base)
    post_form(client, f"{base}/publish", {}, token_from=base)


def lottery_number(db_session, public_id: str) -> str:  # type: ignore[no-untyped-def]
    return db_session.scalar(
        select(Application.lottery_number).where(Application.public_id == public_id)
    )


def actions(db_session, listing) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(LotteryLogEntry.action)
            .where(LotteryLogEntry.listing_id == listing.id)
            .order_by(LotteryLogEntry.id)
        )
    )


def test_a_claim_found_invalid_before_the_freeze_is_left_out_of_the_entrants(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    holder = db_session.scalars(select(Application).order_by(Application.id)).first()
    assert holder.submitted_answers["preferences"]["NRHP"]["claimed"] is True
    claim = {"application_number": holder.public_id, "preference": "NRHP", "decision": "invalid"}
    post_form(client, f"{base}/claims", claim, token_from=base)
    assert "Give a reason" in flash_of(client, listing)
    post_form(
        client,
        f"{base}/claims",
        {**claim, "reason": "Proof is a bill for another address"},
        token_from=base,
    )
    post_form(client, f"{base}/freeze", {}, token_from=base)
    frozen = lottery_of(db_session, listing)
    entrant = next(e for e in frozen.manifest if e["id"] == holder.public_id)
    assert entrant["preferences"] == ["LW"]
    assert frozen.entrant_count == 40
    # After the freeze the claim is not among the entrants, so it cannot be restored by a decision.
    post_form(client, f"{base}/claims", {**claim, "decision": "valid"}, token_from=base)
    assert "Re-freeze the entrants" in flash_of(client, listing)
    log = db_session.scalars(
        select(LotteryLogEntry).where(LotteryLogEntry.action == "preference_validation")
    ).one()
    assert log.detail["valid"] is False and log.detail["reason"].startswith("Proof is a bill")


def test_a_claim_invalidated_after_publishing_makes_a_new_version_and_keeps_the_old(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    draw_and_publish(client, db_session, listing)
    first = lottery_of(db_session, listing).current_run
    old = first.bundle
    nrhp = old["lists"][1]  # after its veteran list, V-NRHP
    assert nrhp["preference"] == "NRHP" and len(nrhp["entrants"]) >= 4
    leaving, behind = nrhp["entrants"][1], nrhp["entrants"][2]

    claim = {"application_number": leaving, "preference": "NRHP", "decision": "invalid"}
    response = post_form(
        client,
        f"{base}/claims",
        {**claim, "application_number": "NOSUCHAPP", "reason": "x"},
        token_from=base,
    )
    assert response.status_code == 302, response.text
    assert "No submitted application with that number" in flash_of(client, listing)
    not_holder = next(e for e in old["manifest"]["entrants"] if "NRHP" not in e["preferences"])
    post_form(
        client,
        f"{base}/claims",
        {**claim, "application_number": not_holder["id"], "reason": "x"},
        token_from=base,
    )
    assert "does not claim this preference" in flash_of(client, listing)
    assert len(lottery_of(db_session, listing).runs) == 1

    post_form(
        client,
        f"{base}/claims",
        {**claim, "reason": "Moved out of the neighborhood in 2025"},
        token_from=base,
    )
    lottery = lottery_of(db_session, listing)
    assert lottery.status is LotteryStatus.PUBLISHED
    assert [run.number for run in lottery.runs] == [1, 2]
    second = lottery.current_run
    assert second.kind is RunKind.REVISION and second.published_at is not None
    new = second.bundle
    assert verify_bundle(new).startswith("OK:")
    assert new["version"] == 2 and old["version"] == 1
    assert new["invalidations"] == [{"id": leaving, "preference": "NRHP"}]
    # The applicant leaves that list only; nobody else moves relative to anyone.
    assert new["ranking"] == old["ranking"] and new["seed"] == old["seed"]
    assert new["lists"][1]["entrants"] == [e for e in nrhp["entrants"] if e != leaving]
    assert new["lists"][0] == old["lists"][0] and new["lists"][2:] == old["lists"][2:]
    assert new["result_sha256"] != old["result_sha256"]

    anonymous = client.application.test_client()
    assert anonymous.get(f"/listings/{listing.id}/lottery/results.json").json == new
    kept = anonymous.get(f"/listings/{listing.id}/lottery/results.json?version=1").json
    assert kept["result_sha256"] == old["result_sha256"] and verify_bundle(kept).startswith("OK:")
    overview = anonymous.get(f"/listings/{listing.id}/lottery").text
    assert (
        "Revised after a preference decision" in overview
        and "replaced by a later version" in overview
    )
    assert "Moved out of the neighborhood" not in overview  # about one household: log only

    moved = anonymous.get(
        f"/listings/{listing.id}/lottery/lookup?number={lottery_number(db_session, behind)}"
    )
    assert "place 2" in moved.text  # was third on the NRHP list
    eastern = lottery_number(db_session, behind).translate(
        str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    )
    assert (
        "place 2" in anonymous.get(f"/listings/{listing.id}/lottery/lookup?number={eastern}").text
    )
    gone = anonymous.get(
        f"/listings/{listing.id}/lottery/lookup?number={lottery_number(db_session, leaving)}"
    )
    master = old["ranking"].index(leaving) + 1
    assert f"rank {master} of 40" in gone.text

    # A tampered revision is caught: putting the applicant back without removing the record.
    forged = {**new, "lists": old["lists"]}
    with pytest.raises(Exception, match="list NRHP"):
        verify_bundle(forged)
    assert actions(db_session, listing)[-2:] == ["preference_validation", "revise"]
    assert first_broken_link(db_session) is None


def test_retracted_results_stay_readable_and_a_rerun_needs_a_reason(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    draw_and_publish(client, db_session, listing)
    post_form(client, f"{base}/retract", {"retract_reason": ""}, token_from=base)
    assert lottery_of(db_session, listing).status is LotteryStatus.PUBLISHED
    post_form(
        client,
        f"{base}/retract",
        {"retract_reason": "A paper application was not entered"},
        token_from=base,
    )
    lottery = lottery_of(db_session, listing)
    assert lottery.status is LotteryStatus.FROZEN
    first = lottery.runs[0]
    assert first.retracted_at is not None
    anonymous = client.application.test_client()
    assert anonymous.get(f"/listings/{listing.id}/lottery/results.json").status_code == 404
    assert (
        anonymous.get(f"/listings/{listing.id}/lottery/results.json?version=1").status_code == 200
    )
    assert (
        "A paper application was not entered"
        in anonymous.get(f"/listings/{listing.id}/lottery").text
    )
    # The seed inputs a draw used stay as they were until the entrants are frozen again.
    swapped = {**beacon_for(db_session, listing), "beacon_value": "cd" * 32}
    post_form(client, f"{base}/seed", swapped, token_from=base)
    assert "A draw has used these seed inputs" in flash_of(client, listing)
    assert (
        lottery_of(db_session, listing).beacon["value"]
        == beacon_for(db_session, listing)["beacon_value"]
    )
    # Drawing again from the same entrants and seed would only repeat the ranking.
    post_form(client, f"{base}/draw", {"draw_reason": "Again"}, token_from=base)
    assert "A draw has used these seed inputs" in flash_of(client, listing)
    assert len(lottery_of(db_session, listing).runs) == 1

    # The missed paper application, entered now; the entrants are frozen again with a reason.
    with client.application.test_request_context():
        paper = start_application(
            db_session,
            listing.id,
            utcnow(),
            language="en",
            entered_by=staff,
            received_on=local_date(listing, listing.application_due_at),
        )
        save_answers(db_session, paper.public_id, household(99, []), utcnow())
        submit_application(db_session, paper.public_id, utcnow(), actor=staff)
    db_session.flush()
    post_form(client, f"{base}/refreeze", {"refreeze_reason": ""}, token_from=base)
    assert "Give a reason" in flash_of(client, listing)
    post_form(
        client,
        f"{base}/refreeze",
        {"refreeze_reason": "Include the paper application"},
        token_from=base,
    )
    lottery = lottery_of(db_session, listing)
    assert lottery.entrant_count == 41 and lottery.beacon is None
    post_form(client, f"{base}/seed", beacon_for(db_session, listing), token_from=base)
    post_form(client, f"{base}/draw", {"draw_reason": ""}, token_from=base)
    assert lottery_of(db_session, listing).status is LotteryStatus.FROZEN
    assert "Give a reason" in flash_of(client, listing)
    post_form(
        client,
        f"{base}/draw",
        {"draw_reason": "Drawn again with all 41 applications"},
        token_from=base,
    )
    lottery = lottery_of(db_session, listing)
    assert lottery.status is LotteryStatus.DRAWN
    assert [run.number for run in lottery.runs] == [1, 2]
    second = lottery.current_run
    assert second.kind is RunKind.REDRAW and second.reason == "Drawn again with all 41 applications"
    assert len(second.bundle["ranking"]) == 41 and verify_bundle(second.bundle).startswith("OK:")
    assert lottery.runs[0].bundle["manifest"]["count"] == 40  # the first run is kept as it was
    post_form(client, f"{base}/publish", {}, token_from=base)
    assert lottery_of(db_session, listing).status is LotteryStatus.PUBLISHED
    assert actions(db_session, listing) == [
        "preregister",
        "freeze",
        "seed_inputs",
        "draw",
        "self_check",
        "publish",
        "retract",
        "refreeze",
        "seed_inputs",
        "rerun",
        "draw",
        "self_check",
        "publish",
    ]
    assert first_broken_link(db_session) is None


def test_the_listing_page_shows_the_registered_rules_and_a_veteran_claim_counts(
    client, db_session, lottery_listing, storage
):
    listing = lottery_listing
    page = client.get(f"/listings/{listing.id}").text
    assert "How the lottery is drawn" in page and ALGORITHM in page
    assert "drand" in page
    # A veteran status is claimed per preference: this household claims NRHP as a veteran
    # and LW (which has no veteran list) not.
    veteran = household(7, ["NRHP", "LW"], ("NRHP",))
    for code in ("NRHP", "LW"):
        veteran["preferences"][code]["document"] = services_store(db_session, storage, listing.id)
    veteran["preferences"]["NRHP"]["veteran_document"] = services_store(
        db_session, storage, listing.id
    )
    with client.application.test_request_context():
        listing.application_due_at = utcnow() + timedelta(days=1)
        made = submit_answers(db_session, listing.id, veteran, utcnow()).application
        listing.application_due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    claims = {
        claim.preference_code: claim.veteran
        for claim in db_session.scalars(
            select(PreferenceClaim).where(PreferenceClaim.application_id == made.id)
        )
    }
    assert claims == {"NRHP": True, "LW": False}
    manifest = entrants_of(db_session, listing.id)
    entrant = next(e for e in manifest if e["id"] == made.public_id)
    assert entrant["preferences"] == ["LW", "NRHP"]
    assert entrant["veteran_preferences"] == ["NRHP"]
    # The fixture's four claims of NRHP made as veterans, and this one.
    assert sum(len(e["veteran_preferences"]) for e in manifest) == 5


def test_the_results_pdf_lists_lottery_numbers_in_ranked_order_and_is_kept(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    draw_and_publish(client, db_session, listing)
    bundle = lottery_of(db_session, listing).current_run.bundle
    anonymous = client.application.test_client()
    url = f"/listings/{listing.id}/lottery/results.pdf"
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Lottery results: " + listing.name in text and "Applicant" not in text
    general = [lottery_number(db_session, public_id) for public_id in bundle["ranking"]]
    section = text[text.index("General list (everyone)") :]
    positions = [section.index(number) for number in general[:5]]
    assert positions == sorted(positions)  # in ranked order
    assert all(number in text for number in general)
    assert bundle["result_sha256"] in text.replace("\n", "").replace(" ", "")
    run = lottery_of(db_session, listing).current_run
    assert {"bundle", "pdf-en", "pdf-es"} <= set(run.files)  # made by the job at publication
    with anonymous.get(url) as again:  # served from storage the second time
        assert again.data == response.data
    spanish = anonymous.get(url, headers={"Accept-Language": "es"})
    assert "Resultados" in PdfReader(io.BytesIO(spanish.data)).pages[0].extract_text()
    assert anonymous.get(f"{url}?version=7").status_code == 404


def test_a_veteran_status_found_not_to_hold_after_the_draw_moves_the_household_to_the_base_list(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    draw_and_publish(client, db_session, listing)
    old = lottery_of(db_session, listing).current_run.bundle
    assert [entry["preference"] for entry in old["lists"]] == ["V-NRHP", "NRHP", "LW", "general"]
    veterans, nrhp = old["lists"][0]["entrants"], old["lists"][1]["entrants"]
    assert len(veterans) == 4 and not set(veterans) & set(nrhp)
    demoted = veterans[0]
    claim = {
        "application_number": demoted,
        "preference": "V-NRHP",
        "decision": "invalid",
        "reason": "DD-214 shows no active service",
    }
    post_form(client, f"{base}/claims", claim, token_from=base)
    new = lottery_of(db_session, listing).current_run.bundle
    assert new["version"] == 2
    assert new["invalidations"] == [{"id": demoted, "preference": "V-NRHP"}]
    assert verify_bundle(new).startswith("OK:")
    # Out of the veteran list, into NRHP at its master-order place; nobody else moves.
    assert new["lists"][0]["entrants"] == veterans[1:]
    master = {public_id: rank for rank, public_id in enumerate(old["ranking"])}
    assert new["lists"][1]["entrants"] == sorted([*nrhp, demoted], key=master.__getitem__)
    assert new["lists"][2:] == old["lists"][2:]
    # A claim not made as a veteran has no veteran status to decide.
    post_form(client, f"{base}/claims", {**claim, "application_number": nrhp[0]}, token_from=base)
    assert "does not claim this preference" in flash_of(client, listing)


def test_registered_preferences_cannot_change_and_the_log_names_who_drew(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    with client.application.app_context(), pytest.raises(management.RulesRegistered):
        management.set_preferences(db_session, staff, listing.id, [])
    assert [p.preference.code for p in listing.preferences] == ["NRHP", "LW"]
    draw_and_publish(client, db_session, listing)
    draw = db_session.scalars(select(LotteryLogEntry).where(LotteryLogEntry.action == "draw")).one()
    assert draw.actor_id == staff.id


def test_the_html_results_come_in_pages_for_long_lists(
    client, db_session, lottery_listing, staff, monkeypatch
):
    from housing.lottery import results_pages

    listing = lottery_listing
    draw_and_publish(client, db_session, listing)
    bundle = lottery_of(db_session, listing).current_run.bundle
    monkeypatch.setattr(results_pages, "PAGE_SIZE", 15)
    url = f"/listings/{listing.id}/lottery/results"
    general = [lottery_number(db_session, public_id) for public_id in bundle["ranking"]]

    first = client.get(url).text  # the general list unless another is asked for
    assert "Places 1 to 15." in first and "40 households on this list." in first
    assert general[14] in first and general[15] not in first
    assert 'rel="prev"' not in first and 'rel="next"' in first
    last = client.get(f"{url}?before=0").text
    assert '<ol class="results-numbers" start="26">' in last
    assert general[39] in last and general[0] not in last and 'rel="next"' not in last
    assert client.get(f"{url}?after=abc").status_code == 200
    # Cursors past what the database holds are no cursor at all: the first page.
    for cursor in ("after=2147483648", "before=99999999999999999999999"):
        assert "Places 1 to 15." in client.get(f"{url}?{cursor}").text
    assert client.get(f"{url}.json?version=99999999999999999999999").status_code == 404
    assert "Places 1 to 15." in client.get(f"{url}?list=nonsense").text


def test_a_correction_waits_for_the_queue_and_is_written_once(
    client, runner, db_session, lottery_listing, staff, monkeypatch
):
    from housing import jobs
    from housing.lottery.tasks import revise_results

    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    draw_and_publish(client, db_session, listing)
    holder = lottery_of(db_session, listing).current_run.bundle["lists"][0]["entrants"][0]
    real_enqueue = jobs.enqueue
    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: False)  # Redis is down
    claim = {
        "application_number": holder,
        "preference": "NRHP",
        "decision": "invalid",
        "reason": "Lease ended in 2024",
    }
    post_form(client, f"{base}/claims", claim, token_from=base)
    waiting = lottery_of(db_session, listing)
    assert waiting.revision_pending and len(waiting.runs) == 1
    assert "A new version of the results is being written" in client.get(base).text
    monkeypatch.setattr(jobs, "enqueue", real_enqueue)
    resumed = runner.invoke(args=["lottery", "resume"])  # no Redis here: runs in-process
    assert "1 unfinished draw(s) or correction(s)" in resumed.output
    written = lottery_of(db_session, listing)
    assert not written.revision_pending and len(written.runs) == 2
    assert written.current_run.bundle["invalidations"] == [{"id": holder, "preference": "NRHP"}]
    with client.application.app_context():
        revise_results(written.id)  # a duplicated job
    assert len(lottery_of(db_session, listing).runs) == 2
