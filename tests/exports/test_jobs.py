"""The export job: results a sheet per list in rank order, safe to run twice, taken over after
a crash, and not lost when Redis is away at request time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from housing.applications.duplicates import DuplicateRule
from housing.applications.models import (
    Application,
    DuplicateDecision,
    DuplicateKey,
    PreferenceDecision,
)
from housing.db_types import utcnow
from housing.exports import services, tasks
from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
from housing.extensions import db
from housing.leaseup.models import LeaseUpEntry
from housing.leaseup.statuses import LeaseStatus
from housing.lottery.models import Lottery, LotteryRank
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from housing.notifications.tasks import sweep
from tests.accounts.helpers import csrf_token, sign_in_as
from tests.exports.helpers import read_csv, read_xlsx
from tests.lottery.synthetic import seed_lottery

# Nothing listens on port 1: Redis is "stopped", and says so at once.
STOPPED_REDIS_URL = "redis://127.0.0.1:1/0?socket_connect_timeout=0.2&socket_timeout=0.2"
ENTRANTS = 240


@pytest.fixture
def published(app, db_session):  # type: ignore[no-untyped-def]
    """A listing with ENTRANTS applications and published results; its id."""
    with app.app_context():
        lottery_id = seed_lottery(ENTRANTS)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
    return listing_id


def expected_lists(db_session, listing_id: int) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Each list's application numbers in rank order, from the ranks table."""
    found = db_session.execute(
        select(LotteryRank.list_ranks, Application.public_id)
        .join(Application, Application.id == LotteryRank.application_id)
        .where(Application.listing_id == listing_id)
    ).all()
    lists: dict[str, list[tuple[int, str]]] = {}
    for ranks, public_id in found:
        for code, rank in ranks.items():
            lists.setdefault(code, []).append((rank, public_id))
    return {code: [public_id for _, public_id in sorted(held)] for code, held in lists.items()}


def export_for(app, listing_id: int, kind: ExportKind, file_format: ExportFormat) -> int:  # type: ignore[no-untyped-def]
    from tests import factories

    staff = factories.UserFactory(staff=True, with_two_factor=True)
    with app.test_request_context():
        export = services.request_export(db.session, listing_id, staff, kind, file_format, utcnow())
        db.session.commit()
        return export.id


def run_export(app, export_id: int) -> Export:  # type: ignore[no-untyped-def]
    with app.app_context():
        tasks.generate_export(export_id)
        db.session.expire_all()
        export = db.session.get(Export, export_id)
        db.session.expunge(export)
        return export


def stored(app, export: Export) -> bytes:  # type: ignore[no-untyped-def]
    with app.extensions["storage"].open(export.storage_key) as stream:
        return stream.read()


def test_results_in_xlsx_have_a_sheet_per_list_in_rank_order(app, db_session, published):
    export = run_export(app, export_for(app, published, ExportKind.RESULTS, ExportFormat.XLSX))
    assert export.state is ExportState.DONE, export.error
    sheets = read_xlsx(stored(app, export))
    assert list(sheets) == ["General list (everyone)", "NRHP", "LW"]
    expected = expected_lists(db_session, published)
    written = sum(len(held) for held in expected.values())
    assert export.rows_done == export.rows_total == written
    for title, code in (("General list (everyone)", "general"), ("NRHP", "NRHP"), ("LW", "LW")):
        headings, *rows = sheets[title]
        assert headings == [
            "Rank in this list",
            "Rank in the general ranking",
            "Application number",
            "Lottery number",
            "Name",
            "Email address",
            "Phone number",
        ]
        assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
        assert [row[2] for row in rows] == expected[code]
    assert 0 < len(sheets["NRHP"]) - 1 < ENTRANTS


def test_results_in_csv_are_one_table_that_names_each_list(app, db_session, published):
    export = run_export(app, export_for(app, published, ExportKind.RESULTS, ExportFormat.CSV))
    headings, *rows = read_csv(stored(app, export))
    assert headings[:3] == ["List", "Rank in this list", "Rank in the general ranking"]
    expected = expected_lists(db_session, published)
    for title, code in (("General list (everyone)", "general"), ("NRHP", "NRHP"), ("LW", "LW")):
        assert [row[3] for row in rows if row[0] == title] == expected[code]
    assert len(rows) == sum(len(held) for held in expected.values())


def test_running_the_job_twice_writes_the_file_once(app, db_session, published):
    export_id = export_for(app, published, ExportKind.APPLICATIONS, ExportFormat.CSV)
    first = run_export(app, export_id)
    again = run_export(app, export_id)
    assert first.state is ExportState.DONE and first.rows_done == ENTRANTS
    assert (again.storage_key, again.attempts, again.finished_at) == (
        first.storage_key,
        1,
        first.finished_at,
    )
    assert len(read_csv(stored(app, again))) == ENTRANTS + 1


def test_an_export_whose_worker_died_is_taken_over_by_the_sweep(app, db_session, published):
    export_id = export_for(app, published, ExportKind.APPLICATIONS, ExportFormat.XLSX)
    abandoned = db_session.get(Export, export_id)
    abandoned.state = ExportState.RUNNING
    abandoned.attempts = 1
    abandoned.rows_done = 500
    abandoned.heartbeat_at = utcnow() - tasks.STALE_RUNNING - timedelta(seconds=1)
    db_session.flush()
    with app.app_context():
        # A job that still runs (fresh heartbeat) would be left alone; this one is not.
        assert tasks.sweep_exports() == 1
    db_session.expire_all()
    export = db_session.get(Export, export_id)
    assert export.state is ExportState.DONE and export.attempts == 2
    (sheet,) = read_xlsx(stored(app, export)).values()
    assert len(sheet) == ENTRANTS + 1


def test_a_live_job_is_not_disturbed_and_a_stale_job_writes_nothing(app, db_session, published):
    export_id = export_for(app, published, ExportKind.APPLICATIONS, ExportFormat.CSV)
    running = db_session.get(Export, export_id)
    running.state = ExportState.RUNNING
    running.attempts = 3
    running.heartbeat_at = utcnow()
    db_session.flush()
    with app.app_context():
        assert tasks.sweep_exports() == 0
        tasks.generate_export(export_id)  # a duplicate job while the holder is alive
        assert tasks._claim(export_id, utcnow()) is None
        # The holder was given up on meanwhile: its writes are refused.
        assert not tasks._settle(export_id, 2, rows_done=1)
    db_session.expire_all()
    export = db_session.get(Export, export_id)
    assert (export.state, export.attempts, export.storage_key) == (ExportState.RUNNING, 3, None)


def test_with_redis_away_the_export_waits_for_the_sweep(
    app, client, db_session, published, monkeypatch
):
    from tests import factories

    staff = factories.UserFactory(staff=True, with_two_factor=True)
    sign_in_as(client, staff)
    url = f"/partner/listings/{published}/exports"
    token = csrf_token(client, url)
    normal = app.config["HOUSING"]
    monkeypatch.setitem(
        app.config, "HOUSING", dataclasses.replace(normal, redis_url=STOPPED_REDIS_URL)
    )
    monkeypatch.delitem(app.extensions, "redis", raising=False)
    try:
        response = client.post(
            url, data={"csrf_token": token, "kind": "results", "file_format": "csv"}
        )
    finally:
        stopped = app.extensions.pop("redis", None)
        if stopped is not None:
            stopped.close()
        monkeypatch.setitem(app.config, "HOUSING", normal)
    assert response.status_code == 302
    db_session.expire_all()
    export = db_session.scalars(select(Export)).one()
    assert export.state is ExportState.QUEUED  # asked for, recorded, not lost
    with app.app_context():
        sweep(utcnow() + timedelta(minutes=1))  # too early: its job may still be on its way
        db_session.expire_all()
        assert db_session.get(Export, export.id).state is ExportState.QUEUED
        sweep(utcnow() + tasks.SWEEP_GRACE + timedelta(seconds=1))
    db_session.expire_all()
    export = db_session.get(Export, export.id)
    assert export.state is ExportState.DONE
    assert len(read_csv(stored(app, export))) > ENTRANTS


def test_the_sweep_deletes_expired_files(app, db_session, world, storage):
    from tests.exports.helpers import make_export

    expired = make_export(db_session, storage, world.listing.id, expired=True)
    current = make_export(db_session, storage, world.listing.id)
    key = db_session.get(Export, expired).storage_key
    with app.app_context():
        tasks.sweep_exports()
    db_session.expire_all()
    assert db_session.get(Export, expired).storage_key is None
    assert db_session.get(Export, current).storage_key is not None
    with pytest.raises(Exception, match="No stored file"):
        storage.open(key)


def test_results_retracted_before_the_job_runs_fail_with_a_reason(app, db_session, published):
    from housing.lottery.models import LotteryStatus

    export_id = export_for(app, published, ExportKind.RESULTS, ExportFormat.CSV)
    lottery = db_session.scalars(select(Lottery).where(Lottery.listing_id == published)).one()
    lottery.status = LotteryStatus.DRAWN  # as a retraction leaves it, in short
    db_session.flush()
    export = run_export(app, export_id)
    assert (export.state, export.error, export.storage_key) == (
        ExportState.FAILED,
        "no_results",
        None,
    )


def test_the_applications_export_carries_what_came_of_each_application(app, db_session, published):
    """Read back from the file: a claim staff invalidated reads "invalidated", the left-out
    duplicate says which application stayed and why, and every entrant has its ranks and
    its lease-up status."""
    with app.app_context():
        session = db.session
        entrants = session.scalars(
            select(Application).where(Application.listing_id == published).order_by(Application.id)
        ).all()
        claimant = next(
            a for a in entrants if a.submitted_answers["preferences"]["NRHP"]["claimed"]
        )
        kept, twin = entrants[1], entrants[2]
        session.add(
            PreferenceDecision(
                application_id=claimant.id, preference_code="NRHP", valid=False, reason="No proof"
            )
        )
        for member in (kept, twin):
            session.add(
                DuplicateKey(
                    application_id=member.id,
                    listing_id=published,
                    rule=DuplicateRule.EMAIL,
                    match_key="same@example.org",
                )
            )
        session.add(
            DuplicateDecision(
                listing_id=published,
                rule=DuplicateRule.EMAIL,
                match_key="same@example.org",
                members=sorted([kept.public_id, twin.public_id]),
                kept=kept.public_id,
                reason="Same person",
            )
        )
        session.add(
            LeaseUpEntry(
                listing_id=published, application_id=entrants[0].id, status=LeaseStatus.PROCESSING
            )
        )
        session.commit()
        numbers = {a.id: a.public_id for a in entrants}
        claimant_id, first_id = claimant.id, entrants[0].id
        kept_number, twin_number = kept.public_id, twin.public_id
    export = run_export(app, export_for(app, published, ExportKind.APPLICATIONS, ExportFormat.CSV))
    assert export.state is ExportState.DONE, export.error
    headings, *lines = read_csv(stored(app, export))
    table = {line[0]: dict(zip(headings, line, strict=True)) for line in lines}
    assert len(table) == ENTRANTS

    assert table[numbers[claimant_id]]["Preference: NRHP"] == "invalidated"
    twin_row = table[twin_number]
    assert twin_row["Possible duplicate"] == "yes"
    assert twin_row["Left out of the lottery as a duplicate"] == "yes"
    assert twin_row["Application kept instead"] == kept_number
    assert twin_row["Why it was left out"] == "Same person"
    assert table[kept_number]["Left out of the lottery as a duplicate"] == "no"
    assert table[numbers[first_id]]["Lease-up status"] == "processing"
    expected = expected_lists(db_session, published)
    for code, heading in (
        ("general", "Rank in the general ranking"),
        ("NRHP", "Rank in the list NRHP"),
    ):
        ranked = sorted(
            (int(row[heading]), number) for number, row in table.items() if row[heading]
        )
        assert [number for _rank, number in ranked] == expected[code]


def test_the_results_export_lets_agents_reach_each_household(app, db_session, published):
    """Agents and staff get each entrant's email and phone beside its ranks."""
    with app.app_context():
        entrant = db.session.scalars(
            select(Application).where(Application.listing_id == published).limit(1)
        ).one()
        entrant.contact_email = "ana@example.org"
        entrant.submitted_answers = {
            **entrant.submitted_answers,
            "applicant": {"phone": "555-234-5678"},
        }
        number = entrant.public_id
        db.session.commit()
    export = run_export(app, export_for(app, published, ExportKind.RESULTS, ExportFormat.CSV))
    headings, *rows = read_csv(stored(app, export))
    assert headings[-2:] == ["Email address", "Phone number"]
    general = [row for row in rows if row[0] == "General list (everyone)"]
    [found] = [row for row in general if row[3] == number]
    assert found[-2:] == ["ana@example.org", "555-234-5678"]
