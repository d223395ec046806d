"""Staff keep AMI charts (validated, versioned) and the preference catalogue."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from housing.demo import AMI_LIMITS
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.ami_services import parse_chart_table
from housing.listings.preferences import Preference
from tests.accounts.helpers import csrf_token, post_form, sign_in_as
from tests.factories import (
    AmiChartFactory,
    ListingPreferenceFactory,
    PreferenceFactory,
    UnitFactory,
    UserFactory,
)
from tests.listings.test_partner_portal import upload

HEADER = "AMI\t1\t2\t3\t4\t5\t6\t7\t8"


def table(rows: dict[int, tuple[int, ...]], header: str = HEADER) -> str:
    return "\n".join(
        [header, *(f"{p}\t" + "\t".join(f"${v:,}" for v in values) for p, values in rows.items())]
    )


GOOD = {percent: AMI_LIMITS[percent] for percent in (50, 80, 100)}


@pytest.fixture
def staff(client):
    sign_in_as(client, UserFactory(staff=True, with_two_factor=True))


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_pasted_table_becomes_a_chart(client, staff, db_session):
    response = post_form(
        client,
        "/staff/ami-charts/new",
        {
            "name": "Port Alder",
            "chart_type": "HUD Unadjusted",
            "year": "2027",
            "table": table(GOOD),
        },
    )

    assert response.status_code == 302
    chart = db_session.scalar(select(AmiChart).where(AmiChart.year == 2027))
    limits = chart.income_limits()
    assert len(limits) == 24
    assert limits[(100, 3)] == 96950
    assert chart.version == 1


def test_an_uploaded_csv_is_read_the_same_way(client, staff, db_session):
    csv = "AMI,1,2,3,4,5,6,7,8\n" + "\n".join(
        f"{p}," + ",".join(f'"{v:,}"' for v in values) for p, values in GOOD.items()
    )
    token = csrf_token(client, "/staff/ami-charts/new")
    response = upload(
        client,
        "/staff/ami-charts/new",
        {
            "csrf_token": token,
            "name": "Uploaded",
            "chart_type": "TCAC",
            "year": "2027",
            "file": (io.BytesIO(csv.encode()), "chart.csv"),
        },
    )
    assert response.status_code == 302
    chart = db_session.scalar(select(AmiChart).where(AmiChart.name == "Uploaded"))
    assert chart.income_limits()[(80, 8)] == AMI_LIMITS[80][7]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            table(GOOD, header="AMI\t1\t2\t3\t4\t5\t6\t7"),
            "The header has no column for household size 8.",
        ),
        (
            table({50: (37700, 43100, 42000, 53850, 58150, 62500, 66800, 71100)}),
            "Line 2: The limit for 3 people must be higher than for one person fewer.",
        ),
        (
            table({50: GOOD[50]}) + "\n50\t" + "\t".join(["1"] * 8),
            "AMI 50% appears more than once.",
        ),
        (
            HEADER + "\n50\t37700\tlots\t1\t2\t3\t4\t5\t6",
            "The limit for 2 people is not a positive number.",
        ),
        (
            table({50: GOOD[100], 100: GOOD[50]}),
            "At 100% AMI the limit for 1 people is below the limit at 50% AMI.",
        ),
        ("", "The table is empty."),
    ],
)
def test_bad_tables_are_explained_and_nothing_is_written(client, staff, db_session, text, message):
    before = (count(db_session, AmiChart), count(db_session, AmiChartLimit))
    response = post_form(
        client,
        "/staff/ami-charts/new",
        {"name": "Bad", "chart_type": "HUD", "year": "2027", "table": text},
    )
    assert response.status_code == 422
    assert message in response.text
    assert (count(db_session, AmiChart), count(db_session, AmiChartLimit)) == before


def test_a_file_that_is_not_utf8_text_is_refused(client, staff, db_session):
    token = csrf_token(client, "/staff/ami-charts/new")
    response = upload(
        client,
        "/staff/ami-charts/new",
        {
            "csrf_token": token,
            "name": "Binary",
            "chart_type": "HUD",
            "year": "2027",
            "file": (io.BytesIO(b"\xff\xfe\x00\x89PNG"), "chart.csv"),
        },
    )
    assert response.status_code == 422
    assert "not a text (CSV) file in UTF-8" in response.text
    assert count(db_session, AmiChart) == 0


def test_a_new_version_leaves_the_old_chart_untouched(client, staff, db_session):
    old = AmiChartFactory(name="County", year=2026)
    page = client.get(f"/staff/ami-charts/new?from={old.id}").text
    assert "96950" in page  # the old table, ready to correct
    changed = dict(GOOD)
    changed[100] = (75500, *GOOD[100][1:])
    post_form(
        client,
        "/staff/ami-charts/new",
        {"name": "County", "chart_type": "HUD", "year": "2026", "table": table(changed)},
    )

    versions = db_session.scalars(
        select(AmiChart).where(AmiChart.name == "County").order_by(AmiChart.version)
    ).all()
    assert [chart.version for chart in versions] == [1, 2]
    db_session.refresh(old)
    assert old.income_limits()[(100, 1)] == AMI_LIMITS[100][0]


def test_only_charts_nobody_uses_can_be_deleted(client, staff, db_session):
    used = UnitFactory().ami_chart
    unused = AmiChartFactory()
    used_id, unused_id = used.id, unused.id
    refused = post_form(
        client,
        f"/staff/ami-charts/{used.id}/delete",
        {},
        token_from=f"/staff/ami-charts/{used.id}",
        follow=True,
    )
    assert "cannot be deleted" in refused.text
    post_form(
        client,
        f"/staff/ami-charts/{unused.id}/delete",
        {},
        token_from=f"/staff/ami-charts/{unused.id}",
    )
    remaining = set(db_session.scalars(select(AmiChart.id)).all())
    assert used_id in remaining
    assert unused_id not in remaining


def test_parsing_is_a_pure_function_that_reports_every_problem():
    parsed = parse_chart_table("AMI,1,2,3,4,5,6,7,8,9\n50,1,2,3")
    assert {problem.code for problem in parsed.problems} == {"extra_size"}
    parsed = parse_chart_table(
        HEADER + "\n250\t" + "\t".join(["1"] * 8) + "\n60\t1\t2\t3\t4\t5\t6\t7"
    )
    assert [problem.code for problem in parsed.problems] == ["percent", "columns"]


def test_preferences_are_created_with_translations_and_codes_stay_unique(client, staff, db_session):
    PreferenceFactory(code="TAKEN")
    duplicate = post_form(client, "/staff/preferences/new", {"code": "TAKEN", "name": "Again"})
    assert "Another preference already uses this code." in duplicate.text
    bad = post_form(client, "/staff/preferences/new", {"code": "lower case", "name": "X"})
    assert "Use 2 to 40 capital letters, digits or underscores." in bad.text

    post_form(
        client,
        "/staff/preferences/new",
        {
            "code": "ANTI_DISP",
            "name": "Anti-displacement",
            "proof_types": "Lease\nUtility bill\n",
            "name_es": "Antidesplazamiento",
        },
    )
    created = db_session.scalar(select(Preference).where(Preference.code == "ANTI_DISP"))
    assert created.proof_types == ["Lease", "Utility bill"]
    assert created.localized("name", "es") == "Antidesplazamiento"
    assert created.localized("name", "vi") == "Anti-displacement"


def test_a_used_preference_keeps_its_code(client, staff, db_session):
    used = ListingPreferenceFactory().preference
    response = post_form(
        client, f"/staff/preferences/{used.id}", {"code": "RENAMED", "name": "New name"}
    )
    assert "its code cannot change" in response.text
    ok = post_form(client, f"/staff/preferences/{used.id}", {"code": used.code, "name": "New name"})
    assert ok.status_code == 302
    db_session.refresh(used)
    assert (used.code, used.name) == (used.code, "New name")


def test_a_reused_chart_id_never_serves_the_old_charts_limits():
    from datetime import UTC, datetime

    first = AmiChart(
        id=424242,
        name="A",
        chart_type="T",
        year=2026,
        version=1,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    first.limits = [AmiChartLimit(ami_percent=50, household_size=1, annual_income=Decimal(1000))]
    second = AmiChart(
        id=424242,
        name="B",
        chart_type="T",
        year=2026,
        version=1,
        created_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    second.limits = [AmiChartLimit(ami_percent=50, household_size=1, annual_income=Decimal(2000))]
    assert first.income_limits()[(50, 1)] == 1000
    assert second.income_limits()[(50, 1)] == 2000
