"""Resident-facing wording for account rules."""

from __future__ import annotations

from housing.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from housing.i18n import gettext as _


def password_problem_text(code: str) -> str:
    texts = {
        "too_short": _("Use at least %(min)s characters.", min=MIN_LENGTH),
        "too_long": _("Use at most %(max)s characters.", max=MAX_LENGTH),
        "too_common": _("This password is too easy to guess. Try a few unrelated words together."),
        "contains_email": _("Do not use your email address in your password."),
    }
    return texts[code]
