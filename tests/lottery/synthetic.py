"""A lottery with many synthetic entrants, committed, for the worker tests and the benchmark."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
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


def seed_lottery(
    entrants: int,
    codes: tuple[str, ...] = ("NRHP", "LW"),
    *,
    until: str = "draw requested",
    emails: bool = False,
) -> int:
    """A closed listing with two preferences and ``entrants`` submitted applications, frozen,
    with its seed inputs recorded and its draw requested; returns the lottery id. With
    ``until="registered"``, only past its deadline with its rules registered; returns the
    listing id. With ``emails``, each applicant gives a name and an email address
    (``w<number>@example.org``) and the applications cycle through the site's languages."""
    session = db.session
    now = utcnow()
    chart = AmiChart(name="Chart", chart_type="HUD", year=2026, version=1)
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
                preference=Preference(code=code, name=code, proof_types=["Lease"]), rank=rank
            )
        )
    session.add(listing)
    session.flush()
    preregister(session, listing, now)
    rows = []
    for number in range(entrants):
        claims = {
            code: {"claimed": (number // (index + 1)) % (index + 3) == 0}
            for index, code in enumerate(codes)
        }
        rows.append(
            {
                "public_id": f"W{number:09d}",
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
    listing.application_due_at = now - timedelta(minutes=1)
    session.flush()
    if until == "registered":  # past its deadline, for staff to freeze and draw
        session.commit()
        return listing.id
    lottery = freeze(session, listing.id, None, now)
    set_seed_inputs(
        session,
        listing.id,
        None,
        now,
        beacon_source="drand mainnet",
        beacon_round=str(beacon_round_of(lottery)),
        beacon_value="c0ffee",
        reveals={},
    )
    lottery = request_draw(session, listing.id, None, now)
    session.commit()
    return lottery.id
