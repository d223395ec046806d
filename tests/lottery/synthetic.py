"""A lottery with many synthetic entrants, committed, for the worker tests and the benchmark."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    PreferenceClaim,
)
from housing.db_types import utcnow
from housing.demo import AMI_LIMITS
from housing.extensions import db
from housing.i18n import LOCALE_CODES
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.eligibility import UnitType
from housing.listings.models import Listing, ListingStatus, Unit
from housing.listings.preferences import ListingPreference, Preference
from housing.lottery.draw import request_draw
from housing.lottery.freeze import freeze
from housing.lottery.registration import preregister
from housing.lottery.seed import beacon_round_of, set_seed_inputs
from tests.lottery.drand_server import made_up_round

FROZEN_BEFORE_NOW = timedelta(hours=2)


def seed_lottery(
    entrants: int,
    codes: tuple[str, ...] = ("NRHP", "LW"),
    *,
    until: str = "draw requested",
    emails: bool = False,
    veteran_lists: bool = False,
    id_prefix: str = "W",
) -> int:
    """A closed listing with two preferences and ``entrants`` submitted applications, frozen,
    with its seed inputs recorded and its draw requested; returns the lottery id. With
    ``until="registered"``, only past its deadline with its rules registered; returns the
    listing id. With ``emails``, each applicant gives a name and an email address
    (``w<number>@example.org``) and the applications cycle through the site's languages.
    With ``veteran_lists``, every preference has a veteran list and one claim in seven is made
    as a veteran. A second lottery in the same database needs its own ``id_prefix`` (the
    first letter of its application numbers, and its chart's name)."""
    session = db.session
    now = utcnow()
    chart = AmiChart(name=f"Chart {id_prefix}", chart_type="HUD", year=2026, version=1)
    for percent, incomes in AMI_LIMITS.items():
        for size, income in enumerate(incomes, start=1):
            chart.limits.append(
                AmiChartLimit(
                    ami_percent=percent, household_size=size, annual_income=Decimal(income)
                )
            )
    listing = Listing(
        name="Worker Court",
        street_address="1 Main",
        city="Port Alder",
        state="CA",
        postal_code="94999",
        neighborhood="Harbor",
        developer="Dev",
        tenure="rental",
        status=ListingStatus.OPEN,
        application_open_at=now - timedelta(days=20),
        application_due_at=now + timedelta(days=1),
    )
    listing.units = [
        Unit(
            unit_type=UnitType.ONE_BEDROOM,
            unit_count=5,
            monthly_rent=Decimal(1000),
            rent_multiple=Decimal(2),
            ami_chart=chart,
            ami_percent=80,
        )
    ]
    for rank, code in enumerate(codes, start=1):
        listing.preferences.append(
            ListingPreference(
                preference=Preference(code=code, name=code, proof_types=["Lease"]),
                rank=rank,
                veterans_first=veteran_lists,
            )
        )
    session.add(listing)
    session.flush()
    preregister(session, listing, now)
    rows = []
    claimed: list[tuple[int, str, bool]] = []
    for number in range(entrants):
        claims = {
            code: {
                "claimed": (number // (index + 1)) % (index + 3) == 0,
                "veteran": veteran_lists and (number + index) % 7 == 0,
            }
            for index, code in enumerate(codes)
        }
        claimed += [
            (number, code, claim["veteran"]) for code, claim in claims.items() if claim["claimed"]
        ]
        rows.append(
            {
                "public_id": f"{id_prefix}{number:09d}",
                "listing_id": listing.id,
                "channel": ApplicationChannel.PAPER
                if number % 10 == 0
                else ApplicationChannel.ONLINE,
                "status": ApplicationStatus.SUBMITTED,
                "language": LOCALE_CODES[number % len(LOCALE_CODES)] if emails else "en",
                "answers": {},
                "submitted_answers": {
                    "preferences": claims,
                    **(
                        {
                            "applicant": {
                                "first_name": f"W{number}",
                                "email": f"w{number}@example.org",
                            }
                        }
                        if emails
                        else {}
                    ),
                },
                "lottery_number": str(10_000_000 + number),
                "applicant_name": "",
                "contact_email": "",
                "created_at": now,
                "updated_at": now,
                "submitted_at": now - timedelta(seconds=entrants - number),
            }
        )
    for start in range(0, len(rows), 20_000):
        session.execute(Application.__table__.insert(), rows[start : start + 20_000])
    # The claims table submissions keep, which the freeze reads.
    row_ids: dict[str, int] = dict(
        session.execute(
            select(Application.public_id, Application.id).where(
                Application.listing_id == listing.id
            )
        ).all()
    )
    claim_rows = [
        {
            "application_id": row_ids[f"{id_prefix}{number:09d}"],
            "preference_code": code,
            "listing_id": listing.id,
            "veteran": veteran,
        }
        for number, code, veteran in claimed
    ]
    for start in range(0, len(claim_rows), 20_000):
        session.execute(PreferenceClaim.__table__.insert(), claim_rows[start : start + 20_000])
    listing.application_due_at = now - FROZEN_BEFORE_NOW - timedelta(minutes=1)
    session.flush()
    if until == "registered":  # past its deadline, for staff to freeze and draw
        session.commit()
        return listing.id
    # Frozen two hours ago, so the beacon round the rule names has been published by now.
    lottery = freeze(session, listing.id, None, now - FROZEN_BEFORE_NOW)
    beacon_round = beacon_round_of(lottery)
    assert beacon_round is not None
    made_up = made_up_round(beacon_round)
    set_seed_inputs(
        session,
        listing.id,
        None,
        now,
        beacon_source="drand mainnet",
        beacon_round=str(beacon_round),
        beacon_value=made_up["randomness"],
        beacon_signature=made_up["signature"],
        reveals={},
    )
    lottery = request_draw(session, listing.id, None, now)
    session.commit()
    return lottery.id
