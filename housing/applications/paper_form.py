"""A paper application typed in by staff on one page.

Every section of the paper form is on the page at once, in the form's order, each a fieldset:
a clerk types the whole form, saves it as a draft or submits it. The sections are the
resident's step forms, each read from the same request under its own prefix, so the answers
are the same answers the steps keep. They go through the same services: ``save_answers`` keeps
a draft within the same limits, ``submit_application`` checks everything with
``rules.check_application`` and gives the lottery number, the duplicate keys and the check of
the paper received-on date against the listing's window. Only the wording differs: every label
and message speaks to staff about the applicant (the staff voice of ``wording``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from babel.dates import format_date
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response
from wtforms import FieldList, FormField, SelectChoice
from wtforms.fields import RadioField, SelectField
from wtforms.fields.core import Field

from housing.accounts.permissions import require_roles
from housing.applications import rules, services
from housing.applications.forms import (
    STEP_FORMS,
    HouseholdForm,
    PreferencesForm,
    StepForm,
    YouForm,
)
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.partner_views import MANAGERS, partner_applications
from housing.applications.presenters import person_name, preference_names, preference_rows
from housing.applications.views import error_items, store_uploads
from housing.applications.wording import (
    problem_text,
    section_title,
    staff_choice,
    staff_label,
    status_text,
)
from housing.db_types import begin_writing, utcnow
from housing.extensions import db
from housing.i18n import babel_locale, format_local_datetime
from housing.i18n import gettext as _
from housing.listings import management
from housing.listings.models import Listing
from housing.notifications.tasks import send_after_commit

# The paper form's sections, in its order: the standard application's.
SECTIONS = rules.SECTIONS
ACTIONS = ("save", "add_member", "submit")
F = TypeVar("F", bound=StepForm)


class PaperTokenForm(FlaskForm):
    """The page's CSRF token; the answers are in the section forms."""


class PaperHouseholdForm(HouseholdForm):
    """The household rows of the page. A problem's path counts the members kept (rows ticked
    for removal and blank rows are not kept), so it is matched to the row that holds it."""

    def field_for(self, path: str) -> Field | None:
        parts = path.split(".")
        if parts[0] != "household" or len(parts) != 3 or not parts[1].isdigit():
            return None
        kept = [
            entry.form
            for entry in self.members.entries
            if not (entry.form.remove.data or entry.form.is_blank)
        ]
        index = int(parts[1])
        return kept[index]._fields.get(parts[2]) if index < len(kept) else None


@dataclass
class PaperPage:
    application: Application
    token: PaperTokenForm
    # Every section's form, in the paper form's order; three of them by name as well.
    sections: dict[str, StepForm]
    you: YouForm
    household: PaperHouseholdForm
    preferences: PreferencesForm
    # Messages a section shows above its fields (the household's eligibility), by section.
    section_problems: dict[str, list[str]] = field(default_factory=dict)
    # Messages about the application as a whole (the date it was received).
    other_problems: list[str] = field(default_factory=list)


def _language() -> str:
    return str(get_locale() or "en")


def _paper_application_or_404(listing_id: int, public_id: str) -> tuple[Listing, Application]:
    """The listing's paper application, for one of the listing's managers; 404 otherwise (an
    online application is the resident's own, never typed in by staff)."""
    try:
        listing = management.get_manageable_listing(db.session, current_user, listing_id)
        application = services.get_application(db.session, public_id)
    except (management.ListingNotFound, services.ApplicationNotFound):
        abort(404)
    if application.listing_id != listing.id or application.channel is not ApplicationChannel.PAPER:
        abort(404)
    return listing, application


def _member_choices(you: YouForm, household: HouseholdForm) -> list[tuple[int, str]]:
    """Who may qualify for a preference: the applicant, and each row of the household as the
    page shows it, numbered as its legend is (a row typed in on the same page counts)."""
    applicant = person_name({"first_name": you.first_name.data, "last_name": you.last_name.data})
    people = [
        (0, _("%(name)s (the applicant)", name=applicant) if applicant else _("The applicant"))
    ]
    for number, entry in enumerate(household.members.entries, start=1):
        member = entry.form
        name = person_name(
            {"first_name": member.first_name.data, "last_name": member.last_name.data}
        )
        people.append((number, name or _("Household member %(number)s", number=number)))
    return people


def _speak_to_staff(fields: Iterable[Any]) -> None:
    """Word each label and option for staff, about the applicant."""
    for item in fields:
        if isinstance(item, FieldList):
            _speak_to_staff(item.entries)
        elif isinstance(item, FormField):
            _speak_to_staff(item.form)
        else:
            name = item.short_name
            item.label.text = staff_label(name, str(item.label.text))
            if isinstance(item, SelectField | RadioField) and item.choices:
                choices = [SelectChoice.from_input(choice) for choice in item.choices]
                item.choices = [
                    dataclasses.replace(
                        choice, label=staff_choice(name, choice.value, str(choice.label))
                    )
                    for choice in choices
                ]


def _section_form(form_class: type[F], section: str, *, posted: bool) -> F:
    """One section's form under its own prefix; the page has one CSRF token for all."""
    options: dict[str, Any] = {"prefix": section, "meta": {"csrf": False}}
    return form_class(**options) if posted else form_class(formdata=None, **options)


def _page(application: Application, *, posted: bool) -> PaperPage:
    """The page's forms: read from the request (``posted``) or filled in from the draft, with
    a blank household row to add someone without JavaScript."""
    you = _section_form(YouForm, "you", posted=posted)
    household = _section_form(PaperHouseholdForm, "household", posted=posted)
    claims = _section_form(PreferencesForm, "preferences", posted=posted)
    named: dict[str, StepForm] = {"you": you, "household": household, "preferences": claims}
    sections = {
        section: named[section]
        if section in named
        else _section_form(STEP_FORMS[section], section, posted=posted)
        for section in SECTIONS
    }
    page = PaperPage(application, PaperTokenForm(), sections, you, household, claims)
    answers: Mapping[str, Any] = application.answers or {}
    if not posted:
        for section, form in sections.items():
            if section != "preferences":
                form.load(answers)
        if len(page.household.members) <= rules.MAX_HOUSEHOLD_MEMBERS:
            page.household.members.append_entry()
    claims.earlier_proofs = {}  # documents sent before are offered only to their resident
    claims.setup(
        [
            (
                choice.preference.code,
                choice.preference.proof_types or [],
                bool(choice.veterans_first),
            )
            for choice in application.listing.preferences
        ],
        _member_choices(page.you, page.household),
    )
    if not posted:
        claims.load(answers)
    for form in sections.values():
        _speak_to_staff(form)
    return page


def _dump(page: PaperPage, uploaded: Mapping[str, str]) -> dict[str, Any]:
    """Every section's answers, as the steps would save them one by one."""
    values: dict[str, Any] = {}
    for section, form in page.sections.items():
        if section != "preferences":
            values.update(form.dump())
    previous = (page.application.answers or {}).get("preferences") or {}
    values.update(page.preferences.dump_claims(previous, uploaded))
    return values


def _show_problems(page: PaperPage, problems: Iterable[rules.Problem]) -> None:
    """Each problem at its field, in words for staff; one no field shows, in its section or
    above the form."""
    for problem in problems:
        text = problem_text(problem, voice="staff")
        form = page.sections.get(problem.section)
        shown_at = form.field_for(problem.field) if form is not None else None
        if shown_at is not None:
            shown_at.errors = [*list(shown_at.errors or []), text]
        elif form is not None:
            page.section_problems.setdefault(problem.section, []).append(text)
        else:
            page.other_problems.append(text)


def _summary(page: PaperPage) -> list[tuple[str, str, str]]:
    """(target id, label, message) of every problem on the page, in the page's order."""
    names = preference_names(page.application.listing, _language())
    items: list[tuple[str, str, str]] = []
    for section, form in page.sections.items():
        title = section_title(section, "staff")
        items += [
            (f"section-{section}", title, message)
            for message in page.section_problems.get(section, [])
        ]
        items += error_items(form, names)
    return items


def _received_on_text(received_on: date | None) -> str:
    if received_on is None:
        return _("Not answered")
    return str(format_date(received_on, "long", locale=babel_locale()))


def _render(page: PaperPage, status: int = 200) -> tuple[str, int]:
    application = page.application
    listing = application.listing
    return render_template(
        "partner/paper_form.html",
        page=page,
        application=application,
        listing=listing,
        forms=page.sections,
        titles={section: section_title(section, "staff") for section in SECTIONS},
        errors=_summary(page),
        other_problems=page.other_problems,
        section_problems=page.section_problems,
        preferences=preference_rows(listing, _language()),
        received_on=_received_on_text(application.received_on),
        status_label=status_text(application.status.value),
        submitted_at=(
            format_local_datetime(application.submitted_at, listing.timezone)
            if application.submitted_at
            else None
        ),
        zip=zip,
    ), status


def _locked(listing: Listing, application: Application) -> Response:
    flash(_("This application can no longer be changed."), "error")
    return redirect(
        url_for(
            "partner_applications.application",
            listing_id=listing.id,
            public_id=application.public_id,
        )
    )


@partner_applications.route(
    "/<int:listing_id>/paper-applications/<public_id>", methods=["GET", "POST"]
)
@require_roles(*MANAGERS)
def paper_form(listing_id: int, public_id: str) -> str | Response | tuple[str, int]:
    listing, application = _paper_application_or_404(listing_id, public_id)
    if not services.can_change(application, utcnow()):
        return _locked(listing, application)
    if request.method == "GET":
        return _render(_page(application, posted=False))
    page = _page(application, posted=True)
    forms: list[FlaskForm] = [page.token, *page.sections.values()]
    valid = [form.validate() for form in forms]
    if not all(valid):
        # Nothing is saved: the page shows what was typed, with each problem at its field.
        return _render(page, 400)
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        action = "save"
    try:
        return _enter(page, action)
    except OperationalError as error:
        # SQLite refuses at once a transaction that read before another one wrote (a double
        # click): it is made again as a writer, which waits its turn.
        if "database is locked" not in str(error.orig):
            raise
        db.session.rollback()
    begin_writing(db.session)
    for entry in page.preferences.claims.entries:
        for upload in (entry.form.document.data, entry.form.veteran_document.data):
            if getattr(upload, "filename", ""):
                upload.stream.seek(0)
    return _enter(page, action)


def _enter(page: PaperPage, action: str) -> str | Response | tuple[str, int]:
    """Keep the page's answers as the draft, then submit them when asked; commits."""
    application = page.application
    now = utcnow()
    uploaded, refused_upload = store_uploads(page.preferences, application)
    try:
        services.save_answers(db.session, application.public_id, _dump(page, uploaded), now)
    except services.AnswersRefused as refusal:
        # Nothing is saved; the page shows what was typed, with each problem at its field.
        db.session.rollback()
        _show_problems(page, refusal.problems)
        return _render(page, 422)
    except services.ApplicationLocked:
        db.session.rollback()
        return _locked(application.listing, application)
    if refused_upload:
        db.session.commit()
        shown = _page(application, posted=False)
        _copy_upload_errors(page, shown)
        shown.other_problems.append(
            _("A file was not accepted; the rest of the answers are saved.")
        )
        return _render(shown, 422)
    if action == "submit":
        try:
            services.submit_application(db.session, application.public_id, now, actor=current_user)
        except services.ApplicationRefused as refusal:
            # What was typed stays as the draft; nothing is submitted.
            db.session.commit()
            shown = _page(application, posted=False)
            _show_problems(shown, refusal.problems)
            return _render(shown, 422)
        db.session.commit()
        send_after_commit()
        return redirect(
            url_for(
                ".paper_submitted",
                listing_id=application.listing_id,
                public_id=application.public_id,
            )
        )
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(
        url_for(
            ".paper_form",
            listing_id=application.listing_id,
            public_id=application.public_id,
            _anchor="section-household" if action == "add_member" else None,
        )
    )


def _copy_upload_errors(posted: PaperPage, shown: PaperPage) -> None:
    """A refused file's reason, on the page filled in from the draft."""
    for sent, fresh in zip(
        posted.preferences.claims.entries, shown.preferences.claims.entries, strict=False
    ):
        for name in ("document", "veteran_document"):
            fresh.form[name].errors = list(sent.form[name].errors or [])


@partner_applications.get("/<int:listing_id>/paper-applications/<public_id>/submitted")
@require_roles(*MANAGERS)
def paper_submitted(listing_id: int, public_id: str) -> str:
    listing, application = _paper_application_or_404(listing_id, public_id)
    if application.status is not ApplicationStatus.SUBMITTED:
        abort(404)
    return render_template("partner/paper_submitted.html", listing=listing, application=application)
