"""Randomness nobody can choose after the freeze, tested against an operator who would like to.

The beacon round the registered rule names is refused until the beacon has published it; its
value must be the SHA-256 of its signature; with ``BEACON_URL`` the round is read from the
beacon (a local drand-style server here, see ``drand_server.py``) and a typed value must be
the beacon's; and the entrants cannot be frozen again, for a new round, when nothing changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta

import pytest

from housing.db_types import utcnow
from housing.lottery.access import LotteryRefused
from housing.lottery.beacon import BeaconUnavailable, fetch_round
from housing.lottery.draw import request_draw
from housing.lottery.freeze import freeze, refreeze
from housing.lottery.models import LotteryStatus
from housing.lottery.registration import BEACON_RULE
from housing.lottery.seed import beacon_round_of, round_published_at, set_seed_inputs
from housing.lottery.verify import seed as seed_of
from housing.lottery.wording import moment_text
from tests.accounts.helpers import post_form
from tests.lottery.conftest import flash_of, lottery_of, record_beacon, wait_for_round
from tests.lottery.drand_server import made_up_round

CHAIN = str(BEACON_RULE["chain_hash"])


def typed(db_session, listing, staff, form, now, **options):  # type: ignore[no-untyped-def]
    return set_seed_inputs(
        db_session,
        listing.id,
        staff,
        now,
        beacon_source=form["beacon_source"],
        beacon_round=form["beacon_round"],
        beacon_value=form.get("beacon_value", ""),
        beacon_signature=form.get("beacon_signature", ""),
        reveals={},
        **options,
    )


def round_form(number: int, randomness: str, signature: str) -> dict[str, str]:
    return {
        "beacon_source": "drand mainnet",
        "beacon_round": str(number),
        "beacon_value": randomness,
        "beacon_signature": signature,
    }


def test_a_value_typed_a_minute_after_the_freeze_is_refused_until_the_round_is_out(
    app, client, db_session, lottery_listing, staff, clock
):
    listing = lottery_listing
    frozen = freeze(db_session, listing.id, staff, utcnow())
    number = beacon_round_of(frozen)
    published_at = round_published_at(frozen)
    assert number is not None and published_at is not None and frozen.frozen_at is not None
    assert published_at >= frozen.frozen_at + timedelta(hours=1)
    made_up = made_up_round(number)
    form = round_form(number, made_up["randomness"], made_up["signature"])

    clock.advance(timedelta(minutes=1))
    with pytest.raises(LotteryRefused) as refused:
        typed(db_session, listing, staff, form, utcnow())
    assert refused.value.code == "round_not_yet"
    assert refused.value.detail["at"] == published_at

    # Through the page: it says when the round comes, in the listing's time zone, and refuses.
    base = f"/staff/lottery/{listing.id}"
    with app.test_request_context():
        when = moment_text(published_at, listing.timezone)
    assert "Pacific" in when and when.count(":") == 2  # to the second, in the listing's zone
    page = client.get(base).text
    assert f"Round {number} will be published at {when}." in page
    post_form(client, f"{base}/seed", form, token_from=base)
    assert f"Beacon round {number} is published at {when}." in flash_of(client, listing)
    assert lottery_of(db_session, listing).beacon is None

    # One second before the round: still refused; once it is out, accepted.
    clock.move_to(published_at - timedelta(seconds=1))
    with pytest.raises(LotteryRefused, match="round_not_yet"):
        typed(db_session, listing, staff, form, utcnow())
    clock.move_to(published_at)
    post_form(client, f"{base}/seed", form, token_from=base)
    assert "Seed inputs saved." in flash_of(client, listing)
    recorded = lottery_of(db_session, listing).beacon
    assert recorded == {
        "source": "drand mainnet",
        "round": str(number),
        "value": made_up["randomness"],
        "signature": made_up["signature"],
        "obtained": "typed",
    }
    assert f"Round {number} was published at {when}." in client.get(base).text


@pytest.mark.parametrize(
    "change",
    ["a value of the operator's choosing", "a signature that is not the value's"],
)
def test_a_value_that_is_not_the_sha256_of_its_signature_is_refused(
    client, db_session, lottery_listing, staff, change
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = wait_for_round(db_session, listing)
    if change == "a value of the operator's choosing":
        form["beacon_value"] = hashlib.sha256(b"favours applicant 7").hexdigest()
    else:
        form["beacon_signature"] = made_up_round(1)["signature"]
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/seed", form, token_from=base)
    assert (
        f"The value given for beacon round {form['beacon_round']} is not the SHA-256 of the "
        "signature given." in flash_of(client, listing)
    )
    assert lottery_of(db_session, listing).beacon is None


@pytest.mark.parametrize(
    "missing", ["beacon_value", "beacon_signature"], ids=["no value", "no signature"]
)
def test_without_a_beacon_both_value_and_signature_are_needed(
    db_session, lottery_listing, staff, missing
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = {**wait_for_round(db_session, listing), missing: ""}
    with pytest.raises(LotteryRefused, match="bad_beacon"):
        typed(db_session, listing, staff, form, utcnow())


def test_another_spelling_of_the_beacon_is_refused(db_session, lottery_listing, staff):
    """The source is hashed into the seed: a free spelling of it would be a free re-roll."""
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = wait_for_round(db_session, listing)
    for other in ("drand", "Drand mainnet", "drand mainnet (again)"):
        with pytest.raises(LotteryRefused) as refused:
            typed(db_session, listing, staff, {**form, "beacon_source": other}, utcnow())
        assert refused.value.code == "wrong_source"
        assert refused.value.detail == {"source": "drand mainnet"}
    lottery = typed(db_session, listing, staff, {**form, "beacon_source": ""}, utcnow())
    assert lottery.beacon is not None and lottery.beacon["source"] == "drand mainnet"


def test_with_a_beacon_configured_staff_fetch_the_round_and_it_is_recorded_as_fetched(
    client, db_session, lottery_listing, staff, beacon_configured, clock
):
    drand = beacon_configured
    listing = lottery_listing
    frozen = freeze(db_session, listing.id, staff, utcnow())
    number = beacon_round_of(frozen)
    assert number is not None
    base = f"/staff/lottery/{listing.id}"
    page = client.get(base).text
    assert "Fetch the round from the beacon and save" in page
    assert "Beacon value (hexadecimal)" not in page  # nothing to type
    form = {"beacon_source": "drand mainnet", "beacon_round": str(number)}

    # Asked early, the portal refuses before it asks the beacon (which would say 404).
    post_form(client, f"{base}/seed", form, token_from=base)
    assert f"Beacon round {number} is published at" in flash_of(client, listing)
    assert drand.requests == []

    clock.move_to(drand.published_at(number))
    post_form(client, f"{base}/seed", form, token_from=base)
    published = drand.rounds[number]
    assert lottery_of(db_session, listing).beacon == {
        "source": "drand mainnet",
        "round": str(number),
        "value": published["randomness"],
        "signature": published["signature"],
        "obtained": "fetched",
    }
    assert drand.requests == [f"/{CHAIN}/public/{number}"]  # the registered chain, by its hash


def test_with_a_beacon_configured_a_typed_value_must_be_the_beacons(
    db_session, lottery_listing, staff, beacon_configured
):
    drand = beacon_configured
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = wait_for_round(db_session, listing)  # a value and signature consistent in themselves
    with pytest.raises(LotteryRefused) as refused:
        typed(db_session, listing, staff, form, utcnow(), beacon_url=drand.url)
    assert refused.value.code == "beacon_mismatch"
    assert lottery_of(db_session, listing).beacon is None

    published = drand.rounds[int(form["beacon_round"])]
    as_published = round_form(
        int(form["beacon_round"]), published["randomness"], published["signature"]
    )
    lottery = typed(db_session, listing, staff, as_published, utcnow(), beacon_url=drand.url)
    assert lottery.beacon is not None and lottery.beacon["obtained"] == "fetched"


def test_an_unreachable_beacon_refuses_and_never_falls_back_to_a_typed_value(
    app, client, db_session, lottery_listing, staff, monkeypatch
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = wait_for_round(db_session, listing)
    closed_port = "http://127.0.0.1:1"
    with pytest.raises(LotteryRefused) as refused:
        typed(db_session, listing, staff, form, utcnow(), beacon_url=closed_port)
    assert refused.value.code == "beacon_unreachable"

    config = dataclasses.replace(app.config["HOUSING"], beacon_url=closed_port)
    monkeypatch.setitem(app.config, "HOUSING", config)
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/seed", form, token_from=base)
    assert (
        f"The beacon did not give round {form['beacon_round']}: it could not be reached"
        in flash_of(client, listing)
    )
    assert lottery_of(db_session, listing).beacon is None


def test_a_beacon_answer_whose_value_does_not_follow_from_its_signature_is_refused(
    db_session, lottery_listing, staff, beacon_configured
):
    drand = beacon_configured
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    form = wait_for_round(db_session, listing)
    number = int(form["beacon_round"])
    drand.rounds[number]["randomness"] = hashlib.sha256(b"someone else's value").hexdigest()
    with pytest.raises(BeaconUnavailable, match="SHA-256"):
        fetch_round(drand.url, str(number), chain_hash=CHAIN)
    with pytest.raises(LotteryRefused, match="beacon_unreachable"):
        typed(
            db_session, listing, staff, {**form, "beacon_value": ""}, utcnow(), beacon_url=drand.url
        )


def test_the_beacon_answers_a_round_only_once_it_is_out(drand, clock):
    number = max(drand.rounds)
    with pytest.raises(BeaconUnavailable, match="404"):
        fetch_round(drand.url, str(number), chain_hash=CHAIN)
    clock.move_to(drand.published_at(number))
    found = fetch_round(drand.url, str(number))  # drand's default chain: /public/{round}
    assert found.value == drand.rounds[number]["randomness"]
    assert found.signature == drand.rounds[number]["signature"]
    assert drand.requests[-1] == f"/public/{number}"
    with pytest.raises(BeaconUnavailable, match="404"):
        fetch_round(drand.url, str(number), chain_hash="ab" * 32)  # another chain


@pytest.mark.parametrize("round_number", ["abc", "²", "1" * 21])
def test_a_malformed_round_is_never_asked_for(round_number):
    with pytest.raises(BeaconUnavailable, match="round"):
        fetch_round("http://127.0.0.1:1", round_number)


def test_only_http_beacons_are_fetched():
    with pytest.raises(BeaconUnavailable, match="url"):
        fetch_round("file:///etc", "1")


def test_the_draw_cannot_start_before_the_round_time(db_session, lottery_listing, staff):
    listing = lottery_listing
    frozen = freeze(db_session, listing.id, staff, utcnow())
    frozen_at = frozen.frozen_at
    published_at = round_published_at(frozen)
    record_beacon(db_session, listing, staff)
    assert frozen_at is not None and published_at is not None
    with pytest.raises(LotteryRefused) as refused:
        request_draw(db_session, listing.id, staff, frozen_at + timedelta(minutes=1))
    assert refused.value.code == "round_not_yet"
    assert lottery_of(db_session, listing).status is LotteryStatus.FROZEN
    drawing = request_draw(db_session, listing.id, staff, published_at)
    assert drawing.status is LotteryStatus.DRAWING


def test_freezing_again_with_nothing_changed_is_refused(
    client, db_session, lottery_listing, staff, clock
):
    """Otherwise an operator who dislikes the round's outcome freezes again and gets a new
    round, as often as it takes."""
    listing = lottery_listing
    frozen = freeze(db_session, listing.id, staff, utcnow())
    manifest_sha256 = frozen.manifest_sha256
    record_beacon(db_session, listing, staff)
    beacon = lottery_of(db_session, listing).beacon
    clock.advance(timedelta(minutes=5))
    with pytest.raises(LotteryRefused, match="nothing_changed"):
        refreeze(db_session, listing.id, staff, utcnow(), reason="I would like another round")
    base = f"/staff/lottery/{listing.id}"
    post_form(client, f"{base}/refreeze", {"refreeze_reason": "Another round"}, token_from=base)
    assert "The entrants are the same as at the last freeze" in flash_of(client, listing)
    lottery = lottery_of(db_session, listing)
    assert lottery.frozen_at == frozen.frozen_at
    assert lottery.manifest_sha256 == manifest_sha256
    assert lottery.beacon == beacon  # the seed inputs stay; the same round stays named


def test_the_seed_covers_the_round_value_and_source_but_not_how_it_was_obtained():
    manifest = "00" * 32
    fetched = {"source": "drand mainnet", "round": "5", "value": "ab" * 32, "signature": "cd"}
    typed_in = {**fetched, "signature": "ef", "obtained": "typed"}
    assert seed_of(manifest, fetched) == seed_of(manifest, typed_in)
    assert seed_of(manifest, fetched) != seed_of(manifest, {**fetched, "round": "6"})
