"""Resident-facing wording for the resident's own pages."""

from __future__ import annotations

from housing.i18n import gettext as _


def attach_problem_text(code: str) -> str:
    """Why an application cannot be added to the account (see ``housing.applications.attach.AttachRefused``)."""
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
