"""The public side of a lottery: its rules, the frozen entrants, results and a look-up."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request
from sqlalchemy import select

from housing.applications.models import Application
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing
from housing.lottery import services
from housing.lottery.forms import LookupForm
from housing.lottery.models import Lottery
from housing.lottery.wording import list_name, status_text

lottery_public = Blueprint("lottery_public", __name__, template_folder="templates")


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
        run=services.published_run(db.session, listing_id),
        form=LookupForm(formdata=None),
        status_text=status_text,
        list_name=lambda code: list_name(code, names),
    )


@lottery_public.get("/listings/<int:listing_id>/lottery/results.json")
def bundle(listing_id: int) -> Response:
    _lottery_or_404(listing_id)
    run = services.published_run(db.session, listing_id)
    if run is None:
        abort(404)
    response = jsonify(run.bundle)
    response.headers["Content-Disposition"] = (
        f'inline; filename="lottery-{listing_id}-run-{run.number}.json"'
    )
    return response


@lottery_public.get("/listings/<int:listing_id>/lottery/results")
def results(listing_id: int) -> str:
    lottery = _lottery_or_404(listing_id)
    run = services.published_run(db.session, listing_id)
    if run is None:
        abort(404)
    numbers = dict(
        db.session.execute(
            select(Application.public_id, Application.lottery_number).where(
                Application.listing_id == listing_id
            )
        ).all()
    )
    names = _names(lottery)
    return render_template(
        "lottery/results.html",
        lottery=lottery,
        listing=lottery.listing,
        run=run,
        numbers=numbers,
        list_name=lambda code: list_name(code, names),
    )


@lottery_public.get("/listings/<int:listing_id>/lottery/lookup")
def lookup(listing_id: int) -> tuple[str, int]:
    lottery = _lottery_or_404(listing_id)
    run = services.published_run(db.session, listing_id)
    form = LookupForm(request.args)
    number = (form.number.data or "").strip()
    found: Any = None
    status = 200
    if run is None:
        status = 404
    elif number:
        found = services.look_up(db.session, run, number) if number.isdigit() else None
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
        list_name=lambda code: list_name(code, names),
    ), status
