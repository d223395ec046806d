"""The staff report across listings: the same figures as each listing's dashboard, and their
sums; filters; who may read it; what it costs; and its downloads read back."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook

from housing.accounts.models import PartnerAssignment
from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    Application,
    DuplicateDecision,
    DuplicateKey,
    PreferenceClaim,
    PreferenceDecision,
)
from housing.applications.services import flagged_sets
from housing.dashboard import report, services
from housing.i18n import LOCALE_CODES
from housing.leaseup.models import LeaseUpEntry, LeaseUpEvent
from housing.leaseup.statuses import LeaseStatus
from housing.listings.models import Listing, ListingStatus, Tenure
from tests.accounts.helpers import sign_in_as
from tests.dashboard.helpers import SubmittedApplicationFactory, at
from tests.factories import (
    ListingFactory,
    ListingPreferenceFactory,
    PreferenceFactory,
    UnitFactory,
    UserFactory,
)
from tests.test_statement_counts import statements_of

REPORT = "/staff/dashboard/report"
XLSX = "/staff/dashboard/report/export.xlsx"
CSV = "/staff/dashboard/report/export.csv"
TIMEZONE = "America/Los_Angeles"


@dataclass(frozen=True)
class Seeded:
    harbor: Listing  # rental, closed; a duplicate left out; claims decided both ways
    cedar: Listing  # for sale, in lease-up
    draft: Listing  # not published: only in the report when asked for by its status


def submit(listing: Listing, when: str, **facts: object) -> Application:
    return SubmittedApplicationFactory(listing=listing, submitted_at=at(when), **facts)


def claim(
    session, application: Application, code: str, valid: bool | None, *, veteran: bool = False
) -> None:
    session.add(
        PreferenceClaim(
            application_id=application.id,
            preference_code=code,
            listing_id=application.listing_id,
            veteran=veteran,
        )
    )
    if valid is not None:
        decide(session, application, code, valid)


def decide(session, application: Application, code: str, valid: bool) -> None:
    session.add(
        PreferenceDecision(application_id=application.id, preference_code=code, valid=valid)
    )


def same_household(session, kept: Application, left_out: Application) -> None:
    for application in (kept, left_out):
        session.add(
            DuplicateKey(
                application_id=application.id,
                listing_id=application.listing_id,
                rule=DuplicateRule.EMAIL,
                match_key=f"household-{kept.id}@example.org",
            )
        )
    session.add(
        DuplicateDecision(
            listing_id=kept.listing_id,
            rule=DuplicateRule.EMAIL,
            match_key=f"household-{kept.id}@example.org",
            members=sorted([kept.public_id, left_out.public_id]),
            kept=kept.public_id,
        )
    )


def lease_up(session, application: Application, *steps: LeaseStatus) -> None:
    """The household went through ``steps``, in order, and stands at the last."""
    session.add(
        LeaseUpEntry(
            listing_id=application.listing_id, application_id=application.id, status=steps[-1]
        )
    )
    previous = ""
    for step in steps:
        session.add(
            LeaseUpEvent(
                listing_id=application.listing_id,
                application_id=application.id,
                kind="status",
                from_status=previous,
                to_status=step.value,
            )
        )
        previous = step.value


def seed_listing(
    name: str,
    *,
    opens: str,
    due: str,
    tenure: Tenure = Tenure.RENTAL,
    status: ListingStatus = ListingStatus.CLOSED,
) -> Listing:
    return ListingFactory(
        name=name,
        tenure=tenure,
        status=status,
        timezone=TIMEZONE,
        application_open_at=at(opens),
        application_due_at=at(due),
    )


@pytest.fixture
def seeded(db_session) -> Seeded:
    cop = PreferenceFactory(code="COP", name="Certificate of Preference")
    nrhp = PreferenceFactory(code="NRHP", name="Neighborhood Resident")

    # The deadline is midnight at the start of March 15 in Los Angeles: March 14 is its day.
    harbor = seed_listing("Harbor Lights", opens="2030-03-01T08:00Z", due="2030-03-15T07:00Z")
    UnitFactory(listing=harbor, unit_count=10)
    ListingPreferenceFactory(listing=harbor, preference=cop, rank=1, veterans_first=True)
    ListingPreferenceFactory(listing=harbor, preference=nrhp, rank=2)
    kept = submit(harbor, "2030-03-02T18:00Z")
    twice = submit(harbor, "2030-03-03T18:00Z")
    paper_es = submit(harbor, "2030-03-04T18:00Z", language="es", paper=True)
    submit(harbor, "2030-03-10T18:00Z", language="es", paper=True)
    veteran = submit(harbor, "2030-03-12T18:00Z", language="ar")
    withdrawn = submit(harbor, "2030-03-05T18:00Z", withdrawn=True)
    SubmittedApplicationFactory(listing=harbor, draft=True)
    same_household(db_session, kept, twice)
    claim(db_session, kept, "COP", True)
    claim(db_session, paper_es, "COP", False)
    claim(db_session, veteran, "COP", None, veteran=True)
    decide(db_session, veteran, "V-COP", True)
    claim(db_session, twice, "NRHP", None)
    claim(db_session, withdrawn, "COP", True)  # withdrawn: not counted

    cedar = seed_listing(
        "Cedar Court",
        opens="2030-04-01T07:00Z",
        due="2030-05-10T07:00Z",
        tenure=Tenure.SALE,
        status=ListingStatus.LEASE_UP,
    )
    UnitFactory(listing=cedar, unit_count=3)
    UnitFactory(listing=cedar, unit_count=1, ami_chart=cedar.units[0].ami_chart)
    ListingPreferenceFactory(listing=cedar, preference=cop, rank=1)
    signed = submit(cedar, "2030-04-02T18:00Z", language="zh_Hant")
    waiting = submit(cedar, "2030-04-03T18:00Z", paper=True)
    working = submit(cedar, "2030-05-01T18:00Z")
    claim(db_session, signed, "COP", True)
    claim(db_session, waiting, "COP", False)
    lease_up(
        db_session,
        signed,
        LeaseStatus.PROCESSING,
        LeaseStatus.INVITED,
        LeaseStatus.DOCUMENTS_RECEIVED,
        LeaseStatus.APPROVED,
        LeaseStatus.LEASE_SIGNED,
    )
    lease_up(db_session, waiting, LeaseStatus.PROCESSING, LeaseStatus.WAITLISTED)
    lease_up(db_session, working, LeaseStatus.PROCESSING)

    draft = seed_listing(
        "Draft Place",
        opens="2030-06-01T07:00Z",
        due="2030-06-20T07:00Z",
        status=ListingStatus.DRAFT,
    )
    UnitFactory(listing=draft, unit_count=2)
    db_session.flush()
    return Seeded(harbor, cedar, draft)


def filters(**chosen: object) -> report.ReportFilters:
    return report.ReportFilters(timezone=TIMEZONE, **chosen)  # type: ignore[arg-type]


def test_each_listing_and_the_totals_match_the_listing_dashboards(db_session, seeded):
    found = report.staff_report(db_session, filters())

    rows = {row.listing.id: row.figures for row in found.listings}
    assert list(rows) == [seeded.cedar.id, seeded.harbor.id]  # newest deadline first
    languages: Counter[str] = Counter()
    funnel: Counter[str] = Counter()
    for listing in (seeded.harbor, seeded.cedar):
        figures = rows[listing.id]
        counts = services.status_counts(db_session, listing.id)
        assert (figures.submitted, figures.left_out, figures.eligible, figures.units) == (
            counts.submitted,
            counts.left_out,
            counts.eligible,
            counts.units,
        )
        channels = dict(services.by_channel(db_session, listing.id))
        assert (figures.online, figures.paper) == (channels["online"], channels["paper"])
        flagged = {
            a.id for group in flagged_sets(db_session, listing.id) for a in group.applications
        }
        assert figures.possible_duplicates == len(flagged)
        languages.update(dict(services.by_language(db_session, listing.id)))
        funnel.update(dict(services.lease_up_funnel(db_session, listing.id)))

    harbor, cedar = rows[seeded.harbor.id], rows[seeded.cedar.id]
    assert (harbor.submitted, harbor.online, harbor.paper) == (5, 3, 2)
    assert (harbor.possible_duplicates, harbor.left_out, harbor.eligible) == (2, 1, 4)
    assert (cedar.submitted, cedar.units, cedar.in_lease_up, cedar.leases_signed) == (3, 4, 3, 1)
    assert dict(found.languages) == languages == {"en": 4, "es": 2, "ar": 1, "zh_Hant": 1}
    assert dict(found.channels) == {"online": 5, "paper": 3}
    assert dict(found.funnel) == funnel
    assert found.funnel[0] == ("processing", 3) and found.funnel[-1] == ("lease_signed", 1)
    assert dict(found.lease_statuses) == {"processing": 1, "lease_signed": 1, "waitlisted": 1}

    totals = found.totals
    assert (totals.submitted, totals.online, totals.paper) == (8, 5, 3)
    assert (totals.left_out, totals.eligible, totals.units, totals.leases_signed) == (1, 7, 14, 1)

    claims = {(row.code, row.claims, row.confirmed, row.invalidated) for row in found.preferences}
    assert claims == {("V-COP", 1, 1, 0), ("COP", 5, 2, 2), ("NRHP", 1, 0, 0)}
    assert [row.code for row in found.preferences] == ["V-COP", "COP", "NRHP"]


def test_filters_choose_listings_or_the_applications_counted(db_session, seeded):
    def names(**chosen: object) -> list[str]:
        return [
            row.listing.name for row in report.staff_report(db_session, filters(**chosen)).listings
        ]

    # A deadline on March 14 (local) is in a range ending on the 14th, not on the 13th.
    assert names(first_day=date(2030, 3, 1), last_day=date(2030, 3, 14)) == ["Harbor Lights"]
    assert names(first_day=date(2030, 3, 1), last_day=date(2030, 3, 13)) == []
    assert names(tenure=Tenure.SALE) == ["Cedar Court"]
    assert names(status=ListingStatus.CLOSED) == ["Harbor Lights"]
    assert names(status=ListingStatus.DRAFT) == ["Draft Place"]

    # By submission: only applications sent on March 2 or 3 (Los Angeles) are counted.
    early = report.staff_report(
        db_session,
        filters(
            basis=report.DateBasis.SUBMITTED,
            first_day=date(2030, 3, 2),
            last_day=date(2030, 3, 3),
        ),
    )
    assert [row.listing.name for row in early.listings] == ["Harbor Lights"]
    figures = early.listings[0].figures
    assert (figures.submitted, figures.possible_duplicates, figures.left_out) == (2, 2, 1)
    assert {row.code: row.claims for row in early.preferences} == {"COP": 1, "NRHP": 1}


@pytest.fixture
def staff(client, db_session):
    user = UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, user)
    return user


def table_row(html: str, key: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in the table of the section ``key``."""
    section = html.split(f'id="chart-{key}-heading"', 1)[1].split("</section>", 1)[0]
    match = re.search(
        rf'<tr><th scope="row">(?:<a [^>]*>)?{re.escape(label)}(?:</a>)?</th>(.*?)</tr>', section
    )
    assert match, (key, label)
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def test_the_page_shows_the_tables_with_totals(client, staff, seeded):
    page = client.get(REPORT)

    assert page.status_code == 200
    html = page.text
    assert table_row(html, "listings", "Harbor Lights")[1:8] == [
        "5", "3", "2", "2", "1", "4", "10",
    ]  # fmt: skip
    assert table_row(html, "listings", "All listings")[1:8] == [
        "8", "5", "3", "2", "1", "7", "14",
    ]  # fmt: skip
    assert f'href="/staff/dashboard/listings/{seeded.harbor.id}"' in html
    assert table_row(html, "language", "Spanish")[:2] == ["2", "25%"]
    assert table_row(html, "preferences", "Certificate of Preference") == [
        "5", "2", "2", "1",
    ]  # fmt: skip
    assert table_row(html, "preferences", "Veteran with Certificate of Preference")[0] == "1"
    assert table_row(html, "lease-up-listings", "Cedar Court") == ["4", "3", "1"]
    assert table_row(html, "lease-up", "Lease signed")[0] == "1"
    assert "Draft Place" not in html
    assert html.count("<caption") == html.count("<table")
    assert '<th scope="col">' in html and "<tfoot>" in html
    assert 'type="date"' in html and "novalidate" in html
    assert f'href="{XLSX}"' in html and f'href="{CSV}?table=listings"' in html


def test_the_report_reads_in_every_locale(client, staff, seeded):
    for code in LOCALE_CODES:
        client.set_cookie("language", code)
        page = client.get(REPORT)
        assert page.status_code == 200, code
    # In Arabic the bars grow from the right edge of the 340-unit-wide chart.
    assert '<html lang="ar" dir="rtl">' in page.text
    assert re.search(r'<text class="chart-label" x="340(\.0)?"', page.text)


def test_a_bad_filter_changes_nothing_and_says_why(client, staff, seeded):
    page = client.get(
        REPORT, query_string={"first_day": "2030-02-30", "status": "nonsense", "tenure": "sale"}
    )

    assert page.status_code == 422
    html = page.text
    assert 'class="error-summary"' in html
    assert "Enter a real date as year-month-day, for example 2030-03-01." in html
    assert "Choose one of the options shown." in html
    assert "The report below is not filtered." in html
    # Not filtered at all: the valid tenure is not applied either.
    assert "Harbor Lights" in html and "Cedar Court" in html
    assert f'href="{XLSX}"' in html

    backwards = client.get(
        REPORT, query_string={"first_day": "2030-03-10", "last_day": "2030-03-01"}
    )
    assert backwards.status_code == 422
    assert "The last day must be the same as the first day or after it." in backwards.text

    refused = client.get(XLSX, query_string={"last_day": "yesterday"})
    assert refused.status_code == 422
    assert "Enter a real date as year-month-day, for example 2030-03-01." in refused.text


def test_filters_from_the_query_string_reach_the_report_and_its_downloads(client, staff, seeded):
    chosen = {"basis": "deadline", "first_day": "2030-03-01", "last_day": "2030-03-31"}

    html = client.get(REPORT, query_string=chosen).text

    assert "Harbor Lights" in html and "Cedar Court" not in html
    assert 'value="2030-03-01"' in html
    assert "first_day=2030-03-01" in html.split(f'href="{XLSX}', 1)[1].split('"', 1)[0]


def test_only_staff_and_auditors_read_the_report(client, db_session, seeded):
    assert client.get(REPORT).status_code == 302  # to sign in
    partner = UserFactory(partner=True, with_two_factor=True)
    db_session.add(PartnerAssignment(user_id=partner.id, listing_id=seeded.harbor.id))
    db_session.flush()
    for user, allowed in (
        (UserFactory(), False),
        (partner, False),
        (UserFactory(auditor=True, with_two_factor=True), True),
    ):
        client.delete_cookie("session")
        sign_in_as(client, user)
        for url in (REPORT, XLSX, f"{CSV}?table=listings"):
            assert client.get(url).status_code == (200 if allowed else 403), (user.role, url)
        overview = client.get("/account").text
        assert (f'href="{REPORT}"' in overview) is allowed


def test_the_downloads_hold_the_same_tables(client, staff, seeded, db_session):
    seeded.harbor.name = "=HYPERLINK(1)"  # a spreadsheet must not run it
    db_session.flush()

    workbook = client.get(XLSX)
    assert workbook.status_code == 200
    assert workbook.headers["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(workbook.data), read_only=True)
    assert book.sheetnames == [
        "Applications by listing",
        "Applications by language",
        "Online and on paper",
        "Preference claims",
        "Lease-up stages",
        "Lease-up statuses",
        "Lease-up by listing",
    ]
    listings = [list(row) for row in book["Applications by listing"].iter_rows(values_only=True)]
    assert listings[0][:3] == ["Listing", "Status", "Submitted"]
    assert listings[1][:9] == ["Cedar Court", "Lease-up", 3, 2, 1, 0, 0, 3, 4]
    assert listings[2][:9] == ["'=HYPERLINK(1)", "Closed", 5, 3, 2, 2, 1, 4, 10]
    assert listings[3][:9] == ["All listings", None, 8, 5, 3, 2, 1, 7, 14]
    claims = list(book["Preference claims"].iter_rows(values_only=True))
    assert ("Certificate of Preference", 5, 2, 2, 1) in claims

    languages = client.get(CSV, query_string={"table": "language"})
    assert languages.status_code == 200
    assert languages.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(languages.data.decode("utf-8-sig"))))
    assert rows[0] == ["Language", "Applications"]
    assert rows[1:] == [
        ["English", "4"],
        ["Spanish", "2"],
        ["Arabic", "1"],
        ["Chinese (Traditional)", "1"],
        ["All languages", "8"],
    ]
    assert client.get(CSV, query_string={"table": "nothing-like-it"}).status_code == 404


def test_the_report_does_not_grow_with_listings(client, staff, db_session, seeded):
    fewer = (statements_of(client, REPORT), statements_of(client, XLSX))
    cop = PreferenceFactory(code="LW", name="Live or work")
    for number in range(4):
        listing = seed_listing(f"More {number}", opens="2030-08-01T07:00Z", due="2030-09-01T07:00Z")
        UnitFactory(listing=listing, unit_count=3)
        ListingPreferenceFactory(listing=listing, preference=cop, rank=1)
        first = submit(listing, "2030-08-02T18:00Z", language="vi")
        second = submit(listing, "2030-08-03T18:00Z", paper=True)
        same_household(db_session, first, second)
        claim(db_session, first, "LW", True)
        lease_up(db_session, first, LeaseStatus.PROCESSING, LeaseStatus.APPROVED)
    db_session.flush()

    more = (statements_of(client, REPORT), statements_of(client, XLSX))

    assert "More 3" in client.get(REPORT).text
    assert all(now <= before for now, before in zip(more, fewer, strict=True)), (fewer, more)
