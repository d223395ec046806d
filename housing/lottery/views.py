"""The public side of a lottery: its rules, the frozen entrants, results and a look-up."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from housing.applications.models import Application
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import format_local_datetime
from housing.listings.models import Listing
from housing.lottery.forms import LookupForm
from housing.lottery.lookup import look_up, published_run, published_runs
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.printable import (
    FontChoice,
    PrintableList,
    PrintableText,
    built_in_font_covers,
    font_for,
    results_pdf,
)
from housing.lottery.publish import kept_file
from housing.lottery.verify import GENERAL_LIST
from housing.lottery.wording import described_rule, list_name, run_kind_text, status_text
from housing.storage import Storage

lottery_public = Blueprint("lottery_public", __name__, template_folder="templates")


@lottery_public.app_context_processor
def _lottery_wording() -> dict[str, object]:
    return {"described_rule": described_rule}


def _lottery_or_404(listing_id: int) -> Lottery:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public(utcnow()):
        abort(404)
    lottery = db.session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None:
        abort(404)
    return lottery


def _names(lottery: Lottery) -> dict[str, str]:
    return {c.preference.code: c.preference.name for c in lottery.listing.preferences}


@lottery_public.get("/listings/<int:listing_id>/lottery")
def overview(listing_id: int) -> str:
    lottery = _lottery_or_404(listing_id)
    names = _names(lottery)
    return render_template(
        "lottery/overview.html",
        lottery=lottery,
        listing=lottery.listing,
        run=published_run(db.session, listing_id),
        form=LookupForm(formdata=None),
        status_text=status_text,
        run_kind_text=run_kind_text,
        published=published_runs(db.session, listing_id),
        list_name=lambda code: list_name(code, names),
    )


def _version_or_404(listing_id: int) -> LotteryRun:
    version = request.args.get("version", type=int)
    if version is None:
        run = published_run(db.session, listing_id)
    else:
        run = next(
            (r for r in published_runs(db.session, listing_id) if r.number == version),
            None,
        )
    if run is None:
        abort(404)
    return run


def _lottery_numbers(listing_id: int) -> dict[str, str]:
    rows = db.session.execute(
        select(Application.public_id, Application.lottery_number).where(
            Application.listing_id == listing_id, Application.lottery_number.is_not(None)
        )
    )
    return {public_id: number or "" for public_id, number in rows}


def _kept_file(
    run: LotteryRun, name: str, mimetype: str, download_name: str, make: Callable[[], bytes]
) -> Response:
    storage: Storage = current_app.extensions["storage"]
    stream = kept_file(db.session, storage, run, name, make, suffix=PurePath(download_name).suffix)
    db.session.commit()
    return send_file(stream, mimetype=mimetype, download_name=download_name)


@lottery_public.get("/listings/<int:listing_id>/lottery/results.json")
def bundle(listing_id: int) -> Response:
    """The current results file, or with ``?version=N`` any version ever published
    (retracted and replaced ones included)."""
    _lottery_or_404(listing_id)
    run = _version_or_404(listing_id)
    return _kept_file(
        run,
        "bundle",
        "application/json",
        f"lottery-{listing_id}-results-v{run.number}.json",
        lambda: json.dumps(run.bundle, ensure_ascii=False, separators=(",", ":")).encode(),
    )


# Places of each list on one page of the HTML results; the PDF and the JSON have them all.
RESULTS_PER_PAGE = 5000


@lottery_public.get("/listings/<int:listing_id>/lottery/results")
def results(listing_id: int) -> str:
    lottery = _lottery_or_404(listing_id)
    run = published_run(db.session, listing_id)
    if run is None:
        abort(404)
    names = _names(lottery)
    longest = max((len(entry["entrants"]) for entry in run.bundle["lists"]), default=0)
    pages = max(1, -(-longest // RESULTS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    start = (page - 1) * RESULTS_PER_PAGE
    return render_template(
        "lottery/results.html",
        lottery=lottery,
        listing=lottery.listing,
        run=run,
        numbers=_lottery_numbers(listing_id),
        list_name=lambda code: list_name(code, names),
        page=page,
        pages=pages,
        start=start,
        end=start + RESULTS_PER_PAGE,
    )


@lottery_public.get("/listings/<int:listing_id>/lottery/results.pdf")
def results_printable(listing_id: int) -> Response:
    """The results as a PDF to print or post, like cities publish: lottery numbers only, in
    ranked order, a section per list. Made once per version and language, then kept."""
    lottery = _lottery_or_404(listing_id)
    run = _version_or_404(listing_id)
    locale = str(get_locale())
    font = font_for(locale)
    if font is None and not built_in_font_covers(locale):
        locale = "en"  # no font for this script on this server: English rather than boxes

    def make() -> bytes:
        with force_locale(locale):
            return _render_pdf(lottery, run, font)

    return _kept_file(
        run,
        f"pdf-{locale}",
        "application/pdf",
        f"lottery-{listing_id}-results-v{run.number}-{locale}.pdf",
        make,
    )


def _render_pdf(lottery: Lottery, run: LotteryRun, font: FontChoice | None) -> bytes:
    listing = lottery.listing
    names = _names(lottery)
    numbers = _lottery_numbers(listing.id)
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
            url=url_for(
                "lottery_public.bundle", listing_id=listing.id, version=run.number, _external=True
            ),
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
            numbers=[numbers.get(public_id, "") for public_id in entry["entrants"]],
        )
        for entry in run.bundle["lists"]
    ]
    return results_pdf(text, lists, font=font, right_to_left=str(get_locale()) == "ar")


@lottery_public.get("/listings/<int:listing_id>/lottery/lookup")
def lookup(listing_id: int) -> tuple[str, int]:
    lottery = _lottery_or_404(listing_id)
    run = published_run(db.session, listing_id)
    form = LookupForm(request.args)
    number = _western_digits((form.number.data or "").strip())
    found: Any = None
    status = 200
    if run is None:
        status = 404
    elif number:
        found = look_up(db.session, run, number) if number.isdecimal() else None
        status = 200 if found else 404
    names = _names(lottery)
    return render_template(
        "lottery/lookup.html",
        lottery=lottery,
        listing=lottery.listing,
        run=run,
        form=form,
        number=number,
        found=found,
        order=[entry["code"] for entry in lottery.rules["preferences"]] + [GENERAL_LIST],
        list_name=lambda code: list_name(code, names),
    ), status


def _western_digits(text: str) -> str:
    """A lottery number typed with Arabic-Indic or other decimal digits, in 0-9."""
    return "".join(
        str(unicodedata.decimal(char, "")) if char.isdecimal() else char for char in text
    )
