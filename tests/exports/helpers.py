"""Exports for tests: listings with applications, a finished export, reading files back."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from housing.accounts.models import PartnerAssignment
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.db_types import utcnow
from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
from tests.applications.helpers import valid_answers

DEMOGRAPHICS = {"ethnicity": "hispanic_latino", "race": "pacific_islander", "gender": "nonbinary"}


def make_export(
    session: Session,
    storage: Any,
    listing_id: int,
    *,
    include_demographics: bool = False,
    expired: bool = False,
) -> int:
    """A finished export of ``listing_id`` with a small stored file."""
    now = utcnow()
    finished = now - timedelta(days=2) if expired else now
    export = Export(
        listing_id=listing_id,
        kind=ExportKind.APPLICATIONS,
        file_format=ExportFormat.CSV,
        requested_at=finished,
        include_demographics=include_demographics,
        state=ExportState.DONE,
        attempts=1,
        storage_key=storage.save(io.BytesIO(b"a,b\r\n1,2\r\n"), suffix=".csv"),
        byte_size=10,
        finished_at=finished,
        expires_at=finished + timedelta(hours=24),
    )
    session.add(export)
    session.flush()
    return export.id


def add_application(
    session: Session,
    listing: Any,
    number: int,
    *,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
    **applicant: Any,
) -> Application:
    answers = valid_answers(demographics=dict(DEMOGRAPHICS))
    answers["applicant"].update(applicant)
    answers["preferences"] = {
        choice.preference.code: {"claimed": number % 2 == 0} for choice in listing.preferences
    }
    application = Application(
        public_id=f"EXP{number:06d}",
        listing_id=listing.id,
        status=status,
        channel=ApplicationChannel.ONLINE,
        answers=answers,
        submitted_answers=None if status is ApplicationStatus.DRAFT else answers,
        lottery_number=None if status is ApplicationStatus.DRAFT else str(20_000_000 + number),
        applicant_name=f"{answers['applicant']['first_name']} {answers['applicant']['last_name']}",
        household_size=2,
        submitted_at=None if status is ApplicationStatus.DRAFT else utcnow(),
    )
    session.add(application)
    session.flush()
    return application


def assign(session: Session, user: Any, listing_id: int) -> None:
    session.add(PartnerAssignment(user_id=user.id, listing_id=listing_id))
    session.flush()


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a byte-order mark for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def xlsx_cell_types(data: bytes) -> set[str]:
    """Every cell type in the workbook: "f" would be a formula."""
    book = load_workbook(io.BytesIO(data))
    return {
        cell.data_type for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    }
