"""The dashboard's aggregates, on seeded applications with known facts."""

from __future__ import annotations

import importlib.util
from decimal import Decimal

import pytest

from housing.applications.duplicates import DuplicateRule
from housing.applications.models import DuplicateDecision, DuplicateKey
from housing.dashboard import services
from housing.listings.models import ListingStatus
from tests.dashboard.helpers import SubmittedApplicationFactory, at
from tests.factories import ListingFactory, UnitFactory, UserFactory

# Midnight in Los Angeles (PST, UTC-8) on March 1 to midnight on March 4: three local days.
OPEN, DUE = at("2030-03-01T08:00Z"), at("2030-03-04T08:00Z")
NOW = at("2030-04-01T00:00Z")


@pytest.fixture
def listing(db_session):
    listing = ListingFactory(
        application_open_at=OPEN,
        application_due_at=DUE,
        timezone="America/Los_Angeles",
        status=ListingStatus.CLOSED,
    )
    UnitFactory(listing=listing, unit_count=4)
    UnitFactory(listing=listing, unit_count=2, ami_chart=listing.units[0].ami_chart)
    return listing


def submit(listing, **facts):
    return SubmittedApplicationFactory(listing=listing, **facts)


def test_days_follow_the_listing_time_zone_across_midnight_utc(db_session, listing):
    submit(listing, submitted_at=at("2030-03-02T07:30Z"))  # 11:30 pm on March 1 in LA
    submit(listing, submitted_at=at("2030-03-02T08:30Z"))  # 12:30 am on March 2 in LA
    submit(listing, submitted_at=at("2030-03-03T20:00Z"))
    submit(listing, submitted_at=at("2030-03-03T21:00Z"))
    submit(listing, submitted_at=at("2030-03-05T00:00Z"))  # entered after the deadline
    submit(listing, submitted_at=at("2030-03-02T01:00Z"), withdrawn=True)
    submit(listing, draft=True)

    series = services.applications_per_day(db_session, listing, NOW)

    assert [(day.isoformat(), count) for day, count in series.days] == [
        ("2030-03-01", 1),
        ("2030-03-02", 1),
        ("2030-03-03", 2),
    ]
    assert series.after_deadline == 1
    assert series.earlier == 0
    assert series.total == 5


def test_days_are_local_across_a_daylight_saving_change(db_session):
    # Los Angeles moves to PDT (UTC-7) at 2 am on Sunday, March 10, 2030.
    listing = ListingFactory(
        application_open_at=at("2030-03-09T08:00Z"),
        application_due_at=at("2030-03-12T07:00Z"),
        timezone="America/Los_Angeles",
    )
    submit(listing, submitted_at=at("2030-03-11T06:30Z"))  # 11:30 pm on March 10, PDT
    submit(listing, submitted_at=at("2030-03-11T07:30Z"))  # 12:30 am on March 11, PDT

    series = services.applications_per_day(db_session, listing, NOW)

    assert [(day.day, count) for day, count in series.days] == [(9, 0), (10, 1), (11, 1)]


def test_a_time_zone_ahead_of_utc(db_session):
    listing = ListingFactory(
        application_open_at=at("2030-03-01T00:00Z"),
        application_due_at=at("2030-03-03T00:00Z"),
        timezone="Asia/Manila",  # UTC+8
    )
    submit(listing, submitted_at=at("2030-03-01T15:59Z"))  # 11:59 pm on March 1 in Manila
    submit(listing, submitted_at=at("2030-03-01T16:01Z"))  # 12:01 am on March 2 in Manila

    series = services.applications_per_day(db_session, listing, NOW)

    assert [(day.day, count) for day, count in series.days] == [(1, 1), (2, 1), (3, 0)]


def test_a_long_window_shows_its_last_days_and_sums_the_rest(db_session):
    listing = ListingFactory(
        application_open_at=at("2030-01-01T08:00Z"),
        application_due_at=at("2030-12-31T08:00Z"),
        timezone="America/Los_Angeles",
    )
    submit(listing, submitted_at=at("2030-01-02T12:00Z"))
    submit(listing, submitted_at=at("2030-06-29T20:00Z"))

    series = services.applications_per_day(db_session, listing, at("2030-06-30T20:00Z"))

    assert len(series.days) == services.MOST_DAYS
    assert series.days[-1][0].isoformat() == "2030-06-30"
    assert series.earlier == 1
    assert dict(series.days)[series.days[-2][0]] == 1


def test_a_long_window_not_open_yet_shows_its_first_days(db_session):
    listing = ListingFactory(
        application_open_at=at("2030-01-01T08:00Z"),
        application_due_at=at("2030-12-31T08:00Z"),
        timezone="America/Los_Angeles",
    )

    series = services.applications_per_day(db_session, listing, at("2029-12-01T00:00Z"))

    assert series.days[0][0].isoformat() == "2030-01-01"
    assert series.total == 0


def test_breakdowns_by_language_channel_and_household_size(db_session, listing):
    submit(listing, language="es", household_size=1)
    submit(listing, language="es", household_size=3, paper=True)
    submit(listing, language="zh_Hant", household_size=3)
    submit(listing, language="en", household_size=None, paper=True)
    submit(listing, language="vi", withdrawn=True)
    other = ListingFactory()
    submit(other, language="ar")

    assert services.by_language(db_session, listing.id) == [("es", 2), ("en", 1), ("zh_Hant", 1)]
    assert services.by_channel(db_session, listing.id) == [("online", 2), ("paper", 2)]
    assert services.by_household_size(db_session, listing.id) == [(1, 1), (3, 2), (None, 1)]


def test_income_bands_are_shares_of_the_ami_limit_for_each_household_size(db_session, listing):
    # The demo chart: 30% AMI is $22,600 for one person and $25,850 for two.
    submit(listing, household_size=1, annual_income=Decimal("20000"))
    submit(listing, household_size=2, annual_income=Decimal("25850"))  # at the limit: within
    submit(listing, household_size=2, annual_income=Decimal("25851"))
    submit(listing, household_size=3, annual_income=Decimal("200000"))
    submit(listing, household_size=None, annual_income=Decimal("10000"))
    submit(listing, household_size=2, annual_income=None)
    sizes = [size for size, _count in services.by_household_size(db_session, listing.id)]

    bands = services.by_income_band(db_session, listing, sizes)

    assert bands.chart is not None
    assert bands.edges == (30, 50, 80, 100, 120)
    assert bands.counts == (2, 1, 0, 0, 0, 1)
    assert bands.not_given == 2
    assert bands.total == 6


def test_households_larger_than_the_chart_use_the_extended_limit(db_session, listing):
    # Ten people: the 8-person limit plus 2 x 8% of the 4-person one (30%: 42,650 + 5,168),
    # rounded up to the next $50 as charts print it: 47,850.
    submit(listing, household_size=10, annual_income=Decimal("47850"))
    submit(listing, household_size=10, annual_income=Decimal("47851"))

    bands = services.by_income_band(db_session, listing, [10])

    assert bands.counts[:2] == (1, 1)


def test_without_an_ami_chart_incomes_fall_in_round_ranges(db_session):
    listing = ListingFactory()
    for income in ("20000", "60000", "120000"):
        submit(listing, annual_income=Decimal(income))

    bands = services.by_income_band(db_session, listing, [2])

    assert bands.chart is None
    assert bands.edges == (50_000, 100_000, 150_000)
    assert bands.counts == (1, 1, 1)


def test_eligible_leaves_out_withdrawn_and_duplicates_kept_elsewhere(db_session, listing):
    first = submit(listing, contact_email="same@example.org")
    second = submit(listing, contact_email="same@example.org")
    submit(listing)
    submit(listing, withdrawn=True)
    submit(listing, draft=True)
    for application in (first, second):
        db_session.add(
            DuplicateKey(
                application_id=application.id,
                listing_id=listing.id,
                rule=DuplicateRule.EMAIL,
                match_key="same@example.org",
            )
        )
    db_session.add(
        DuplicateDecision(
            listing_id=listing.id,
            rule=DuplicateRule.EMAIL,
            match_key="same@example.org",
            members=sorted([first.public_id, second.public_id]),
            kept=first.public_id,
        )
    )
    db_session.flush()

    counts = services.status_counts(db_session, listing.id)
    assert (counts.submitted, counts.withdrawn, counts.drafts) == (3, 1, 1)
    assert (counts.left_out, counts.eligible, counts.units) == (1, 2, 6)

    staff = UserFactory(staff=True)
    totals = {row.listing.id: row for row in services.eligible_versus_units(db_session, staff)}
    assert (totals[listing.id].eligible, totals[listing.id].units) == (2, 6)


def test_partners_see_only_their_listings_totals(db_session, listing):
    from housing.accounts.models import PartnerAssignment

    partner = UserFactory(partner=True)
    ListingFactory()
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()

    rows = services.eligible_versus_units(db_session, partner)

    assert [row.listing.id for row in rows] == [listing.id]
    assert services.eligible_versus_units(db_session, UserFactory()) == []


def test_lease_up_funnel_is_empty_until_lease_up_exists(db_session, listing):
    funnel = services.lease_up_funnel(db_session, listing.id)
    if importlib.util.find_spec("housing.leaseup") is None:
        assert funnel == []
    else:
        assert all(isinstance(status, str) and count >= 0 for status, count in funnel)
