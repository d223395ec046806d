"""The applications table of a listing, for its partners and staff, and the page of one
application: search, filters, sorts, keyset pages, bad query strings, and the full record."""

from __future__ import annotations

import copy
import io
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from housing.accounts.models import PartnerAssignment
from housing.applications import table
from housing.applications.duplicates import DuplicateRule
from housing.applications.history import changes
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    DuplicateKey,
    PreferenceClaim,
)
from housing.applications.services import (
    save_answers,
    store_proof,
    submit_answers,
    submit_application,
)
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.extensions import db
from housing.lottery.draw import request_draw
from housing.lottery.freeze import freeze
from housing.lottery.publish import publish
from housing.lottery.registration import preregister
from housing.lottery.seed import beacon_round_of, set_seed_inputs
from housing.lottery.tasks import run_draw
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import name_for, open_listing, valid_answers
from tests.lottery.drand_server import made_up_round
from tests.test_migrations import MIGRATIONS
from tests.test_migrations import empty_app as _empty_app  # noqa: F401 - a fixture

START = utcnow() - timedelta(days=2)


def partner_for(db_session, client, listing):  # type: ignore[no-untyped-def]
    partner = factories.UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=listing.id))
    db_session.flush()
    sign_in_as(client, partner)
    return partner


def add(db_session, listing, number: int, **fields):  # type: ignore[no-untyped-def]
    """A submitted application written directly, with ``claims`` as its preference claims."""
    claims = fields.pop("claims", ())
    values = {
        "public_id": f"T{number:07d}",
        "listing_id": listing.id,
        "status": ApplicationStatus.SUBMITTED,
        "channel": ApplicationChannel.ONLINE,
        "answers": {},
        "submitted_answers": {},
        "lottery_number": str(20_000_000 + number),
        "applicant_name": f"Person {number:03d}",
        "contact_email": f"person{number}@example.org",
        "household_size": 2,
        "annual_income": Decimal(50_000),
        "submitted_at": START + timedelta(minutes=number),
    }
    values.update(fields)
    application = Application(**values)
    db_session.add(application)
    db_session.flush()
    for code in claims:
        db_session.add(
            PreferenceClaim(
                application_id=application.id, preference_code=code, listing_id=listing.id
            )
        )
    db_session.flush()
    return application


def numbers(page_html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">(T\d{7})</a>', page_html)


def table_page(client, listing, **args):  # type: ignore[no-untyped-def]
    response = client.get(f"/partner/listings/{listing.id}/applications", query_string=args)
    assert response.status_code == 200, response.text
    return response.text


def link(page_html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page_html)
    return unescape(found.group(1)) if found else None


@pytest.fixture
def listing(db_session):  # type: ignore[no-untyped-def]
    listing = open_listing()
    for rank, code in enumerate(("COP", "NRHP"), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=f"{code}{listing.id}", name=code),
        )
    db_session.flush()
    return listing


def codes(listing) -> list[str]:  # type: ignore[no-untyped-def]
    return [choice.preference.code for choice in listing.preferences]


def test_a_partner_sees_only_their_listings_table_and_applications(client, db_session, listing):
    add(db_session, listing, 1)
    other = open_listing()
    partner_for(db_session, client, other)
    assert client.get(f"/partner/listings/{listing.id}/applications").status_code == 404
    assert client.get(f"/partner/listings/{listing.id}/applications/T0000001").status_code == 404
    # Through a listing the partner does manage, another listing's application is not found.
    assert client.get(f"/partner/listings/{other.id}/applications/T0000001").status_code == 404
    for nonsense in ("T%00", "X" * 300):
        assert (
            client.get(f"/partner/listings/{other.id}/applications/{nonsense}").status_code == 404
        )


def test_search_finds_by_name_email_application_and_lottery_number(client, db_session, listing):
    add(db_session, listing, 1, applicant_name="Amara Okafor", contact_email="amara@example.org")
    add(db_session, listing, 2, applicant_name="Bo Chen", contact_email="bo@mail.example")
    add(db_session, listing, 3, applicant_name="100%_sure", contact_email="c@example.org")
    partner_for(db_session, client, listing)
    assert numbers(table_page(client, listing, q="okafor")) == ["T0000001"]
    assert numbers(table_page(client, listing, q="MAIL.EXAMPLE")) == ["T0000002"]
    assert numbers(table_page(client, listing, q="t0000003")) == ["T0000003"]
    assert numbers(table_page(client, listing, q="20000002")) == ["T0000002"]
    # Wildcards are searched for as themselves.
    assert numbers(table_page(client, listing, q="%_")) == ["T0000003"]
    # A number finds its application alone, though another's email address contains it.
    add(db_session, listing, 4, contact_email="x20000001@example.org")
    assert numbers(table_page(client, listing, q="20000001")) == ["T0000001"]
    assert numbers(table_page(client, listing, q="x2000000")) == ["T0000004"]
    assert "No applications match" in table_page(client, listing, q="nobody")


def test_each_filter_narrows_the_table(client, db_session, listing):
    cop, nrhp = codes(listing)
    add(db_session, listing, 1, claims=[cop], household_size=1)
    add(db_session, listing, 2, claims=[cop, nrhp], household_size=3)
    add(db_session, listing, 3, status=ApplicationStatus.WITHDRAWN, household_size=9)
    add(db_session, listing, 4, channel=ApplicationChannel.PAPER, household_size=8)
    add(db_session, listing, 5, status=ApplicationStatus.DRAFT)  # never in the table
    partner_for(db_session, client, listing)
    assert numbers(table_page(client, listing, sort="oldest")) == [
        "T0000001",
        "T0000002",
        "T0000003",
        "T0000004",
    ]
    assert numbers(table_page(client, listing, status="withdrawn")) == ["T0000003"]
    assert numbers(table_page(client, listing, preference=cop, sort="oldest")) == [
        "T0000001",
        "T0000002",
    ]
    assert numbers(table_page(client, listing, preference=nrhp)) == ["T0000002"]
    assert numbers(table_page(client, listing, preference="none", sort="oldest")) == [
        "T0000003",
        "T0000004",
    ]
    assert numbers(table_page(client, listing, size="3")) == ["T0000002"]
    # The largest choice means that many or more.
    assert numbers(table_page(client, listing, size="8", sort="oldest")) == [
        "T0000003",
        "T0000004",
    ]
    assert numbers(table_page(client, listing, channel="paper")) == ["T0000004"]
    page = table_page(client, listing, channel="online", preference=cop, size="1")
    assert numbers(page) == ["T0000001"]
    assert "1 application matches" in page


def test_a_veteran_list_finds_only_the_claims_made_as_a_veteran(client, db_session, listing):
    cop, _nrhp = codes(listing)
    listing.preferences[0].veterans_first = True
    add(db_session, listing, 1, claims=[cop])
    add(db_session, listing, 2, claims=[cop])
    claim = db_session.scalars(
        select(PreferenceClaim).join(Application).where(Application.public_id == "T0000001")
    ).one()
    claim.veteran = True
    db_session.flush()
    partner_for(db_session, client, listing)
    page = table_page(client, listing, preference=f"V-{cop}")
    assert "Veteran with COP" in page
    assert numbers(page) == ["T0000001"]
    assert numbers(table_page(client, listing, preference=cop, sort="oldest")) == [
        "T0000001",
        "T0000002",
    ]


def test_income_bands_follow_the_listings_ami_levels(client, db_session, listing):
    # The listing's units are at 80% AMI: for two people the limit is $68,900.
    add(db_session, listing, 1, household_size=2, annual_income=Decimal("68900"))
    add(db_session, listing, 2, household_size=2, annual_income=Decimal("68900.01"))
    add(db_session, listing, 3, household_size=1, annual_income=Decimal("68900"))  # over 60,300
    add(db_session, listing, 4, household_size=2, annual_income=None)
    partner_for(db_session, client, listing)
    page = table_page(client, listing)
    assert "Up to 80% of AMI" in page and "Over 80% of AMI" in page
    assert numbers(table_page(client, listing, income="ami-80")) == ["T0000001"]
    assert numbers(table_page(client, listing, income="ami-over", sort="oldest")) == [
        "T0000002",
        "T0000003",
    ]
    assert numbers(table_page(client, listing, income="none")) == ["T0000004"]


def test_without_units_incomes_are_banded_in_dollars(db_session):
    listing = factories.ListingFactory()
    bands = table.income_bands(listing)
    assert [band.key for band in bands] == [
        "usd-0",
        "usd-25000",
        "usd-50000",
        "usd-75000",
        "usd-100000",
        "none",
    ]
    add(db_session, listing, 1, annual_income=Decimal("49999.99"))
    add(db_session, listing, 2, annual_income=Decimal("50000"))
    choices = table.table_choices(listing)
    query = table.TableQuery(income_band="usd-50000")
    page = table.applications_page(db_session, listing, query, choices)
    assert [row.application.public_id for row in page.rows] == ["T0000002"]


def test_possible_duplicates_are_flagged_and_filtered(client, db_session, listing):
    first = add(db_session, listing, 1)
    second = add(db_session, listing, 2)
    withdrawn = add(db_session, listing, 3, status=ApplicationStatus.WITHDRAWN)
    alone = add(db_session, listing, 4)
    for application, key in ((first, "a"), (second, "a"), (withdrawn, "b"), (alone, "b")):
        db_session.add(
            DuplicateKey(
                application_id=application.id,
                listing_id=listing.id,
                rule=DuplicateRule.EMAIL,
                match_key=key,
            )
        )
    db_session.flush()
    partner_for(db_session, client, listing)
    page = table_page(client, listing, flagged="1", sort="oldest")
    # A withdrawn application flags nobody.
    assert numbers(page) == ["T0000001", "T0000002"]
    assert page.count("Possible duplicate<") == 2
    assert "1 possible duplicate group" in page
    record = client.get(f"/partner/listings/{listing.id}/applications/T0000001").text
    assert "Same email address" in record and "T0000002" in record


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["T0000004", "T0000003", "T0000002", "T0000001"]),
        ("oldest", ["T0000001", "T0000002", "T0000003", "T0000004"]),
        ("name", ["T0000003", "T0000001", "T0000004", "T0000002"]),
        ("largest", ["T0000002", "T0000004", "T0000003", "T0000001"]),
        ("smallest", ["T0000001", "T0000003", "T0000004", "T0000002"]),
    ],
)
def test_each_sort_orders_the_table(client, db_session, listing, sort, expected):
    add(db_session, listing, 1, applicant_name="Bea", household_size=1)
    add(db_session, listing, 2, applicant_name="Dan", household_size=5)
    add(db_session, listing, 3, applicant_name="Ada", household_size=2)
    add(db_session, listing, 4, applicant_name="Cy", household_size=2)
    partner_for(db_session, client, listing)
    assert numbers(table_page(client, listing, sort=sort)) == expected


@pytest.mark.parametrize("sort", ["newest", "oldest", "name", "largest", "smallest"])
def test_keyset_pages_cover_every_row_once_through_ties_both_ways(db_session, listing, sort):
    """Nine applications with three submission times, three names and three sizes (and one
    with no size), in pages of two: forwards and backwards, every row once, in one order."""
    for number in range(1, 10):
        add(
            db_session,
            listing,
            number,
            submitted_at=START + timedelta(minutes=number % 3),
            applicant_name=["Ana", "Ben", "Cai"][number % 3],
            household_size=None if number == 5 else 1 + number % 3,
        )
    choices = table.table_choices(listing)
    everything = table.applications_page(
        db_session, listing, table.TableQuery(sort=sort), choices, page_size=100
    )
    expected = [row.application.public_id for row in everything.rows]
    assert len(expected) == 9 and everything.next_cursor is None

    seen, pages, query = [], [], table.TableQuery(sort=sort)
    while True:
        page = table.applications_page(db_session, listing, query, choices, page_size=2)
        pages.append(page)
        seen += [row.application.public_id for row in page.rows]
        if page.next_cursor is None:
            break
        query = table.TableQuery(sort=sort, after=page.next_cursor)
    assert seen == expected
    assert len(pages) == 5 and pages[0].previous_cursor is None

    # Back from the last page, each earlier page is the same as it was going forwards.
    page = pages[-1]
    for earlier in reversed(pages[:-1]):
        query = table.TableQuery(sort=sort, before=page.previous_cursor)
        page = table.applications_page(db_session, listing, query, choices, page_size=2)
        assert [r.application.public_id for r in page.rows] == [
            r.application.public_id for r in earlier.rows
        ]
    assert page.previous_cursor is None


def test_next_and_previous_links_keep_the_filters(client, db_session, listing):
    for number in range(1, 61):
        add(db_session, listing, number, household_size=1 + number % 2)
    partner_for(db_session, client, listing)
    first = table_page(client, listing, size="2", sort="oldest")
    assert len(numbers(first)) == 30 and link(first, "next") is None
    assert "30 applications match" in first

    first = table_page(client, listing, sort="oldest")
    assert link(first, "prev") is None
    second = client.get(link(first, "next")).text
    assert numbers(second) == [f"T{n:07d}" for n in range(51, 61)]
    assert link(second, "next") is None
    back = client.get(link(second, "prev")).text
    assert numbers(back) == numbers(first)

    filtered = table_page(client, listing, channel="online", q="person", sort="oldest")
    following = link(filtered, "next")
    assert "channel=online" in following and "q=person" in following
    assert numbers(client.get(following).text) == numbers(second)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"after": "not-a-cursor"}, "page link is damaged or out of date"),
        ({"before": "W1siYSJd"}, "page link is damaged or out of date"),
        ({"after": table.encode_cursor("name", True, "Ann", 1)}, "page link is damaged"),
        ({"sort": "rank"}, "sort order is not available"),
        ({"sort": "'; drop table"}, "sort order is not available"),
        ({"size": "two"}, "Household size must be a whole number"),
        ({"size": "0"}, "Household size must be a whole number"),
        ({"status": "draft"}, "That status is not one"),
        ({"preference": "NOPE"}, "That preference is not one"),
        ({"income": "ami-999"}, "That income band is not one"),
        ({"channel": "fax"}, "Choose online or paper"),
    ],
)
def test_bad_query_strings_are_ignored_with_a_message(client, db_session, listing, args, message):
    add(db_session, listing, 1)
    partner_for(db_session, client, listing)
    page = table_page(client, listing, **args)
    assert message in page
    assert numbers(page) == ["T0000001"]


@pytest.mark.parametrize(
    "args",
    [
        # A NUL typed into the search never gets here: every request with one is a 400.
        {"after": table.encode_cursor("name", True, "Ann\x00", 1), "sort": "name"},
        {"after": table.encode_cursor("newest", True, "0001-01-01T00:00:00+05:00", 1)},
        {"after": table.encode_cursor("largest", True, 2, 10**30), "sort": "largest"},
        {"before": table.encode_cursor("smallest", True, 10**12, 1), "sort": "smallest"},
    ],
)
def test_hostile_values_never_reach_the_database(client, db_session, listing, args):
    add(db_session, listing, 1)
    partner_for(db_session, client, listing)
    assert numbers(table_page(client, listing, **args)) == ["T0000001"]


def test_a_cursor_with_a_wrong_value_type_is_refused():
    for value in (["x"], "2026-13-01", "2026-11-30T10:00:00"):
        cursor = table.encode_cursor("newest", True, value, 1)
        with pytest.raises(table.BadCursor):
            table.decode_cursor(cursor, "newest")
    with pytest.raises(table.BadCursor):
        table.decode_cursor(table.encode_cursor("rank", True, "1", 1), "rank")
    assert table.decode_cursor(table.encode_cursor("largest", False, None, 7), "largest") == (
        False,
        None,
        7,
    )


def test_submitting_keeps_the_claims_in_step_with_the_answers(app, db_session, storage, listing):
    cop, nrhp = codes(listing)
    document = store_proof(
        db_session,
        storage,
        listing_id=listing.id,
        application=None,
        filename="bill.pdf",
        stream=io.BytesIO(pdf_document("Bill", ["x"])),
    )
    answers = valid_answers(
        preferences={
            cop: {
                "claimed": True,
                "member": 0,
                "proof_type": "Utility bill",
                "document": document.public_id,
            },
            nrhp: {"claimed": False},
        }
    )
    with app.test_request_context():
        submitted = submit_answers(db_session, listing.id, answers, utcnow()).application

        def claimed() -> list[str]:
            return list(
                db_session.scalars(
                    select(PreferenceClaim.preference_code).where(
                        PreferenceClaim.application_id == submitted.id
                    )
                )
            )

        assert claimed() == [cop]
        save_answers(
            db_session,
            submitted.public_id,
            {"preferences": {cop: {"claimed": False}, nrhp: {"claimed": False}}},
            utcnow(),
        )
        submit_application(db_session, submitted.public_id, utcnow())
        assert claimed() == []


def test_the_application_page_shows_answers_documents_and_history(
    app, client, db_session, storage, listing
):
    cop, nrhp = codes(listing)
    document = store_proof(
        db_session,
        storage,
        listing_id=listing.id,
        application=None,
        filename="lease-proof.pdf",
        stream=io.BytesIO(pdf_document("Proof", ["x"])),
    )
    answers = valid_answers(
        preferences={
            cop: {
                "claimed": True,
                "member": 0,
                "proof_type": "Utility bill",
                "document": document.public_id,
            },
            nrhp: {"claimed": False},
        }
    )
    with app.test_request_context():
        application = submit_answers(db_session, listing.id, answers, utcnow()).application
        changed = copy.deepcopy(answers)
        changed["applicant"]["last_name"] = "Lopez-Garcia"
        save_answers(db_session, application.public_id, changed, utcnow())
        submit_application(db_session, application.public_id, utcnow())
    partner_for(db_session, client, listing)
    page = client.get(f"/partner/listings/{listing.id}/applications/{application.public_id}")
    assert page.status_code == 200
    text = page.text
    assert "Lopez-Garcia" in text and "120 Harbor Way" in text  # the answers
    assert "lease-proof.pdf" in text
    assert f"/applications/{application.public_id}/documents/{document.public_id}" in text
    assert "Changes submitted" in text and "by the applicant" in text
    # The change, named as the form asks it, with the old and new answer.
    assert re.search(r"About you · Last name</th><td[^>]*>Lopez</td><td[^>]*>Lopez-Garcia", text)
    assert "Lottery results are not published yet." in text
    table_html = table_page(client, listing)
    assert f"/partner/listings/{listing.id}/applications/{application.public_id}" in table_html


def test_changes_name_each_field_that_differs():
    before = {"applicant": {"first_name": "Ana", "email": ""}, "household": [{"first_name": "B"}]}
    after = {"applicant": {"first_name": "Ana", "email": None}, "household": []}
    # Blank to blank is no change; a removed member's answers are.
    assert [(c.path, c.before, c.after) for c in changes(before, after)] == [
        (("household", 0, "first_name"), "B", None)
    ]
    assert [
        c.path for c in changes({"income": {"amount": "10"}}, {"income": {"amount": "12"}})
    ] == [("income", "amount")]


def test_ranks_from_the_published_results_sort_the_table_and_show_on_the_page(
    app, client, db_session, listing
):
    preregister(db_session, listing, utcnow())
    with app.test_request_context():
        for number in range(12):
            answers = valid_answers()
            answers["applicant"].update(
                first_name=name_for(number),
                email=f"ranked{number}@example.org",
                address={
                    "street": f"{number} Main Street",
                    "city": "Port Alder",
                    "state": "CA",
                    "postal_code": "94999",
                },
            )
            answers["household"][0]["first_name"] = name_for(number)
            answers["preferences"] = {code: {"claimed": False} for code in codes(listing)}
            submit_answers(db_session, listing.id, answers, utcnow())
    # Frozen two hours ago: the beacon round the rule names is out by now.
    listing.application_due_at = utcnow() - timedelta(hours=2, minutes=5)
    db_session.flush()
    staff = factories.UserFactory(staff=True, with_two_factor=True)
    lottery = freeze(db_session, listing.id, staff, utcnow() - timedelta(hours=2))
    made_up = made_up_round(beacon_round_of(lottery) or 1)
    set_seed_inputs(
        db_session,
        listing.id,
        staff,
        utcnow(),
        beacon_source="drand mainnet",
        beacon_round=str(beacon_round_of(lottery)),
        beacon_value=made_up["randomness"],
        beacon_signature=made_up["signature"],
        reveals={},
    )
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    with app.app_context():
        run_draw(lottery.id)
    db_session.expire_all()
    publish(db_session, listing.id, staff, utcnow())
    db_session.flush()

    sign_in_as(client, staff)
    page = client.get(f"/partner/listings/{listing.id}/applications?sort=rank").text
    ranks = [int(rank) for rank in re.findall(r"</th>\s*<td>\d{8}</td>\s*<td>(\d+)</td>", page)]
    assert ranks == list(range(1, 13))
    first = re.search(r'<th scope="row"><a href="([^"]+)">', page).group(1)
    record = client.get(first).text
    assert "Overall rank" in record and "General list (everyone)" in record
    assert "This application has no rank" not in record


def test_the_migration_copies_the_claims_of_applications_submitted_before_it(request):
    """Applications written at the newest schema; back to before 0009 and up again."""
    bare_app = request.getfixturevalue("_empty_app")  # a database of its own, no tables
    with bare_app.app_context():
        upgrade(directory=MIGRATIONS)
        session = Session(bind=db.engine)
        factories.use_session(session)
        try:
            listing = factories.ListingFactory()
            claims = {"A": {"claimed": True}, "B": {"claimed": False}, "C": {"claimed": True}}
            add(session, listing, 1, submitted_answers={"preferences": claims})
            add(session, listing, 2, submitted_answers={"preferences": "not a mapping"})
            add(
                session,
                listing,
                3,
                status=ApplicationStatus.DRAFT,
                answers={"preferences": claims},
                submitted_answers=None,
            )
            session.commit()
            listing_id = listing.id
        finally:
            factories.use_session(None)
            session.close()
        downgrade(directory=MIGRATIONS, revision="0008_exports")
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT a.public_id, c.preference_code, c.listing_id"
                    " FROM application_preference_claims c"
                    " JOIN applications a ON a.id = c.application_id ORDER BY 1, 2"
                )
            ).all()
    assert [tuple(row) for row in rows] == [
        ("T0000001", "A", listing_id),
        ("T0000001", "C", listing_id),
    ]
