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


def attach_problem_text(code: str) -> str:
    """Why an application cannot be added to the account (see ``attach.AttachRefused``)."""
    texts = {
        "not_offered": _("That application cannot be added to your account."),
        "expired": _("This link is too old. Ask for a new one from your account page."),
        "invalid": _(
            "This link does not work. It was already used, is for another account, "
            "or was copied incompletely."
        ),
        "held": _("This application is already attached to another account."),
        "listing_held": _(
            "You already have an application for this listing in your account, so this one "
            "cannot be added. Contact the leasing office if you need help."
        ),
    }
    return texts[code]
