"""A listing's exports, for its partners and staff: ask for one, follow it, download it."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.db_types import utcnow
from housing.exports import services, tasks
from housing.exports.forms import ExportForm
from housing.exports.models import ExportFormat, ExportKind
from housing.exports.wording import format_text, kind_text, refusal_text, state_text
from housing.extensions import db
from housing.i18n import gettext as _
from housing.listings import management
from housing.listings.models import Listing
from housing.storage import StorageError

exports = Blueprint(
    "exports", __name__, url_prefix="/partner/listings", template_folder="templates"
)
MANAGERS = (Role.PARTNER, Role.STAFF)
CONTENT_TYPES = {
    # Werkzeug adds "; charset=utf-8" to a text type itself.
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@exports.context_processor
def _wording() -> dict[str, object]:
    return {
        "state_text": state_text,
        "kind_text": kind_text,
        "format_text": format_text,
        "refusal_text": refusal_text,
    }


def _listing_or_404(listing_id: int) -> Listing:
    try:
        return management.get_manageable_listing(db.session, current_user, listing_id)
    except management.ListingNotFound:
        abort(404)


def _page(listing: Listing, form: ExportForm) -> str:
    recent = services.visible_exports(db.session, listing.id, current_user)
    return render_template(
        "exports/index.html",
        listing=listing,
        form=form,
        exports=recent,
        now=utcnow(),
        may_see_demographics=services.may_see_demographics(current_user),
        working=any(export.is_active for export in recent),
    )


@exports.get("/<int:listing_id>/exports")
@require_roles(*MANAGERS)
def index(listing_id: int) -> str:
    return _page(_listing_or_404(listing_id), ExportForm())


@exports.post("/<int:listing_id>/exports")
@require_roles(*MANAGERS)
def create(listing_id: int) -> Response | tuple[str, int]:
    listing = _listing_or_404(listing_id)
    form = ExportForm()
    if not form.validate_on_submit():
        return _page(listing, form), 422
    try:
        export = services.request_export(
            db.session,
            listing_id,
            current_user,
            ExportKind(form.kind.data),
            ExportFormat(form.file_format.data),
            utcnow(),
            include_demographics=bool(form.include_demographics.data),
            language=str(get_locale() or "en"),
        )
    except services.ExportRefused as error:
        db.session.rollback()
        form.kind.errors = [refusal_text(error.code)]
        return _page(listing, form), 422
    db.session.commit()
    # Without Redis the file is written here and now; with Redis away the sweep starts it.
    tasks.start(export.id)
    flash(_("Your export has been asked for. This page shows its progress."), "success")
    return redirect(url_for(".index", listing_id=listing_id))


def _gone(listing_id: int) -> Response:
    db.session.rollback()
    return make_response(render_template("exports/gone.html", listing_id=listing_id), 410)


@exports.get("/<int:listing_id>/exports/<int:export_id>/download")
@require_roles(*MANAGERS)
def download(listing_id: int, export_id: int) -> Response:
    try:
        export = services.hand_over(db.session, listing_id, export_id, current_user, utcnow())
    except (management.ListingNotFound, services.ExportNotFound):
        abort(404)
    except services.ExportUnavailable:
        return _gone(listing_id)
    assert export.storage_key is not None  # noqa: S101 - hand_over checked it is downloadable
    try:
        stream = current_app.extensions["storage"].open(export.storage_key)
    except StorageError:
        db.session.rollback()
        return _gone(listing_id)
    db.session.commit()
    name = (
        f"listing-{listing_id}-{export.kind.value}-{export.requested_at:%Y%m%d-%H%M}"
        f".{export.file_format.value}"
    )
    response = send_file(
        stream,
        mimetype=CONTENT_TYPES[export.file_format],
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
