"""Partner-facing wording for listing rules and upload problems."""

from __future__ import annotations

from flask_babel import gettext as _

from housing.listings.documents import MAX_BYTES


def completeness_text(code: str) -> str:
    return {
        "no_units": _("Add at least one unit."),
        "no_contact": _("Add the leasing agent's email and phone."),
        "no_description": _("Describe the building."),
        "deadline_passed": _("The application due date has passed; choose a later one."),
    }[code]


def upload_problem_text(code: str) -> str:
    return {
        "too_large": _("The file is larger than %(size)s MB.", size=MAX_BYTES // (1024 * 1024)),
        "empty": _("The file is empty."),
        "wrong_type_pdf": _(
            "Documents must be PDF files. This file is not a PDF, whatever its name says."
        ),
        "wrong_type_image": _(
            "Pictures must be PNG, JPEG or WebP images. This file is not one, whatever its name says."
        ),
        "not_found": _("That file was not found."),
    }[code]
