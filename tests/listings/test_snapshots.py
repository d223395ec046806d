"""The public pages read each listing from a copy kept per version: what they show is never
older than the listing's version, a withdrawn listing is gone at once, and the estimator's quick
test never leaves out a listing the household fits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from housing.db_types import utcnow
from housing.listings import snapshots
from housing.listings.eligibility import (
    Household,
    Occupancy,
    SeniorRequirement,
    SeniorRule,
    UnitType,
    check_listing,
    fits_any_unit,
)
from housing.listings.models import Listing, ListingStatus
from tests.factories import ListingFactory, UnitFactory
from tests.listings.test_directory import listing_names
from tests.listings.test_eligibility_explained import LIMITS, sale_terms, unit_terms


def _write_behind_the_sessions_back(db_session, listing_id: int, **values: object) -> None:
    """What another worker's commit looks like to this process: no flush here tells the
    kept copies anything."""
    db_session.execute(update(Listing).where(Listing.id == listing_id).values(**values))


def test_a_new_version_shows_at_once_and_an_unversioned_change_within_seconds(
    client, db_session, monkeypatch
):
    listing = UnitFactory(listing=ListingFactory(description="Sunny rooms.")).listing
    assert "Sunny rooms." in client.get(f"/listings/{listing.id}").text

    # Written without raising the version: the kept copy is still shown...
    _write_behind_the_sessions_back(db_session, listing.id, description="Quiet rooms.")
    assert "Sunny rooms." in client.get(f"/listings/{listing.id}").text
    # ...until it is renewed.
    later = snapshots.time.monotonic() + snapshots.KEEP_SECONDS + 1
    monkeypatch.setattr(snapshots.time, "monotonic", lambda: later)
    assert "Quiet rooms." in client.get(f"/listings/{listing.id}").text

    # A new version is read at once.
    _write_behind_the_sessions_back(
        db_session, listing.id, description="Bright rooms.", version=listing.version + 5
    )
    assert "Bright rooms." in client.get(f"/listings/{listing.id}").text


def test_a_change_made_in_this_process_shows_at_once(client, db_session):
    listing = UnitFactory(listing=ListingFactory(description="Sunny rooms.")).listing
    assert "$2,102" in client.get(f"/listings/{listing.id}").text
    unit = listing.units[0]

    unit.monthly_rent = Decimal("1234")
    db_session.flush()

    assert "$1,234" in client.get(f"/listings/{listing.id}").text


def test_a_withdrawn_listing_is_gone_at_once_from_every_page(client, db_session):
    listing = UnitFactory(listing=ListingFactory(name="Withdrawn Place")).listing
    assert client.get(f"/listings/{listing.id}").status_code == 200
    assert "Withdrawn Place" in listing_names(client.get("/listings").text)

    _write_behind_the_sessions_back(db_session, listing.id, status=ListingStatus.DRAFT)

    assert client.get(f"/listings/{listing.id}").status_code == 404
    assert "Withdrawn Place" not in listing_names(client.get("/listings").text)
    estimate = client.get("/eligibility?household_size=2&income=60000&income_period=year")
    assert "Withdrawn Place" not in listing_names(estimate.text)


def test_the_countdown_on_a_kept_card_follows_the_clock(client, db_session, monkeypatch):
    UnitFactory(
        listing=ListingFactory(
            name="Countdown Place", application_due_at=utcnow() + timedelta(days=3, hours=1)
        )
    )
    assert "Closes in 3 days" in client.get("/listings").text

    tomorrow = utcnow() + timedelta(days=1)
    monkeypatch.setattr("housing.listings.views.utcnow", lambda: tomorrow)

    assert "Closes in 2 days" in client.get("/listings").text


def test_the_estimator_shows_a_page_at_a_time_the_listings_that_fit_first(client, db_session):
    due = utcnow() + timedelta(days=5)
    for number in range(13):
        # A studio takes one or two people: a household of three fits none of these.
        UnitFactory(
            listing=ListingFactory(
                name=f"Small {number:02}", application_due_at=due + timedelta(hours=number)
            ),
            unit_type=UnitType.STUDIO,
        )
    for number in range(12):
        UnitFactory(
            listing=ListingFactory(
                name=f"Family {number:02}", application_due_at=due + timedelta(days=1, hours=number)
            ),
            unit_type=UnitType.TWO_BEDROOM,
            monthly_rent=Decimal("1500"),
        )
    query = "/eligibility?household_size=3&income=70000&income_period=year"

    first = client.get(query).text
    second = client.get(query + "&page=2").text

    first_names, second_names = listing_names(first), listing_names(second)
    assert first_names[:12] == [f"Family {number:02}" for number in range(12)]
    assert first_names[12:] == [f"Small {number:02}" for number in range(8)]
    assert second_names == [f"Small {number:02}" for number in range(8, 13)]
    assert "Page 1 of 2" in first and re.search(r'rel="next" href="[^"]*page=2', first)
    assert listing_names(client.get(query + "&page=9").text) == second_names
    # A listing that does not fit is still told unit by unit on its page of results.
    assert "too large" in second or "too many" in second or "Studio" in second


# Units with custom occupancies too, since the quick test reads each unit's.
_units = st.one_of(
    unit_terms,
    sale_terms,
    st.builds(
        replace,
        unit_terms,
        occupancy=st.tuples(st.integers(1, 4), st.integers(0, 5)).map(
            lambda pair: Occupancy(pair[0], pair[0] + pair[1])
        ),
    ),
)
_households = st.integers(1, 12).flatmap(
    lambda size: st.builds(
        Household,
        size=st.just(size),
        # Some exactly at a chart's limit, where "at most" and "less than" part ways.
        annual_income=st.one_of(
            st.integers(0, 400_000).map(Decimal), st.sampled_from(sorted(set(LIMITS.values())))
        ),
        children_under_six=st.integers(0, size - 1),
        has_voucher=st.booleans(),
    )
)


@settings(max_examples=400, deadline=None)
@given(units=st.lists(_units, min_size=1, max_size=5), household=_households)
def test_the_quick_test_leaves_out_only_listings_the_household_cannot_fit(units, household):
    copy = snapshots.made(Listing(), tuple(units), expires=0.0)

    if not copy.could_match(household):
        assert not check_listing(household, units).is_eligible


_seniors = st.one_of(
    st.none(),
    st.builds(SeniorRequirement, st.sampled_from([55, 62]), st.sampled_from(list(SeniorRule))),
)


@settings(max_examples=400, deadline=None)
@given(
    units=st.lists(_units, min_size=1, max_size=5),
    household=_households,
    ages=st.tuples(st.none() | st.integers(18, 90), st.none() | st.integers(18, 90)),
    senior=_seniors,
)
def test_the_ranking_check_agrees_with_the_whole_check(units, household, ages, senior):
    household = replace(household, youngest_member_age=ages[0], oldest_member_age=ages[1])

    assert fits_any_unit(household, units, senior) == (
        check_listing(household, units, senior).is_eligible
    )
