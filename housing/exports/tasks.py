"""Writing an export: an rq job that streams rows in keyset batches to a file, then stores it.

Safe to run twice: a job first claims the export (queued, or running with a heartbeat that
stopped, which means its worker died), and each batch's progress is written only while the
job still holds it. A second job for an export that is done, or held by a live job, does
nothing; one that lost its hold stops and deletes its own file.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, func, or_, select, update

from housing import jobs
from housing.applications.models import Application, ApplicationStatus, PreferenceDecision
from housing.db_types import utcnow
from housing.exports import rows, wording
from housing.exports.models import Export, ExportKind, ExportState
from housing.exports.services import KEEP_FOR
from housing.exports.writers import TableWriter, table_writer
from housing.extensions import db
from housing.leaseup.models import LeaseUpEntry
from housing.listings.models import Listing
from housing.lottery.duplicate_decisions import duplicate_groups
from housing.lottery.lookup import published_run
from housing.lottery.models import LotteryRank
from housing.lottery.verify import GENERAL_LIST, list_codes
from housing.lottery.wording import list_name, result_list_names

log = logging.getLogger(__name__)

GENERATE = "housing.exports.tasks.generate_export"
# Seconds an export job may take (100,000 applications take about two minutes as XLSX).
EXPORT_TIMEOUT = 60 * 60
# Rows read per query; progress is written after each batch.
BATCH = 2000
# A preference list is ordered by a rank inside JSON, with no index: each query reads the
# whole run, so results (five small columns a row) are read in fewer, larger batches.
RANK_BATCH = 25_000
# A running export whose heartbeat is this old lost its worker.
STALE_RUNNING = timedelta(minutes=10)
# A queued export this old never reached a worker (Redis was away when it was asked for).
SWEEP_GRACE = timedelta(minutes=5)
# Applications a partner works with: a draft is still the applicant's own.
EXPORTED_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)


class LostHold(Exception):
    """Another job holds the export now (the sweep handed it out again)."""


def start(export_id: int) -> bool:
    """Hand the committed export to a job; False when Redis did not take it (the sweep will)."""
    return jobs.enqueue(GENERATE, export_id, queue_name=jobs.EXPORTS_QUEUE, timeout=EXPORT_TIMEOUT)


def generate_export(export_id: int) -> None:
    """Write the export's file, store it and mark the export done (or failed)."""
    attempt = _claim(export_id, utcnow())
    if attempt is None:
        return
    export = db.session.get(Export, export_id)
    assert export is not None  # noqa: S101 - just claimed
    storage = current_app.extensions["storage"]
    try:
        with tempfile.TemporaryFile() as target, force_locale(export.language):
            written = _write(export, attempt, target)
            size = target.tell()
            target.seek(0)
            key = storage.save(target, suffix=f".{export.file_format.value}")
    except LostHold:
        db.session.rollback()
        return
    except Exception as error:
        db.session.rollback()
        log.exception("export %s could not be written", export_id)
        code = str(error) if isinstance(error, NoResults) else "failed"
        _settle(export_id, attempt, state=ExportState.FAILED, error=code, finished_at=utcnow())
        return
    now = utcnow()
    if not _settle(
        export_id,
        attempt,
        state=ExportState.DONE,
        storage_key=key,
        byte_size=size,
        rows_done=written,
        rows_total=written,
        finished_at=now,
        expires_at=now + KEEP_FOR,
    ):
        storage.delete(key)


class NoResults(Exception):
    """The listing's results were retracted after the export was asked for."""


def _claim(export_id: int, now: datetime) -> int | None:
    """The export, queued or abandoned, made this job's (committed): the attempt's number,
    or None when it is done, failed or held by a live job."""
    attempt = db.session.execute(
        update(Export)
        .where(
            Export.id == export_id,
            or_(
                Export.state == ExportState.QUEUED,
                and_(
                    Export.state == ExportState.RUNNING,
                    Export.heartbeat_at <= now - STALE_RUNNING,
                ),
            ),
        )
        .values(
            state=ExportState.RUNNING,
            attempts=Export.attempts + 1,
            heartbeat_at=now,
            rows_done=0,
        )
        .returning(Export.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return attempt


def _settle(export_id: int, attempt: int, **values: object) -> bool:
    """Write ``values`` and commit, if this attempt still holds the export."""
    written = db.session.execute(
        update(Export)
        .where(Export.id == export_id, Export.attempts == attempt)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(written.rowcount)  # type: ignore[attr-defined]


def _progress(export_id: int, attempt: int, **values: int) -> None:
    if not _settle(export_id, attempt, heartbeat_at=utcnow(), **values):
        raise LostHold(export_id)


def _write(export: Export, attempt: int, target: IO[bytes]) -> int:
    """Write the whole file into ``target``; the number of data rows."""
    export_id = export.id
    listing = db.session.get(Listing, export.listing_id)
    assert listing is not None  # noqa: S101 - exports go when their listing goes
    names = result_list_names(listing, export.language)
    # Each preference and, where it has one, its veteran list (ahead of it, as published).
    codes = list_codes(
        [
            {"code": choice.preference.code, "veteran_list": choice.veterans_first}
            for choice in listing.preferences
        ]
    )[:-1]
    writer = table_writer(export.file_format.value, target)
    if export.kind is ExportKind.APPLICATIONS:
        written = _write_applications(
            writer, export_id, attempt, listing.id, codes, names, export.include_demographics
        )
    else:
        written = _write_results(writer, export_id, attempt, listing.id, codes, names)
    writer.finish()
    return written


def _write_applications(
    writer: TableWriter,
    export_id: int,
    attempt: int,
    listing_id: int,
    codes: list[str],
    names: dict[str, str],
    include_demographics: bool,
) -> int:
    columns = rows.application_columns(codes, include_demographics=include_demographics)
    wanted = (Application.listing_id == listing_id, Application.status.in_(EXPORTED_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(Application).where(*wanted)) or 0
    _progress(export_id, attempt, rows_total=total)
    writer.begin(wording.kind_text("applications"), [wording.heading(c, names) for c in columns])
    written = 0
    values = rows.application_values(columns)
    outcomes = _outcomes(listing_id, codes)
    for batch in _application_batches(wanted, outcomes):
        for row in batch:
            writer.row(values(row))
        written += len(batch)
        _progress(export_id, attempt, rows_done=written)
    return written


Outcomes = dict[int, dict[str, rows.Cell]]


def _outcomes(listing_id: int, codes: list[str]) -> Outcomes:
    """What came of each application, by id and column: flagged as a possible duplicate, left
    out as one (for which kept application, and why), staff's decision on each claim, its
    ranks in the published results, its lease-up status. Read once per export, a statement
    per kind (and per list for the ranks, read by the database from the ranks' JSON)."""
    found: Outcomes = {}

    def put(application_id: int, column: str, value: rows.Cell) -> None:
        found.setdefault(application_id, {})[column] = value

    session = db.session
    groups = duplicate_groups(session, listing_id)
    by_number: dict[str, int] = {}
    for group in groups:
        for application in group.flagged.applications:
            by_number[application.public_id] = application.id
            put(application.id, "possible_duplicate", "yes")
    for group in groups:
        decision = group.decision
        if decision is None or not decision.kept:
            continue
        for number in group.members:
            if number != decision.kept and number in by_number:
                put(by_number[number], "left_out_as_duplicate", "yes")
                put(by_number[number], "kept_instead", decision.kept)
                put(by_number[number], "left_out_because", rows.guard(decision.reason))
    for application_id, code, valid in session.execute(
        select(
            PreferenceDecision.application_id,
            PreferenceDecision.preference_code,
            PreferenceDecision.valid,
        )
        .join(Application, Application.id == PreferenceDecision.application_id)
        .where(Application.listing_id == listing_id)
    ):
        put(application_id, f"decision:{code}", "confirmed" if valid else "invalidated")
    run = published_run(session, listing_id)
    if run is not None:
        for application_id, master_rank in session.execute(
            select(LotteryRank.application_id, LotteryRank.master_rank).where(
                LotteryRank.run_id == run.id
            )
        ):
            put(application_id, "master_rank", master_rank)
        for code in codes:
            place = _rank_of(code)
            for row in session.execute(
                select(LotteryRank.application_id, place).where(
                    LotteryRank.run_id == run.id, place.is_not(None)
                )
            ):
                put(int(row[0]), f"rank:{code}", int(row[1]))
    for application_id, status, since in session.execute(
        select(LeaseUpEntry.application_id, LeaseUpEntry.status, LeaseUpEntry.updated_at).where(
            LeaseUpEntry.listing_id == listing_id
        )
    ):
        put(application_id, "lease_up_status", status.value)
        put(application_id, "lease_up_status_at", since.isoformat())
    for outcome in found.values():
        if outcome.get("possible_duplicate") == "yes":
            outcome.setdefault("left_out_as_duplicate", "no")
    return found


NO_OUTCOME: dict[str, rows.Cell] = {}


def _application_batches(
    wanted: tuple[object, ...], outcomes: Outcomes
) -> Iterator[list[rows.ApplicationRow]]:
    """Every wanted application in id order, a batch per query (keyset: no OFFSET), reading
    only the columns the export writes."""
    after = 0
    while True:
        # Core, not the ORM: plain rows, without the ORM's bookkeeping for each.
        found = (
            db.session.connection()
            .execute(
                select(
                    Application.id,
                    Application.public_id,
                    Application.lottery_number,
                    Application.status,
                    Application.channel,
                    Application.language,
                    Application.submitted_at,
                    Application.received_on,
                    Application.household_size,
                    Application.annual_income,
                    Application.submitted_answers,
                )
                .where(*wanted, Application.id > after)  # type: ignore[arg-type]
                .order_by(Application.id)
                .limit(BATCH)
            )
            .all()
        )
        if not found:
            return
        after = found[-1].id
        yield [
            rows.ApplicationRow(
                public_id=row.public_id,
                lottery_number=row.lottery_number,
                status=row.status.value,
                channel=row.channel.value,
                language=row.language,
                submitted_at=row.submitted_at,
                received_on=row.received_on,
                household_size=row.household_size,
                annual_income=row.annual_income,
                answers=row.submitted_answers,
                outcome=outcomes.get(row.id, NO_OUTCOME),
            )
            for row in found
        ]


def _write_results(
    writer: TableWriter,
    export_id: int,
    attempt: int,
    listing_id: int,
    codes: list[str],
    names: dict[str, str],
) -> int:
    """The general ranking, then each preference list in the listing's order, each in rank
    order: a sheet each in XLSX; in CSV one table whose first column names the list."""
    run = published_run(db.session, listing_id)
    if run is None:
        raise NoResults("no_results")
    run_id = run.id
    # The lists this run published, as its registered rules name them.
    codes = list_codes(run.lottery.rules.get("preferences", []))[:-1]
    lists = [(code, list_name(code, names)) for code in (GENERAL_LIST, *codes)]
    total = sum(
        db.session.scalar(
            select(func.count())
            .select_from(LotteryRank)
            .where(LotteryRank.run_id == run_id, _rank_of(code).is_not(None))
        )
        or 0
        for code in (GENERAL_LIST, *codes)
    )
    _progress(export_id, attempt, rows_total=total)
    headings = [wording.heading(c, names) for c in rows.RESULT_COLUMNS]
    if writer.one_table:
        headings = [wording.heading("list", names), *headings]
    written = 0
    for code, title in lists:
        writer.begin(title, headings)
        for batch in _rank_batches(run_id, code):
            for ranked in batch:
                values = rows.result_values(*ranked)
                writer.row([rows.guard(title), *values] if writer.one_table else values)
            written += len(batch)
            _progress(export_id, attempt, rows_done=written)
    return written


def _rank_of(code: str) -> Any:
    """A list's rank column: the master rank, or the place in a preference list (JSON)."""
    if code == GENERAL_LIST:
        return LotteryRank.master_rank
    return LotteryRank.list_ranks[code].as_integer()


RankedRow = tuple[int, int, str, str | None, str, str, str | None]


def _rank_batches(run_id: int, code: str) -> Iterator[list[RankedRow]]:
    """One list of a run in rank order, a batch per query, keyed on the rank itself."""
    rank = _rank_of(code)
    after = 0
    while True:
        query = (
            select(
                rank.label("list_rank"),
                LotteryRank.master_rank,
                Application.public_id,
                Application.lottery_number,
                Application.applicant_name,
                Application.contact_email,
                Application.submitted_answers["applicant"]["phone"].as_string().label("phone"),
            )
            .join(Application, Application.id == LotteryRank.application_id)
            .where(LotteryRank.run_id == run_id, rank > after)
            .order_by(rank)
            .limit(RANK_BATCH)
        )
        found = [
            (
                int(row.list_rank),
                row.master_rank,
                row.public_id,
                row.lottery_number,
                row.applicant_name,
                row.contact_email,
                row.phone,
            )
            for row in db.session.connection().execute(query)
        ]
        if not found:
            return
        after = found[-1][0]
        yield found


def sweep_exports(now: datetime | None = None) -> int:
    """Hand out again exports that lost their job (Redis away, worker killed) and delete the
    files of expired ones. The number handed out."""
    now = now or utcnow()
    session = db.session
    lost = session.scalars(
        select(Export.id).where(
            or_(
                and_(Export.state == ExportState.QUEUED, Export.requested_at <= now - SWEEP_GRACE),
                and_(
                    Export.state == ExportState.RUNNING,
                    Export.heartbeat_at <= now - STALE_RUNNING,
                ),
            )
        )
    ).all()
    expired = session.execute(
        select(Export.id, Export.storage_key).where(
            Export.expires_at <= now, Export.storage_key.is_not(None)
        )
    ).all()
    storage = current_app.extensions["storage"]
    for row in expired:
        storage.delete(row.storage_key)
    if expired:
        session.execute(
            update(Export)
            .where(Export.id.in_([row.id for row in expired]))
            .values(storage_key=None)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return sum(start(export_id) for export_id in lost)
