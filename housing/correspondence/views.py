"""Staff see what was sent to whom for each listing, resend what failed, post the letters, and
preview every message in every language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.correspondence.forms import ButtonForm, MessageFilterForm
from housing.db_types import utcnow
from housing.extensions import db
from housing.forms import options
from housing.i18n import LOCALE_CODES, LOCALES, ngettext
from housing.i18n import gettext as _
from housing.listings.models import Listing
from housing.notifications import services, wording
from housing.notifications.models import (
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)
from housing.notifications.tasks import send_after_commit
from housing.routing import id_from_text, query_id

# Named as the pages were when they were part of notifications: the endpoints stay the same.
notifications_staff = Blueprint(
    "notifications_staff", __name__, url_prefix="/staff/messages", template_folder="templates"
)

PAGE = 50
LETTERS_PAGE = 200


def _listing_or_404(listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        abort(404)
    return listing


def _filter_form() -> MessageFilterForm:
    form = MessageFilterForm(request.args)
    everything: list[tuple[str, Any]] = [("", _("All"))]
    form.state.choices = options(
        everything + [(state.value, name) for state, name in wording.STATE_NAMES.items()]
    )
    form.channel.choices = options(
        everything + [(channel.value, name) for channel, name in wording.CHANNEL_NAMES.items()]
    )
    form.template.choices = options(everything + list(wording.TEMPLATE_NAMES.items()))
    return form


@notifications_staff.get("/listings/<int:listing_id>")
@require_roles(Role.STAFF)
def listing_messages(listing_id: int) -> str:
    """Progress by kind of message, the broadcasts, and the messages themselves, newest first."""
    listing = _listing_or_404(listing_id)
    form = _filter_form()
    if request.args and not form.validate():
        flash(_("That filter is not one this page knows; showing every message."), "error")
    found = services.listing_messages(
        db.session,
        listing_id,
        state=MessageState(form.state.data) if form.state.data and not form.errors else None,
        channel=Channel(form.channel.data) if form.channel.data and not form.errors else None,
        template=form.template.data if not form.errors else None,
        before=query_id("before"),
        limit=PAGE,
    )
    progress = services.progress(db.session, listing_id)
    filters = {
        name: value
        for name, value in (
            ("state", form.state.data),
            ("channel", form.channel.data),
            ("template", form.template.data),
        )
        if value and not form.errors
    }
    return render_template(
        "correspondence/listing.html",
        listing=listing,
        form=form,
        progress=progress,
        broadcasts=services.broadcasts_in_progress(db.session, listing_id),
        found=found,
        filters=filters,
        next_before=found[-1].id if len(found) == PAGE else None,
        wording=wording,
        states=list(MessageState),
        form_button=ButtonForm(),
        any_failed=any(
            counts.get(MessageState.FAILED.value)
            for (_template, channel), counts in progress.items()
            if channel is not Channel.LETTER
        ),
    )


@notifications_staff.get("/<int:message_id>")
@require_roles(Role.STAFF)
def message(message_id: int) -> str:
    found = db.session.get(OutboundMessage, message_id)
    if found is None:
        abort(404)
    events = db.session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == message_id).order_by(MessageEvent.id)
    ).all()
    return render_template(
        "correspondence/message.html",
        message=found,
        content=services.rendered(db.session, found),
        events=events,
        form=ButtonForm(),
        wording=wording,
    )


@notifications_staff.post("/<int:message_id>/resend")
@require_roles(Role.STAFF)
def resend(message_id: int) -> Response:
    if not ButtonForm().validate():
        abort(400)
    try:
        services.resend(db.session, message_id, current_user)
    except services.MessageRefused as error:
        db.session.rollback()
        flash(str(wording.REFUSALS[error.code]), "error")
    else:
        db.session.commit()
        send_after_commit()
        flash(_("The message is queued to be sent again."), "success")
    return redirect(url_for(".message", message_id=message_id))


@notifications_staff.post("/listings/<int:listing_id>/resend-failed")
@require_roles(Role.STAFF)
def resend_failed(listing_id: int) -> Response:
    _listing_or_404(listing_id)
    if not ButtonForm().validate():
        abort(400)
    count = services.resend_failed(db.session, listing_id, current_user)
    db.session.commit()
    send_after_commit()
    flash(
        ngettext(
            "%(num)s failed message is queued to be sent again.",
            "%(num)s failed messages are queued to be sent again.",
            count,
        ),
        "success",
    )
    return redirect(url_for(".listing_messages", listing_id=listing_id))


@notifications_staff.get("/listings/<int:listing_id>/letters")
@require_roles(Role.STAFF)
def letters(listing_id: int) -> str:
    listing = _listing_or_404(listing_id)
    return render_template(
        "correspondence/letters.html",
        listing=listing,
        letters=services.waiting_letters(db.session, listing_id, LETTERS_PAGE),
        form=ButtonForm(),
        wording=wording,
        page=LETTERS_PAGE,
    )


@notifications_staff.get("/listings/<int:listing_id>/letters/print")
@require_roles(Role.STAFF)
def print_letters(listing_id: int) -> str:
    """Every waiting letter, each on its own page, in its reader's language."""
    listing = _listing_or_404(listing_id)
    waiting = services.waiting_letters(db.session, listing_id, LETTERS_PAGE)
    rtl = {locale.code for locale in LOCALES if locale.rtl}
    pages = [
        (letter, services.rendered(db.session, letter), letter.language in rtl)
        for letter in waiting
    ]
    return render_template("correspondence/print_letters.html", listing=listing, pages=pages)


@notifications_staff.post("/listings/<int:listing_id>/letters/mailed")
@require_roles(Role.STAFF)
def letters_mailed(listing_id: int) -> Response:
    _listing_or_404(listing_id)
    if not ButtonForm().validate():
        abort(400)
    chosen = [
        number
        for value in request.form.getlist("letter")
        if (number := id_from_text(value)) is not None
    ]
    if not chosen:
        flash(_("Choose the letters that were posted."), "error")
        return redirect(url_for(".letters", listing_id=listing_id))
    count = services.mark_letters_mailed(db.session, listing_id, chosen, current_user)
    db.session.commit()
    flash(
        ngettext("%(num)s letter marked as posted.", "%(num)s letters marked as posted.", count),
        "success",
    )
    return redirect(url_for(".letters", listing_id=listing_id))


@notifications_staff.get("/templates")
@require_roles(Role.STAFF)
def templates() -> str:
    return render_template(
        "correspondence/templates.html",
        channels_of=services.TEMPLATE_CHANNELS,
        locales=LOCALES,
        wording=wording,
    )


@notifications_staff.get("/templates/<template>/<channel>/<language>")
@require_roles(Role.STAFF)
def preview(template: str, channel: str, language: str) -> str:
    if template not in services.TEMPLATE_CHANNELS or language not in LOCALE_CODES:
        abort(404)
    try:
        kind = Channel(channel)
    except ValueError:
        abort(404)
    if kind not in services.TEMPLATE_CHANNELS[template]:
        abort(404)
    shown = Channel.EMAIL if kind is Channel.LETTER else kind
    content = services.render(
        db.session, shown, template, language, services.sample_context(utcnow())
    )
    rtl = any(locale.rtl for locale in LOCALES if locale.code == language)
    context: dict[str, Any] = {
        "template": template,
        "channel": kind,
        "language": language,
        "content": content,
        "rtl": rtl,
        "wording": wording,
    }
    return render_template("correspondence/preview.html", **context)
