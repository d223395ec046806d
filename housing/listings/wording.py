"""Partner-facing wording for listing rules and upload problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from housing.i18n import gettext as _
from housing.listings.ami_services import ChartProblem
from housing.uploads import MAX_BYTES, MAX_PDF_PAGES, UPLOAD_QUOTA


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
        "wrong_type": _(
            "This file is not one of the accepted kinds (PDF, JPEG, PNG or WebP), whatever its "
            "name says."
        ),
        "heic": _(
            "HEIC photos are not accepted. Please send the photo as a JPEG or PNG picture (on "
            "an iPhone: Settings, Camera, Formats, Most Compatible)."
        ),
        "damaged": _("The file is damaged or incomplete. Please save it again and upload it."),
        "too_many_pixels": _(
            "The picture is far larger than a photo or scan needs. Please send a smaller one."
        ),
        "too_many_pages": _(
            "The PDF has more than %(count)s pages. Please send only the pages that are asked for.",
            count=MAX_PDF_PAGES,
        ),
        "too_much_content": _(
            "The PDF holds far more than its size suggests. Please save or scan it again and "
            "upload the new file."
        ),
        "password": _(
            "The PDF is protected by a password. Please send a copy that opens without one."
        ),
        "quota_files": _(
            "No more files can be added: %(count)s files is the most one application can hold.",
            count=UPLOAD_QUOTA.files,
        ),
        "quota_bytes": _(
            "No more files can be added: the files of one application may add up to at most "
            "%(size)s MB. Please send smaller files.",
            size=UPLOAD_QUOTA.total_bytes // (1024 * 1024),
        ),
    }[code]


def chart_problem_text(problem: ChartProblem) -> str:
    values: dict[str, Any] = dict(problem.values)
    texts: dict[str, Callable[[], str]] = {
        "empty": lambda: _(
            "The table is empty. Paste a header row and one row per AMI percentage."
        ),
        "header": lambda: _("The first row must be AMI followed by the household sizes 1 to 8."),
        "missing_size": lambda: _(
            "The header has no column for household size %(size)s.", **values
        ),
        "extra_size": lambda: _(
            "The header has a household size %(size)s the chart cannot have; use 1 to 8 once each.",
            **values,
        ),
        "columns": lambda: _(
            "This row needs %(count)s values: the AMI percentage and 8 limits.", **values
        ),
        "percent": lambda: _("The first value must be an AMI percentage from 1 to 200."),
        "repeated": lambda: _("AMI %(percent)s%% appears more than once.", **values),
        "number": lambda: _("The limit for %(size)s people is not a positive number.", **values),
        "not_increasing": lambda: _(
            "The limit for %(size)s people must be higher than for one person fewer.", **values
        ),
        "below_lower_percent": lambda: _(
            "At %(percent)s%% AMI the limit for %(size)s people is below the limit at %(lower)s%% AMI.",
            **values,
        ),
    }
    text = texts[problem.code]()
    if problem.line is not None:
        return _("Line %(line)s: %(problem)s", line=problem.line, problem=text)
    return text
