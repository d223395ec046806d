"""A listing with forty submitted applications past its deadline, and the staff who run its
lottery."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.applications.services import store_proof, submit_answers
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.registration import preregister
from housing.lottery.seed import beacon_round_of, set_seed_inputs
from housing.lottery.verify import verify_bundle
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import open_listing, valid_answers

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


def household(number: int, codes: list[str]) -> dict:  # type: ignore[type-arg]
    answers = valid_answers()
    answers["applicant"].update(
        first_name=f"Applicant{number}",
        email=f"applicant{number}@example.org",
        address={
            "street": f"{number} Main Street",
            "city": "Port Alder",
            "state": "CA",
            "postal_code": "94999",
        },
    )
    answers["household"][0]["first_name"] = f"Child{number}"
    answers["preferences"] = {
        code: (
            {"claimed": True, "member": 0, "proof_type": "Utility bill", "document": None}
            if code in codes
            else {"claimed": False}
        )
        for code in ("NRHP", "LW")
    }
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
            answers = household(number, codes)
            answers["applicant"]["veteran"] = number % 4 == 0  # ten veterans
            for code in codes:
                document = services_store(db_session, storage, listing.id)
                answers["preferences"][code]["document"] = document
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


def record_beacon(db_session, listing, staff) -> None:  # type: ignore[no-untyped-def]
    """Seed inputs as staff record them: the round the rule names and its value, no secrets."""
    set_seed_inputs(
        db_session,
        listing.id,
        staff,
        utcnow(),
        beacon_source="drand",
        beacon_round=str(beacon_round_of(lottery_of(db_session, listing))),
        beacon_value="ff",
        reveals={},
    )
