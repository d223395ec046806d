"""The public side of a lottery: its rules, the frozen entrants, results and a look-up."""

from __future__ import annotations

import io
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
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing, ListingType
from housing.lottery import result_files, results_pages
from housing.lottery.forms import LookupForm
from housing.lottery.left_out import left_out_by_number
from housing.lottery.lookup import look_up, published_run, published_runs
from housing.lottery.models import Lottery, LotteryRun
from housing.lottery.verify import GENERAL_LIST, list_codes
from housing.lottery.wording import (
    described_rule,
    list_name,
    result_list_names,
    run_kind_text,
    status_text,
)
from housing.pdf_fonts import pdf_locale
from housing.routing import id_from_text, query_id
from housing.storage import Storage
from housing.typed_numbers import typed_number

lottery_public = Blueprint("lottery_public", __name__, template_folder="templates")


@lottery_public.app_context_processor
def _lottery_wording() -> dict[str, object]:
    return {"described_rule": described_rule}


def listing_summary(listing: Listing) -> Markup | None:
    """The lottery's registered rules in brief, on its listing's public page."""
    if listing.listing_type is not ListingType.LOTTERY:
        return None
    lottery = db.session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)).first()
    return Markup(  # noqa: S704 - our template's output
        render_template("lottery/_summary.html", listing=listing, lottery=lottery)
    )


def _lottery_or_404(listing_id: int) -> Lottery:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public(utcnow()):
        abort(404)
    lottery = db.session.scalars(select(Lottery).where(Lottery.listing_id == listing_id)).first()
    if lottery is None:
        abort(404)
    return lottery


def _names(lottery: Lottery) -> dict[str, str]:
    """The result lists' names in the reader's language."""
    return result_list_names(lottery.listing, str(get_locale() or "en"))


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
    asked = request.args.get("version")
    if asked is None:
        run = published_run(db.session, listing_id)
    else:
        # A version asked for and not had (not a number, or no run's) is 404, never another.
        version = id_from_text(asked)
        run = next(
            (r for r in published_runs(db.session, listing_id) if r.number == version),
            None,
        )
    if run is None:
        abort(404)
    return run


# Files up to this size are sent from memory.
WHOLE_FILE_BYTES = 4 * 1024 * 1024


def _kept_file(run: LotteryRun, name: str, mimetype: str, download_name: str) -> Response:
    """A published version's file from storage, where the job run at its publication put it;
    until then a page saying it is being prepared (nothing is made in a request)."""
    storage: Storage = current_app.extensions["storage"]
    stream = result_files.stored_file(storage, run, name)
    if stream is None:
        page = render_template(
            "lottery/preparing.html",
            listing=run.lottery.listing,
            results_url=url_for("lottery_public.results", listing_id=run.lottery.listing_id),
        )
        return Response(
            page,
            status=202,
            headers={"Retry-After": "60", "Cache-Control": "no-store"},
            mimetype="text/html",
        )
    # A small file is read whole and its stored copy closed at once; a large one streams from
    # storage and is closed with the response.
    head = stream.read(WHOLE_FILE_BYTES + 1)
    if len(head) <= WHOLE_FILE_BYTES:
        stream.close()
        return send_file(io.BytesIO(head), mimetype=mimetype, download_name=download_name)
    stream.seek(0)
    return send_file(stream, mimetype=mimetype, download_name=download_name)


@lottery_public.get("/listings/<int:listing_id>/lottery/results.json")
def bundle(listing_id: int) -> Response:
    """The current results file, or with ``?version=N`` any version ever published
    (retracted and replaced ones included)."""
    _lottery_or_404(listing_id)
    run = _version_or_404(listing_id)
    return _kept_file(
        run,
        result_files.BUNDLE_FILE,
        "application/json",
        f"lottery-{listing_id}-results-v{run.number}.json",
    )


@lottery_public.get("/listings/<int:listing_id>/lottery/results")
def results(listing_id: int) -> tuple[str, int]:
    """One page of one list at a time, a cursor on master ranks in the address (``after``,
    ``before``; ``before=0`` is the last page), or the page of the lottery number searched
    for (``number``), with that entrant marked."""
    lottery = _lottery_or_404(listing_id)
    run = published_run(db.session, listing_id)
    if run is None:
        abort(404)
    names = _names(lottery)
    codes = list_codes(lottery.rules["preferences"])
    code = request.args.get("list", "")
    if code not in codes:
        code = GENERAL_LIST
    search = LookupForm(request.args)
    number = typed_number(search.number.data or "")
    shown = results_pages.list_view(
        db.session,
        run,
        code,
        number=number,
        after=query_id("after"),
        before=query_id("before"),
    )
    return render_template(
        "lottery/results.html",
        lottery=lottery,
        listing=lottery.listing,
        run=run,
        codes=codes,
        code=code,
        length=shown.length,
        page=shown.page,
        search=search,
        number=number,
        searched=shown.searched,
        marked=shown.marked,
        list_name=lambda list_code: list_name(list_code, names),
    ), 404 if number and shown.searched is None else 200


@lottery_public.get("/listings/<int:listing_id>/lottery/results.pdf")
def results_printable(listing_id: int) -> Response:
    """The results as a PDF to print or post, like cities publish: lottery numbers only, in
    ranked order, a section per list; in the reader's language where the server has a font
    for its script. Made by the job run at publication, for every language, and kept."""
    _lottery_or_404(listing_id)
    run = _version_or_404(listing_id)
    locale = pdf_locale(str(get_locale()))
    return _kept_file(
        run,
        result_files.pdf_file(locale),
        "application/pdf",
        f"lottery-{listing_id}-results-v{run.number}-{locale}.pdf",
    )


@lottery_public.get("/listings/<int:listing_id>/lottery/lookup")
def lookup(listing_id: int) -> tuple[str, int]:
    lottery = _lottery_or_404(listing_id)
    run = published_run(db.session, listing_id)
    form = LookupForm(request.args)
    number = typed_number(form.number.data or "")
    found: Any = None
    left_out = False
    status = 200
    if run is None:
        status = 404
    elif number:
        found = look_up(db.session, run, number) if number.isdecimal() else None
        if found is None and number.isdecimal():
            left_out = left_out_by_number(db.session, listing_id, number)
        status = 200 if found or left_out else 404
    names = _names(lottery)
    return render_template(
        "lottery/lookup.html",
        lottery=lottery,
        listing=lottery.listing,
        run=run,
        form=form,
        number=number,
        found=found,
        left_out=left_out,
        office_hours=lottery.listing.localized("office_hours", str(get_locale() or "en")),
        order=list_codes(lottery.rules["preferences"]),
        list_name=lambda code: list_name(code, names),
    ), status
