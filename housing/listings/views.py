"""Public pages: the directory, the eligibility estimator and the listing page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.wrappers import Response

from housing.db_types import utcnow
from housing.extensions import db
from housing.listings import date_change_wording, presenters, saved_household, services
from housing.listings.date_changes import DateNotice, public_notices
from housing.listings.eligibility import Household, check_listing
from housing.listings.forms import DirectoryForm, EstimatorForm, FoldedEstimatorForm
from housing.listings.hooks import listing_sections
from housing.listings.models import DocumentKind, Listing, ListingDocument, Phase
from housing.listings.saved_household import SavedHousehold
from housing.listings.snapshots import Snapshot
from housing.page_cache import cached_page
from housing.routing import query_id
from housing.site import safe_next
from housing.storage import Storage, StorageError

listings = Blueprint("listings", __name__, template_folder="templates")
listings.add_app_template_global(presenters.status_label, "status_label")
listings.add_app_template_global(presenters.field_label, "field_label")

PER_PAGE = 20


def _page_number() -> int:
    number = query_id("page")
    return number if number and number < 100_000 else 1


@dataclass(frozen=True)
class _Estimate:
    """The household a page checks listings against, and where it came from."""

    # The household questions as the page shows them: typed now, or the saved household.
    form: EstimatorForm
    # True when the questions were answered in this request (their errors are shown).
    typed: bool
    household: Household | None
    # The household kept for the visit, shown with a way to change or forget it.
    saved: SavedHousehold | None
    # A household typed now, to keep for the rest of the visit.
    to_remember: SavedHousehold | None = None

    @property
    def answered(self) -> bool:
        """Whether the questions show answers (typed now, or the saved household's)."""
        return self.typed or self.saved is not None


def _estimate(form_class: type[EstimatorForm]) -> _Estimate:
    """Answers typed in this request win; otherwise the household saved in this visit."""
    typed = form_class(formdata=request.args)
    if typed.was_submitted:
        if typed.validate():
            remembered = saved_household.from_estimator(typed)
            return _Estimate(typed, True, typed.household(), remembered, remembered)
        return _Estimate(typed, True, None, saved_household.recall(request))
    saved = saved_household.recall(request)
    if saved is None:
        return _Estimate(form_class(formdata=None), False, None, None)
    return _Estimate(
        form_class(formdata=None, data=saved.form_data()), False, saved.household(), saved
    )


# The household questions unanswered: the same for every reader of one language.
_UNANSWERED: dict[tuple[str, str], Markup] = {}


def _estimator_fields(form: EstimatorForm, *, answered: bool) -> Markup:
    """The household questions for a page. Unanswered (no answers typed, no household
    saved) they are rendered once per form and language and kept."""
    if answered or current_app.jinja_env.auto_reload:
        return _rendered("listings/_estimator_fields.html", estimator=form)
    key = (type(form).__name__, str(get_locale()))
    fields = _UNANSWERED.get(key)
    if fields is None:
        fields = _UNANSWERED[key] = _rendered("listings/_estimator_fields.html", estimator=form)
    return fields


def _household_query() -> str:
    """The household's answers typed in this address, to carry to a listing's own check."""
    answers = presenters.estimator_query(request.args)
    return f"?{urlencode(answers)}" if answers else ""


def _respond(html: str, estimate: _Estimate) -> Response:
    response = make_response(html)
    if estimate.to_remember is not None:
        saved_household.remember(response, estimate.to_remember)
    return response


@listings.get("/listings")
@cached_page
def directory() -> Response:
    now = utcnow()
    filters_form = DirectoryForm(
        formdata=request.args, neighborhoods=services.public_neighborhoods(db.session, now)
    )
    filters = filters_form.filters() if filters_form.validate() else services.DirectoryFilters()
    page = services.find_snapshots(db.session, filters, now, page=_page_number(), per_page=PER_PAGE)
    estimate = _estimate(FoldedEstimatorForm)
    household = estimate.household
    verdicts = {
        snapshot.listing.id: presenters.verdict(snapshot.eligibility(household), snapshot.listing)
        for snapshot in page.snapshots
        if household is not None
    }
    html = render_template(
        "listings/directory.html",
        filters_form=filters_form,
        estimator=estimate.form,
        estimator_fields=_estimator_fields(estimate.form, answered=estimate.answered),
        estimator_errors=bool(estimate.form.errors),
        saved_household=estimate.saved,
        page=page,
        verdicts=verdicts,
        cards=card_bodies(page.snapshots, now),
        household_query=_household_query(),
        now=now,
        presenters=presenters,
    )
    return _respond(html, estimate)


@listings.get("/eligibility")
@cached_page
def estimator() -> Response:
    """Every open or upcoming listing for the household, those it may qualify for first, a
    page at a time. Each listing is ranked by a quick test on its kept copy and, when that says
    the household could fit, a check of its units that stops at the first fit
    (``Snapshot.fits``); a listing is told unit by unit only when its page is shown."""
    now = utcnow()
    estimate = _estimate(EstimatorForm)
    household = estimate.household
    page = None
    results = []
    if household is not None:
        ranked = []
        for snapshot in services.open_snapshots(db.session, now):
            result = snapshot.eligibility(household) if snapshot.fits(household) else None
            # A household that fits a listing for veterans (say) is not told it may qualify.
            fits = result is not None and presenters.restriction(snapshot.listing, result) is None
            ranked.append((not fits, snapshot, result))
        ranked.sort(key=lambda item: item[0])
        # A page past the last (an old link, a typed address) shows the last.
        number = min(_page_number(), max(1, -(-len(ranked) // PER_PAGE)))
        shown = ranked[(number - 1) * PER_PAGE : number * PER_PAGE]
        page = services.SnapshotPage([item[1] for item in shown], len(ranked), number, PER_PAGE)
        for _fits, snapshot, result in shown:
            checked = result or snapshot.eligibility(household)
            results.append((snapshot.listing, presenters.verdict(checked, snapshot.listing)))
    html = render_template(
        "listings/estimator.html",
        form=estimate.form,
        estimator_fields=_estimator_fields(estimate.form, answered=estimate.answered),
        submitted=estimate.typed or household is not None,
        saved_household=estimate.saved,
        results=results,
        page=page,
        cards=card_bodies(page.snapshots if page else [], now),
        household_query=_household_query(),
        now=now,
        presenters=presenters,
    )
    return _respond(html, estimate)


@listings.get("/listings/<int:listing_id>")
@cached_page
def detail(listing_id: int) -> Response:
    now = utcnow()
    try:
        snapshot = services.public_snapshot(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    estimate = _estimate(EstimatorForm)
    shown = estimate.form if estimate.typed or estimate.household is not None else None
    html = render_listing_page(
        snapshot.listing, now, shown, saved=estimate.saved, snapshot=snapshot
    )
    return _respond(html, estimate)


@listings.post("/household/forget")
def forget_household() -> Response:
    """Forget the saved household, and go back to the page it was forgotten on."""
    target = urlsplit(safe_next(request.form.get("next")))
    # Answers left in the address would save the household again on the way back.
    answers = {field.name for field in EstimatorForm(formdata=None)}
    kept = [
        (name, value)
        for name, value in parse_qsl(target.query, keep_blank_values=True)
        if name not in answers
    ]
    response = redirect(target.path + (f"?{urlencode(kept)}" if kept else ""))
    saved_household.forget(response)
    return response


def _rendered(template: str, **context: object) -> Markup:
    return Markup(render_template(template, **context))  # noqa: S704 - our template's output


def card_bodies(snapshots: Sequence[Snapshot], now: datetime) -> dict[int, Markup]:
    """Each listing's card but the household's verdict, for a page of listings. A card reads
    the same for every reader of one language while the listing, its phase and its countdown
    stay the same, so each is rendered once for those and kept with the listing's copy."""
    locale = str(get_locale())
    body = current_app.jinja_env.get_template("listings/_card_body.html").module.body  # type: ignore[attr-defined]

    def render(snapshot: Snapshot, phase: Phase, countdown: tuple[str, int] | None) -> Markup:
        listing = snapshot.listing
        return Markup(  # noqa: S704 - our template's output
            body(
                listing,
                phase=phase,
                phase_label=presenters.phase_label(phase),
                tenure=presenters.tenure_label(listing.tenure),
                reserved=presenters.reserved_community_text(listing),
                rows=presenters.unit_rows(listing, terms=snapshot.terms),
                countdown=presenters.countdown_text(countdown),
            )
        )

    bodies = {}
    for snapshot in snapshots:
        phase = snapshot.listing.phase(now)
        told = presenters.countdown(snapshot.listing, now)
        bodies[snapshot.listing.id] = snapshot.kept(
            f"card {phase.value} {told}", locale, partial(render, snapshot, phase, told)
        )
    return bodies


def render_listing_page(
    listing: Listing,
    now: datetime,
    estimator: EstimatorForm | None,
    *,
    saved: SavedHousehold | None = None,
    snapshot: Snapshot | None = None,
) -> str:
    """The listing page; the partner preview shows the same page whatever the status.

    With the listing's kept copy (``snapshot``), the parts that depend only on the listing and
    the language are rendered once per version and language and kept with it."""
    terms = (
        snapshot.terms
        if snapshot is not None
        else [services.unit_terms(unit) for unit in listing.units]
    )
    result = None
    if estimator is not None and not estimator.errors:
        result = check_listing(
            estimator.household(), list(terms), services.senior_requirement(listing)
        )
    locale = str(get_locale())
    content = presenters.ListingTexts(listing, locale)
    facts = {"listing": listing, "locale": locale, "content": content, "presenters": presenters}

    def about() -> Markup:
        return _rendered(
            "listings/_listing_about.html",
            **facts,
            result=result,
            unit_rows=presenters.unit_rows(listing, result, terms),
            income_limits=services.income_limit_table(listing, terms),
        )

    def more() -> Markup:
        return _rendered("listings/_listing_more.html", **facts)

    # The units table has a column for the household checked: that rendering is its own.
    kept_about = snapshot if result is None else None
    form = estimator or EstimatorForm(formdata=None)
    return render_template(
        "listings/detail.html",
        **facts,
        now=now,
        phase=listing.phase(now),
        about=kept_about.kept("about", locale, about) if kept_about else about(),
        more=snapshot.kept("more", locale, more) if snapshot else more(),
        estimator=form,
        estimator_fields=_estimator_fields(form, answered=estimator is not None),
        saved_household=saved,
        result=result,
        verdict=presenters.verdict(result, listing) if result else None,
        sections=_sections(listing, snapshot, locale),
        date_notices=_date_notices(listing, snapshot),
        date_notice_text=date_change_wording.notice_text,
    )


def _sections(listing: Listing, snapshot: Snapshot | None, locale: str) -> list[Markup]:
    """What later packages add to the page (the lottery's rules in brief), kept with the
    listing's copy: a freeze or a draw shows on the page within ``snapshots.KEEP_SECONDS``."""

    def render() -> list[Markup]:
        return listing_sections(listing)

    return snapshot.kept("sections", locale, render) if snapshot else render()


def _date_notices(listing: Listing, snapshot: Snapshot | None) -> list[DateNotice]:
    """The changes of the listing's dates since approval, newest first; kept with the listing's
    copy, which a change renews (every change raises the listing's version)."""

    def read() -> list[DateNotice]:
        return public_notices(db.session, listing.id)

    return snapshot.kept("date_notices", "", read) if snapshot else read()


@listings.get("/listings/<int:listing_id>/documents/<int:document_id>")
def document(listing_id: int, document_id: int) -> Response:
    """A listing's PDF or image. PDFs download; nothing is ever served as HTML."""
    now = utcnow()
    try:
        listing = services.get_public_listing(db.session, listing_id, now)
    except services.ListingNotFound:
        abort(404)
    item = db.session.get(ListingDocument, document_id)
    if item is None or item.listing_id != listing.id:
        abort(404)
    storage: Storage = current_app.extensions["storage"]
    try:
        stream = storage.open(item.storage_key)
    except StorageError:
        abort(404)
    response = send_file(
        stream,
        mimetype=item.content_type,
        as_attachment=item.kind is not DocumentKind.IMAGE,
        download_name=item.original_filename,
        max_age=3600,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
