"""The public check of the lottery's audit log: anyone may paste a head a results bundle
published and learn whether the log still holds it, at the same place, with an intact chain."""

from __future__ import annotations

from flask import Response, jsonify, render_template, request

from housing.errors import json_error
from housing.extensions import db, limiter
from housing.i18n import gettext as _
from housing.lottery.forms import PublishedHeadForm
from housing.lottery.log import (
    HeadCheck,
    HeadVerdict,
    PublishedHead,
    check_published_head,
    head_and_length,
    parse_published_head,
)
from housing.lottery.views import lottery_public

# Each check walks the chain up to the head: cheap, but not to be asked for in a loop.
CHECK_LIMITS = "10 per minute;100 per hour"


def _read(form: PublishedHeadForm) -> tuple[PublishedHead | None, dict[str, list[str]]]:
    """The published head the form asks about (None when it asks nothing), or field errors."""
    head = (form.head.data or "").strip()
    length = (form.length.data or "").strip()
    if not head and not length:
        return None, {}
    if ":" in head and not length:  # pasted as HEAD:LENGTH, the way the command takes it
        head, _colon, length = head.partition(":")
    errors: dict[str, list[str]] = {}
    try:
        head_hash = parse_published_head(head).hash
    except ValueError:
        errors["head"] = [_("Enter the head as 64 hexadecimal characters (0-9, a-f).")]
    if length and not (length.isascii() and length.isdecimal()):
        errors["length"] = [_("Enter the number of entries as a whole number, or leave it empty.")]
    if errors:
        return None, errors
    return PublishedHead(head_hash, int(length) if length else None), {}


def _message(published: PublishedHead, check: HeadCheck) -> str:
    if check.verdict is HeadVerdict.HELD:
        return _(
            "The audit log still holds this head as entry %(position)s, and every entry up to it follows from the one before.",
            position=check.position,
        )
    if check.verdict is HeadVerdict.MISSING:
        return _(
            "The audit log no longer holds an entry with this head: entries were removed or rewritten since it was published."
        )
    if check.verdict is HeadVerdict.BROKEN and check.broken is not None:
        return _(
            "The audit log holds this head, but its chain is broken at entry %(entry)s: an entry before the head was changed or removed.",
            entry=check.broken.id,
        )
    return _(
        "The audit log holds this head as entry %(position)s, not entry %(published)s as published: entries before it were removed or added.",
        position=check.position,
        published=published.length,
    )


def _answer(published: PublishedHead, check: HeadCheck) -> dict[str, object]:
    return {
        "head": published.hash,
        "length": published.length,
        "verdict": check.verdict.value,
        "held": check.verdict is HeadVerdict.HELD,
        "position": check.position,
        "chain_intact": None if check.position is None else check.broken is None,
        "broken_at": check.broken.id if check.broken is not None else None,
        "message": _message(published, check),
    }


@lottery_public.get("/lottery/audit-log")
@limiter.limit(CHECK_LIMITS)
def audit_log() -> tuple[str, int]:
    form = PublishedHeadForm(request.args)
    published, errors = _read(form)
    for name, messages in errors.items():
        form[name].errors = messages
    check = check_published_head(db.session, published) if published is not None else None
    head, length = head_and_length(db.session)
    status = 400 if errors else 200
    return render_template(
        "lottery/audit_log.html",
        form=form,
        published=published,
        check=check,
        message=_message(published, check) if published and check else None,
        current_head=head,
        current_length=length,
    ), status


@lottery_public.get("/lottery/audit-log.json")
@limiter.limit(CHECK_LIMITS)
def audit_log_json() -> Response | tuple[Response, int]:
    """``?head=HEAD&length=N``: the same check as the page; without a head, the log's own head
    and length now."""
    published, errors = _read(PublishedHeadForm(request.args))
    if errors:
        return json_error(400, "bad_request", _("Some parameters are not valid."), fields=errors)
    head, length = head_and_length(db.session)
    answer: dict[str, object] = {"log": {"head": head, "length": length}}
    if published is not None:
        answer["published"] = _answer(published, check_published_head(db.session, published))
    return jsonify(answer)
