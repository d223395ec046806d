"""A listing with forty submitted applications past its deadline, and the staff who run its
lottery; the wall clock every lottery test runs by, and a drand-style beacon on a loopback port."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

import housing.db_types
from housing.applications.services import store_proof, submit_answers
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.registration import BEACON_RULE, preregister
from housing.lottery.seed import beacon_round_of, round_published_at, set_seed_inputs
from housing.lottery.verify import verify_bundle
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import name_for, open_listing, valid_answers
from tests.lottery.drand_server import (
    Clock,
    DrandServer,
    install,
    installed_clock,
    made_up_round,
    serve,
)

SECRET = "a secret only staff know"


@pytest.fixture(autouse=True)
def every_published_bundle_verifies(request):  # type: ignore[no-untyped-def]
    """After each test that touched the database: the standalone verifier reproduces every
    version of the results the test published."""
    if "db_session" not in request.fixturenames:
        yield
        return
    db_session = request.getfixturevalue("db_session")
    yield
    db_session.expire_all()
    for run in db_session.scalars(select(LotteryRun).where(LotteryRun.published_at.is_not(None))):
        assert verify_bundle(run.bundle).startswith("OK:"), f"run {run.number}"


def household(number: int, codes: list[str], as_veteran: tuple[str, ...] = ()) -> dict:  # type: ignore[type-arg]
    """Answers claiming ``codes`` (of NRHP and LW), those in ``as_veteran`` as a veteran."""
    answers = valid_answers()
    answers["applicant"].update(
        first_name=f"Applicant {name_for(number)}",
        email=f"applicant{number}@example.org",
        address={
            "street": f"{number} Main Street",
            "city": "Port Alder",
            "state": "CA",
            "postal_code": "94999",
        },
    )
    answers["household"][0]["first_name"] = f"Child {name_for(number)}"
    answers["preferences"] = {
        code: (
            {"claimed": True, "member": 0, "proof_type": "Utility bill", "document": None}
            if code in codes
            else {"claimed": False}
        )
        for code in ("NRHP", "LW")
    }
    for code in as_veteran:
        answers["preferences"][code].update(
            veteran=True, veteran_proof_type="dd214", veteran_document=None
        )
    return answers


@pytest.fixture
def lottery_listing(app, db_session, storage):  # type: ignore[no-untyped-def]
    """An open listing with two preferences and 40 submitted applications, then past its
    deadline, with its lottery registered."""
    listing = open_listing()
    for rank, code in enumerate(("NRHP", "LW"), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=code, proof_types=["Utility bill"]),
            unit_share_percent=40 if code == "NRHP" else None,
            veterans_first=code == "NRHP",
        )
    db_session.flush()
    preregister(db_session, listing, utcnow())
    with app.test_request_context():  # confirmation emails link to the site
        for number in range(40):
            codes = ["NRHP"] * (number % 3 == 0) + ["LW"] * (number % 2 == 0)
            # Four of the fourteen NRHP claims are made as veterans (NRHP has a veteran list).
            as_veteran = ("NRHP",) if "NRHP" in codes and number % 4 == 0 else ()
            answers = household(number, codes, as_veteran)
            for code in codes:
                document = services_store(db_session, storage, listing.id)
                answers["preferences"][code]["document"] = document
            for code in as_veteran:
                document = services_store(db_session, storage, listing.id)
                answers["preferences"][code]["veteran_document"] = document
            submit_answers(db_session, listing.id, answers, utcnow())
    listing.application_due_at = utcnow() - timedelta(minutes=5)
    db_session.flush()
    return listing


def services_store(db_session, storage, listing_id):  # type: ignore[no-untyped-def]
    document = store_proof(
        db_session,
        storage,
        listing_id=listing_id,
        application=None,
        filename="bill.pdf",
        stream=io.BytesIO(pdf_document("Bill", ["x"])),
    )
    return document.public_id


@pytest.fixture
def staff(client):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, user)
    return user


def lottery_of(db_session, listing) -> Lottery:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).one()


def flash_of(client, listing) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/staff/lottery/{listing.id}").text


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    """The application's wall clock for this test: real time, until the test lets time pass."""
    installed = Clock()
    monkeypatch.setattr(housing.db_types, "datetime", install(installed))
    return installed


@pytest.fixture
def drand(clock) -> Iterator[DrandServer]:  # type: ignore[no-untyped-def]
    """A drand-style beacon with the registered chain's schedule and the rounds of the next two
    hours recorded; it answers a round only once the clock has reached its time."""
    beacon = DrandServer(rule=BEACON_RULE, clock=clock)
    now = clock.now().timestamp()
    period = int(BEACON_RULE["period_seconds"])
    first = int((now - int(BEACON_RULE["genesis_time"])) // period) + 1
    for number in range(first, first + 2 * 3600 // period + 1):
        beacon.record(number)
    server, thread = serve(beacon)
    try:
        yield beacon
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def beacon_configured(app, drand, monkeypatch) -> DrandServer:  # type: ignore[no-untyped-def]
    """The portal set up with ``BEACON_URL`` naming the local beacon."""
    config = dataclasses.replace(app.config["HOUSING"], beacon_url=drand.url)
    monkeypatch.setitem(app.config, "HOUSING", config)
    return drand


def wait_for_round(db_session, listing) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Let time pass until the beacon has published the round the rule names for the freeze;
    the seed form as staff then fill it in, with a made-up round's value and signature."""
    lottery = lottery_of(db_session, listing)
    number = beacon_round_of(lottery)
    published_at = round_published_at(lottery)
    assert number is not None and published_at is not None
    installed_clock().move_to(published_at + timedelta(seconds=1))
    made_up = made_up_round(number)
    return {
        "beacon_source": "drand mainnet",
        "beacon_round": str(number),
        "beacon_value": made_up["randomness"],
        "beacon_signature": made_up["signature"],
    }


def record_beacon(db_session, listing, staff) -> None:  # type: ignore[no-untyped-def]
    """Seed inputs as staff record them once the round is out: the round the rule names, its
    value and signature (typed, no beacon configured), no secrets."""
    form = wait_for_round(db_session, listing)
    set_seed_inputs(
        db_session,
        listing.id,
        staff,
        utcnow(),
        beacon_source=form["beacon_source"],
        beacon_round=form["beacon_round"],
        beacon_value=form["beacon_value"],
        beacon_signature=form["beacon_signature"],
        reveals={},
    )
