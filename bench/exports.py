"""Exports of a listing with 100,000 submitted applications on PostgreSQL: the applications as
CSV and as XLSX (with demographics, the widest file), and the lottery results (the general
ranking and two preference lists) as CSV and as XLSX.

A throwaway database is seeded once (``seed_lottery``, then every application given complete
answers, then drawn and published). Each export then runs as the job a worker would run, in a
fresh process of its own, so its peak memory (VmHWM) is the job's alone; the process's memory
before the job (imports and the application) is printed beside it.

    .venv/bin/python bench/exports.py [--count 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import ROOT, bench_app, machine, peak_memory_mb, postgres_database

CODES = ("NRHP", "LW")
EXPORTS = (
    ("applications", "csv", False),
    ("applications", "xlsx", True),
    ("results", "csv", False),
    ("results", "xlsx", False),
)


def seed(url: str, folder: str, count: int) -> tuple[int, int]:
    """The listing's id and a staff user's id."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    app = bench_app(url, folder)
    from housing.accounts.models import Role, User
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.models import Lottery
    from housing.lottery.publish import publish
    from housing.lottery.tasks import run_draw
    from tests.applications.helpers import valid_answers
    from tests.lottery.synthetic import seed_lottery

    # Complete answers, as the web form stores them, about 1 KB of JSON each.
    answers = valid_answers(
        preferences={"NRHP": {"claimed": True}, "LW": {"claimed": False}},
        demographics={"ethnicity": "decline", "race": "asian", "gender": "woman"},
    )

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        lottery_id = seed_lottery(count, CODES)
        db.session.execute(
            text("UPDATE applications SET submitted_answers = CAST(:answers AS json)"),
            {"answers": json.dumps(answers)},
        )
        db.session.execute(
            text(
                "UPDATE applications SET applicant_name = 'Maria Lopez ' || lottery_number, "
                "household_size = 2, annual_income = 66000"
            )
        )
        db.session.commit()
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        staff = User(
            email="staff@example.org",
            password_hash="!",  # noqa: S106 - nobody signs in to the benchmark's database
            role=Role.STAFF,
        )
        db.session.add(staff)
        db.session.commit()
        staff_id = staff.id
        print(f"seeded, drawn and published in {time.perf_counter() - started:.0f} s", flush=True)
        db.session.remove()
        db.engine.dispose()
    return listing_id, staff_id


def job(url: str, folder: str, listing_id: int, staff_id: int, spec: str) -> None:
    """One export, asked for and written in this process: time and peak memory."""
    kind, file_format, demographics = spec.split(":")
    app = bench_app(url, folder)
    from housing.accounts.models import User
    from housing.db_types import utcnow
    from housing.exports import services
    from housing.exports.models import Export, ExportFormat, ExportKind
    from housing.exports.tasks import generate_export
    from housing.extensions import db

    with app.test_request_context():
        export = services.request_export(
            db.session,
            listing_id,
            db.session.get(User, staff_id),
            ExportKind(kind),
            ExportFormat(file_format),
            utcnow(),
            include_demographics=demographics == "1",
        )
        db.session.commit()
        export_id = export.id
        db.session.remove()
        before = peak_memory_mb()
        started = time.perf_counter()
        generate_export(export_id)
        took = time.perf_counter() - started
        db.session.remove()
        export = db.session.get(Export, export_id)
        if export.state.value != "done":
            raise SystemExit(f"the export failed: {export.error}")
        rows, size = export.rows_done, export.byte_size or 0
        db.session.remove()
        db.engine.dispose()
    label = f"{kind} {file_format}" + (" with demographics" if demographics == "1" else "")
    print(
        f"{label:<36} {took:7.1f} s  {rows:>9,} rows  {size / 1e6:6.1f} MB file  "
        f"peak {peak_memory_mb():5.0f} MB (before the job {before:4.0f} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--job", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        url, folder, listing_id, staff_id, spec = args.job
        job(url, folder, int(listing_id), int(staff_id), spec)
        return
    print(f"machine: {machine()}", flush=True)
    print(f"applications: {args.count:,}", flush=True)
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        listing_id, staff_id = seed(url, folder, args.count)
        for kind, file_format, demographics in EXPORTS:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--job",
                    url,
                    folder,
                    str(listing_id),
                    str(staff_id),
                    f"{kind}:{file_format}:{int(demographics)}",
                ],
                check=True,
                env=os.environ,
            )


if __name__ == "__main__":
    main()
