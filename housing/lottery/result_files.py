"""The files of a published version of the results: its bundle (JSON) and the printable PDF
in each language the server can set, made once by a job when the version is published and
kept in storage. Requests only read them: at a million entrants the PDF takes a minute to lay
out, far too long for a request.
"""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

from flask_babel import force_locale
from sqlalchemy import select

from housing.accounts.emails import external_url
from housing.applications.models import Application
from housing.db_types import AnySession
from housing.i18n import LOCALE_CODES, format_local_datetime
from housing.i18n import gettext as _
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.printable import PrintableList, PrintableText, results_pdf
from housing.lottery.wording import list_name, result_list_names
from housing.pdf_fonts import pdf_locale, site_font
from housing.storage import Storage, StorageError

BUNDLE_FILE = "bundle"
_BUNDLE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The job that writes them, and how long it may take (a PDF per language at a million
# entrants).
WRITE_FILES = "housing.lottery.tasks.write_result_files"
WRITE_FILES_TIMEOUT = 2 * 60 * 60


def pdf_file(locale: str) -> str:
    return f"pdf-{locale}"


def wanted_files() -> list[str]:
    """Every file a published version has: the bundle first (the verifiers' input), then the
    PDF in English, then in each other language the server can set."""
    locales = dict.fromkeys(["en", *(pdf_locale(code) for code in LOCALE_CODES)])
    return [BUNDLE_FILE, *(pdf_file(locale) for locale in locales)]


def missing_files(run: LotteryRun) -> list[str]:
    """The files of a published version not recorded yet (what its job still has to make)."""
    kept = run.files or {}
    return [name for name in wanted_files() if name not in kept]


def stored_file(storage: Storage, run: LotteryRun, name: str) -> BinaryIO | None:
    """A version's kept file, or None while its job has not made it (or it was lost)."""
    key = (run.files or {}).get(name)
    if not key:
        return None
    try:
        return storage.open(key)
    except StorageError:
        return None


def make_file(session: AnySession, run: LotteryRun, name: str) -> bytes:
    """The bytes of one of a published version's files."""
    out = io.BytesIO()
    write_file(session, run, name, out)
    return out.getvalue()


def write_file(session: AnySession, run: LotteryRun, name: str, out: BinaryIO) -> int:
    """Write one of a published version's files to ``out``; the number of bytes written.
    The bundle is written piece by piece as it is encoded, never held whole as text."""
    if name == BUNDLE_FILE:
        written = 0
        for piece in _BUNDLE_ENCODER.iterencode(run.bundle):
            written += out.write(piece.encode())
        return written
    locale = name.removeprefix(pdf_file(""))
    with force_locale(locale):
        return out.write(_results_pdf(session, run, locale))


def record_file(session: AnySession, storage: Storage, run_id: int, name: str, key: str) -> bool:
    """Note a stored file on its version, under the row's lock; False (and the copy deleted)
    when another job recorded one meanwhile. The caller commits."""
    run = session.scalars(
        select(LotteryRun)
        .where(LotteryRun.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    kept = stored_file(storage, run, name)
    if kept is not None:
        kept.close()
        storage.delete(key)
        return False
    run.files = {**(run.files or {}), name: key}
    session.flush()
    return True


def _results_pdf(session: AnySession, run: LotteryRun, locale: str) -> bytes:
    lottery: Lottery = run.lottery
    listing = lottery.listing
    names = result_list_names(listing, locale)
    numbers: dict[str, str] = {
        public_id: number or ""
        for public_id, number in session.execute(
            select(Application.public_id, Application.lottery_number).where(
                Application.listing_id == listing.id, Application.lottery_number.is_not(None)
            )
        )
    }
    lines = [
        _(
            "Version %(number)s, published %(date)s.",
            number=run.number,
            date=format_local_datetime(run.published_at or run.created_at, listing.timezone),
        ),
        _(
            "Lottery numbers only, in ranked order. Result SHA-256: %(hash)s",
            hash=run.result_sha256,
        ),
        _(
            "Results file to verify: %(url)s",
            url=external_url("lottery_public.bundle", listing_id=listing.id, version=run.number),
        ),
    ]
    if run.retracted_at is not None:
        lines.insert(
            0,
            _(
                "Retracted on %(date)s: %(reason)s",
                date=format_local_datetime(run.retracted_at, listing.timezone),
                reason=run.retraction_reason,
            ),
        )
    text = PrintableText(
        title=_("Lottery results: %(listing)s", listing=listing.name),
        lines=lines,
        rank_heading=_("Rank"),
        number_heading=_("Lottery number"),
        empty=_("Nobody holds this preference."),
        page=_("Page {page} of {pages}"),
    )
    lists = [
        PrintableList(
            heading=list_name(entry["preference"], names),
            numbers=[numbers.get(public_id) or "" for public_id in entry["entrants"]],
        )
        for entry in _ranked_lists(session, run)
    ]
    return results_pdf(text, lists, font=site_font(locale), right_to_left=locale == "ar")


def _ranked_lists(session: AnySession, run: LotteryRun) -> list[dict[str, Any]]:
    """The bundle's lists alone: its manifest and ranking (most of its size) stay unread."""
    lists = session.scalar(select(LotteryRun.bundle["lists"]).where(LotteryRun.id == run.id))
    return list(lists or [])
