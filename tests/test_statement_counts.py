"""No page's SQL statements grow with what it shows (no N+1 queries).

Each page is requested once to warm up, then once more with every statement the engine sends
counted; the same page is then counted again with more of what it shows (more listings, more
units per listing, more applications, more entrants) and must not send more statements. The
page cache is off in the tests' configuration, so every request renders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application
from housing.db_types import utcnow
from housing.extensions import db
from housing.leaseup.models import DocumentRequest, LeaseUpEntry
from housing.leaseup.statuses import LeaseStatus
from housing.listings.eligibility import UnitType
from housing.listings.models import Listing
from housing.lottery.models import Lottery
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from tests import factories
from tests.accounts.helpers import sign_in_as, without_csrf
from tests.lottery.synthetic import seed_lottery

FEWER_ENTRANTS = 30
MORE_ENTRANTS = 90
ESTIMATOR = "/eligibility?household_size=3&income=5200&income_period=month"


@pytest.fixture(autouse=True)
def page_cache_off(app: Flask) -> None:
    """Every request renders: a cached page would send no statements at all."""
    assert app.config["HOUSING"].page_cache_seconds == 0


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """The statements the app's engine sends inside the block."""
    sent: list[str] = []

    def count(_connection, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(client: FlaskClient, url: str) -> int:
    """How many statements one request of ``url`` sends, after a request to warm up."""
    assert client.get(url).status_code == 200, url
    with counting(client.application) as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(sent)


def units_for(listing: Listing, count: int) -> None:
    """``count`` more groups of units of every kind, on one AMI chart as a listing's are."""
    chart = listing.units[0].ami_chart if listing.units else factories.AmiChartFactory()
    for index in range(count):
        factories.UnitFactory(
            listing=listing,
            ami_chart=chart,
            unit_type=list(UnitType)[index % len(UnitType)],
            monthly_rent=Decimal(1200 + 100 * index),
            ami_percent=(50, 60, 80)[index % 3],
        )


def public_listings(count: int, units_each: int) -> list[Listing]:
    listings = [factories.ListingFactory() for _ in range(count)]
    for listing in listings:
        units_for(listing, units_each)
    return listings


def published_lottery(app: Flask, entrants: int, prefix: str) -> int:
    """A listing with ``entrants`` applications, drawn and its results published; its id."""
    with app.app_context():
        lottery_id = seed_lottery(entrants, (f"{prefix}NRHP", f"{prefix}LW"), id_prefix=prefix)
        run_draw(lottery_id)
        listing_id = int(db.session.get(Lottery, lottery_id).listing_id)
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
    return listing_id


def lottery_number_of(db_session: Session, listing_id: int) -> str:
    return str(
        db_session.scalars(
            select(Application.lottery_number)
            .where(Application.listing_id == listing_id)
            .order_by(Application.id)
        ).first()
    )


def test_the_directory_and_the_estimator_do_not_grow_with_listings_or_units(client, db_session):
    public_listings(2, units_each=1)
    fewer = {url: statements_of(client, url) for url in ("/listings", ESTIMATOR)}
    public_listings(4, units_each=4)
    more = {url: statements_of(client, url) for url in ("/listings", ESTIMATOR)}
    for url, counted in more.items():
        assert counted <= fewer[url], (url, fewer[url], counted)


def test_a_listing_page_does_not_grow_with_its_units(client, db_session):
    few, many = public_listings(2, units_each=1)
    units_for(many, 7)
    db_session.flush()
    fewer = statements_of(client, f"/listings/{few.id}")
    more = statements_of(client, f"/listings/{many.id}")
    assert more <= fewer, (fewer, more)


@pytest.fixture
def two_lotteries(app, db_session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two listings with published results: FEWER_ENTRANTS and MORE_ENTRANTS applications."""
    return (
        published_lottery(app, FEWER_ENTRANTS, "F"),
        published_lottery(app, MORE_ENTRANTS, "M"),
    )


def test_the_lottery_results_and_lookup_pages_do_not_grow_with_entrants(
    client, db_session, two_lotteries
):
    counts = [
        (
            statements_of(client, f"/listings/{listing_id}/lottery/results"),
            statements_of(
                client,
                f"/listings/{listing_id}/lottery/lookup"
                f"?number={lottery_number_of(db_session, listing_id)}",
            ),
        )
        for listing_id in two_lotteries
    ]
    (results_fewer, lookup_fewer), (results_more, lookup_more) = counts
    assert results_more <= results_fewer, counts
    assert lookup_more <= lookup_fewer, counts


def test_partner_pages_do_not_grow_with_applications(client, db_session, two_lotteries):
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    for listing_id in two_lotteries:
        db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing_id))
    db_session.flush()
    sign_in_as(client, partner)
    fewer_id, more_id = two_lotteries
    for page in ("applications", "lease-up"):
        fewer = statements_of(client, f"/partner/listings/{fewer_id}/{page}")
        more = statements_of(client, f"/partner/listings/{more_id}/{page}")
        assert more <= fewer, (page, fewer, more)


def test_the_staff_dashboard_does_not_grow_with_listings(app, client, db_session):
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    published_lottery(app, FEWER_ENTRANTS, "F")
    fewer = statements_of(client, "/staff/dashboard")
    published_lottery(app, FEWER_ENTRANTS, "G")
    published_lottery(app, MORE_ENTRANTS, "M")
    more = statements_of(client, "/staff/dashboard")
    assert more <= fewer, (fewer, more)


def hold(db_session: Session, user_id: int, listing_id: int, *, invited: bool) -> None:
    """Give the resident the first application of the listing; ``invited``: with a lease-up
    status and an open request for documents."""
    application = db_session.scalars(
        select(Application).where(Application.listing_id == listing_id).order_by(Application.id)
    ).first()
    assert application is not None
    application.user_id = user_id
    if invited:
        db_session.add(
            LeaseUpEntry(
                listing_id=listing_id,
                application_id=application.id,
                status=LeaseStatus.INVITED,
            )
        )
        db_session.add(
            DocumentRequest(
                listing_id=listing_id,
                application_id=application.id,
                token_sha256=f"{application.id:064d}",
                due_at=utcnow() + timedelta(days=7),
            )
        )
    db_session.flush()


def test_a_residents_applications_do_not_grow_with_their_number(app, client, db_session):
    resident = factories.UserFactory()
    sign_in_as(client, resident)
    first = published_lottery(app, FEWER_ENTRANTS, "F")
    hold(db_session, resident.id, first, invited=True)
    fewer = statements_of(client, "/account/applications")
    for prefix in ("G", "H", "J"):
        hold(db_session, resident.id, published_lottery(app, FEWER_ENTRANTS, prefix), invited=True)
    with app.app_context():
        waiting = seed_lottery(FEWER_ENTRANTS, ("KNRHP", "KLW"), until="registered", id_prefix="K")
    hold(db_session, resident.id, waiting, invited=False)
    more = statements_of(client, "/account/applications")
    page = client.get("/account/applications").text
    assert page.count('<article class="card">') == 5
    assert more <= fewer, (fewer, more)


def test_the_lease_up_page_reads_every_rank_again_only_after_a_change(
    app, client, db_session, two_lotteries
):
    """The work list is kept between requests (every rank of the results is the slow read),
    and computed again once a status changes."""
    listing_id = two_lotteries[0]
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing_id))
    db_session.flush()
    sign_in_as(client, partner)
    url = f"/partner/listings/{listing_id}/lease-up"
    first = client.get(url)
    assert first.status_code == 200
    with counting(app) as unchanged:
        again = client.get(url)
    assert without_csrf(again.text) == without_csrf(first.text)
    assert not any("FROM lottery_ranks" in statement for statement in unchanged)

    withdrawn = db_session.scalars(
        select(Application).where(Application.listing_id == listing_id).order_by(Application.id)
    ).first()
    db_session.add(
        LeaseUpEntry(
            listing_id=listing_id, application_id=withdrawn.id, status=LeaseStatus.WITHDRAWN
        )
    )
    db_session.flush()
    with counting(app) as changed:
        assert client.get(url).status_code == 200
    assert any("FROM lottery_ranks" in statement for statement in changed)
