"""The demo city: realistic, complete, and loaded without duplicates."""

from __future__ import annotations

from sqlalchemy import func, select

from housing.db_types import utcnow
from housing.demo import load_demo
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.models import Listing, Phase, ReservedCommunity, Tenure, Unit
from housing.listings.preferences import Preference


def counts(session):
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (AmiChart, AmiChartLimit, Preference, Listing, Unit)
    }


def test_loading_twice_adds_nothing_the_second_time(db_session, storage):
    first = load_demo(db_session, storage, utcnow())
    after_first = counts(db_session)
    second = load_demo(db_session, storage, utcnow())

    assert first["listings"] >= 6
    assert second == {"charts": 0, "preferences": 0, "listings": 0}
    assert counts(db_session) == after_first


def test_demo_covers_what_residents_will_meet(db_session, storage):
    now = utcnow()
    load_demo(db_session, storage, now)
    listings = db_session.scalars(select(Listing)).all()

    assert {listing.tenure for listing in listings} == {Tenure.RENTAL, Tenure.SALE}
    assert {listing.phase(now) for listing in listings} == {
        Phase.OPEN,
        Phase.UPCOMING,
        Phase.CLOSED,
    }
    assert ReservedCommunity.SENIOR in {listing.reserved_community for listing in listings}
    codes = {p.preference.code for listing in listings for p in listing.preferences}
    assert {"COP", "DTHP", "NRHP", "LW"} <= codes
    levels = {unit.ami_percent for listing in listings for unit in listing.units}
    assert min(levels) == 30 and max(levels) == 120
    assert all(listing.documents for listing in listings)


def test_demo_chart_covers_sizes_one_to_eight_with_rising_limits(db_session, storage):
    load_demo(db_session, storage, utcnow())
    chart = db_session.scalars(select(AmiChart)).one()
    limits = chart.income_limits()

    for percent in chart.ami_percentages():
        row = [limits[(percent, size)] for size in range(1, 9)]
        assert row == sorted(row) and len(set(row)) == 8
    assert limits[(100, 3)] == 96950


def test_cli_loads_the_demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo data ready" in result.output


def test_the_first_staff_account_is_made_from_the_command_line(runner, mailbox, db_session):
    from housing.accounts.models import Role, User

    result = runner.invoke(args=["accounts", "create", "Chief@Example.org", "--name", "Chief"])
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "chief@example.org"))
    assert user.role is Role.STAFF
    assert [m["To"] for m in mailbox.messages] == ["chief@example.org"]

    again = runner.invoke(args=["accounts", "create", "chief@example.org"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_the_demo_has_a_published_lottery_anyone_can_verify(app, db_session, storage, client):
    from housing.lottery.models import Lottery, LotteryStatus
    from housing.lottery.tasks import write_result_files
    from housing.lottery.verify import verify_bundle

    load_demo(db_session, storage, utcnow())
    load_demo(db_session, storage, utcnow())  # once only
    [lottery] = [
        lottery
        for lottery in db_session.scalars(select(Lottery))
        if lottery.status is LotteryStatus.PUBLISHED
    ]
    assert [run.number for run in lottery.runs] == [1]
    assert lottery.entrant_count == 120 and lottery.self_check["passed"] is True
    with app.app_context():  # as the job the loader's commit hands the results to
        write_result_files(lottery.current_run.id)
    bundle = client.get(f"/listings/{lottery.listing_id}/lottery/results.json").json
    assert verify_bundle(bundle).startswith("OK: listing")
