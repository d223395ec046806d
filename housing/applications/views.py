"""The resident's application: start, the steps, review, submit, view, withdraw, documents."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response
from wtforms import FieldList, FormField

from housing.accounts import tokens
from housing.accounts.models import Role
from housing.accounts.permissions import can_manage_listing
from housing.applications import outbox, readback, reuse, rules, services
from housing.applications.answer_sheet import printed_application
from housing.applications.forms import (
    STEP_FORMS,
    EmailLinkForm,
    HouseholdForm,
    PreferencesForm,
    StepForm,
    WithdrawForm,
    earlier_proof_label,
)
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.next_steps import next_steps
from housing.applications.presenters import (
    member_choices,
    preference_names,
    preference_rows,
    problem_label,
    step_links,
)
from housing.applications.printable import application_pdf
from housing.applications.wording import (
    LABELS,
    SECTION_TITLES,
    choice_label,
    language_name,
    problem_text,
    proof_type_name,
    status_text,
    version_text,
)
from housing.db_types import begin_writing, utcnow
from housing.extensions import db, limiter
from housing.i18n import format_local_date, remember_language
from housing.i18n import gettext as _
from housing.listings.models import Listing
from housing.listings.wording import upload_problem_text
from housing.notifications.tasks import send_after_commit
from housing.pdf_fonts import pdf_locale, site_font
from housing.storage import StorageError
from housing.uploads import UPLOAD_QUOTA, RejectedUpload

applications = Blueprint("applications", __name__, template_folder="templates")

STEPS = (*rules.SECTIONS[:-1], "review", "terms")
GRANTS = "applications"
MAX_GRANTS = 10


@applications.context_processor
def _wording() -> dict[str, Any]:
    return {
        "section_titles": SECTION_TITLES,
        "labels": LABELS,
        "choice_label": choice_label,
        "proof_type_name": proof_type_name,
        "income_text": readback.income_text,
        "birth_date_text": readback.birth_date_text,
        "language_name": language_name,
        "status_text": status_text,
        "version_text": version_text,
        "locale": _language(),
        "zip": zip,
    }


def _language() -> str:
    return str(get_locale() or "en")


def grant(application: Application) -> None:
    """This browser may open this application (it started it, or followed its link)."""
    granted = [pid for pid in session.get(GRANTS, []) if pid != application.public_id]
    session[GRANTS] = [*granted[-(MAX_GRANTS - 1) :], application.public_id]


def access_of(application: Application) -> str | None:
    """ "owner" for the applicant, "manager" for the listing's partners and staff, else None."""
    if current_user.is_authenticated:
        if application.user_id == current_user.id:
            return "owner"
        if current_user.role in (Role.PARTNER, Role.STAFF):
            if current_user.needs_two_factor and not current_user.has_two_factor:
                return None
            if can_manage_listing(db.session, current_user, application.listing_id):
                return "manager"
    if application.public_id in session.get(GRANTS, []):
        return "owner"
    return None


def may_edit(application: Application, access: str | None) -> bool:
    if application.channel is ApplicationChannel.PAPER:
        return access == "manager"
    return access == "owner"


def application_or_404(public_id: str, *, edit: bool = False) -> tuple[Application, str]:
    try:
        application = services.get_application(db.session, public_id)
    except services.ApplicationNotFound:
        abort(404)
    access = access_of(application)
    if access is None or (edit and not may_edit(application, access)):
        abort(404)
    return application, access


def _public_listing_or_404(listing_id: int) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.is_public(utcnow()):
        abort(404)
    return listing


@applications.route("/listings/<int:listing_id>/apply", methods=["GET", "POST"])
def start(listing_id: int) -> str | Response | tuple[str, int]:
    listing = _public_listing_or_404(listing_id)
    now = utcnow()
    problem = services.window_problem(listing, now, ApplicationChannel.ONLINE)
    user = current_user if current_user.is_authenticated else None
    if user is not None and user.role is not Role.APPLICANT:
        user = None
    # A resident with an account and an earlier application may start from its answers.
    previous = None
    if user is not None and services.own_application(db.session, listing_id, user) is None:
        previous = reuse.last_application(db.session, user, listing_id)
    if request.method == "POST" and problem is None:
        copied = None
        if previous is not None and request.form.get("start_from") == "last":
            copied = reuse.copied_answers(previous, listing, now)
        application = services.start_application(
            db.session, listing_id, now, language=_language(), user=user, copied_answers=copied
        )
        db.session.commit()
        grant(application)
        if application.status is not ApplicationStatus.DRAFT:
            return redirect(url_for(".show", public_id=application.public_id))
        if copied:
            flash(
                _(
                    "Your answers from your last application are filled in. Check each one "
                    "and change what is different: this listing checks them against its own "
                    "rules. Preferences and documents are not copied."
                ),
                "info",
            )
        return redirect(url_for(".step", public_id=application.public_id, step="you"))
    closed_text = problem_text(rules.Problem("listing", problem)) if problem is not None else None
    return render_template(
        "applications/start.html",
        listing=listing,
        closed_text=closed_text,
        link_form=EmailLinkForm(),
        previous=previous,
    ), (409 if request.method == "POST" else 200)


@applications.post("/listings/<int:listing_id>/apply/link")
@limiter.limit("5 per minute;20 per hour")
def email_link(listing_id: int) -> str:
    """Send the links to this listing's applications that carry this email address.

    The answer is the same whether or not there are any, so no one learns who applied.
    """
    listing = _public_listing_or_404(listing_id)
    form = EmailLinkForm()
    email = (form.email.data or "").strip().lower() if form.validate() else ""
    if email and "\n" not in email and "\r" not in email:
        found = db.session.scalars(
            select(Application)
            .where(
                Application.listing_id == listing.id,
                func.lower(Application.contact_email) == email,
            )
            .limit(3)
        ).all()
        for application in found:
            outbox.queue_resume_link(db.session, application, email_only=True)
        db.session.commit()
        send_after_commit()
    return render_template("applications/link_sent.html", listing=listing)


@applications.get("/listings/<int:listing_id>/apply/resume/<token>")
def resume(listing_id: int, token: str) -> Response | tuple[str, int]:
    try:
        public_id = outbox.read_access_token(token, listing_id)
        application = services.get_application(db.session, public_id)
    except tokens.ExpiredToken:
        listing = _public_listing_or_404(listing_id)
        return render_template(
            "applications/link_invalid.html", listing=listing, expired=True, form=EmailLinkForm()
        ), 400
    except (tokens.InvalidToken, services.ApplicationNotFound):
        listing = _public_listing_or_404(listing_id)
        return render_template(
            "applications/link_invalid.html", listing=listing, expired=False, form=EmailLinkForm()
        ), 400
    grant(application)
    if application.status is ApplicationStatus.DRAFT:
        response = redirect(url_for(".step", public_id=public_id, step="review"))
    else:
        response = redirect(url_for(".show", public_id=public_id))
    # The link may be opened on another device: the application goes on in its language.
    remember_language(response, application.language)
    return response


def _form_for(step: str, application: Application, *, formdata: bool) -> StepForm:
    form_class = STEP_FORMS[step]
    form = form_class() if formdata else form_class(formdata=None)
    if isinstance(form, PreferencesForm):
        listing = application.listing
        form.earlier_proofs = _earlier_proofs(application)
        form.setup(
            [
                (c.preference.code, c.preference.proof_types or [], bool(c.veterans_first))
                for c in listing.preferences
            ],
            member_choices(application.answers),
            earlier={
                code: [
                    (
                        proof.document_id,
                        earlier_proof_label(
                            proof.proof_type, format_local_date(proof.sent_at, listing.timezone)
                        ),
                    )
                    for proof in offered
                ]
                for code, offered in form.earlier_proofs.items()
            },
        )
    if not formdata:
        form.load(application.answers or {})
        if isinstance(form, HouseholdForm) and len(form.members) <= rules.MAX_HOUSEHOLD_MEMBERS:
            form.members.append_entry()  # a blank row to add someone, even without JavaScript
    return form


def _earlier_proofs(application: Application) -> dict[str, list[reuse.EarlierProof]]:
    """The proofs the signed-in owner sent for the same preferences with their other
    applications; none for anyone else."""
    if not current_user.is_authenticated or application.user_id != current_user.id:
        return {}
    storage = current_app.extensions["storage"]
    return reuse.earlier_proofs(db.session, storage, application, current_user.id)


def _show_problems(form: StepForm, problems: list[rules.Problem]) -> list[str]:
    """Put each problem at its field; return the ones no field of this form shows."""
    elsewhere = []
    for problem in problems:
        field = form.field_for(problem.field)
        if field is None:
            elsewhere.append(problem_text(problem))
        else:
            field.errors = [*list(field.errors or []), problem_text(problem)]
    return elsewhere


def error_items(
    form: StepForm, claim_names: Mapping[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """(field id, label, message) for every field error, in page order, for the summary; a
    claim's errors are prefixed with its preference's name (``claim_names``, by code)."""
    items: list[tuple[str, str, str]] = []

    def walk(fields: Any, prefix: str) -> None:
        for field in fields:
            if isinstance(field, FieldList):
                for number, entry in enumerate(field.entries, start=1):
                    walk(
                        entry.form, _entry_prefix(form, field.short_name, number, claim_names or {})
                    )
            elif isinstance(field, FormField):
                walk(field.form, prefix)
            else:
                for message in field.errors or ():
                    items.append((field.id, prefix + str(field.label.text), str(message)))

    walk(form, "")
    return items


def _entry_prefix(
    form: StepForm, list_name: str, number: int, claim_names: Mapping[str, str]
) -> str:
    if list_name == "claims" and isinstance(form, PreferencesForm):
        if number > len(form.codes):
            return ""
        code = form.codes[number - 1]
        return f"{claim_names.get(code, code)}: "
    return _("Household member %(number)s", number=number) + ": "


def _render_step(
    application: Application,
    step: str,
    form: StepForm,
    *,
    other_problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        f"applications/steps/{step}.html",
        application=application,
        listing=application.listing,
        form=form,
        step=step,
        steps=step_links(application, STEPS),
        title=SECTION_TITLES[step],
        other_problems=other_problems or [],
        errors=error_items(form, preference_names(application.listing, _language())),
        preferences=preference_rows(application.listing, _language()),
    ), status


def store_uploads(form: PreferencesForm, application: Application) -> tuple[dict[str, str], bool]:
    """Save each new proof file; a refused one gets its reason and the rest is still kept.
    The proof of military service of a claim made as a veteran is keyed ``veteran:CODE``."""
    uploaded: dict[str, str] = {}
    refused = False
    storage = current_app.extensions["storage"]
    for entry, code in zip(form.claims.entries, form.codes, strict=False):
        for field, key in (
            (entry.form.document, code),
            (entry.form.veteran_document, f"veteran:{code}"),
        ):
            file = field.data
            if not file or not getattr(file, "filename", ""):
                continue
            try:
                document = services.store_proof(
                    db.session,
                    storage,
                    listing_id=application.listing_id,
                    application=application,
                    filename=file.filename,
                    stream=file.stream,
                    quota=UPLOAD_QUOTA,
                )
            except RejectedUpload as error:
                field.errors = [upload_problem_text(error.code)]
                refused = True
            else:
                uploaded[key] = document.public_id
    return uploaded, refused


def _copy_earlier_proofs(
    form: PreferencesForm, application: Application, uploaded: dict[str, str]
) -> bool:
    """Copy each picked document sent before into this application, as its claim's proof
    (``uploaded``); one that cannot be copied gets its reason at the upload. Whether one was
    refused. The kind of proof comes with the document when none was chosen."""
    refused = False
    storage = current_app.extensions["storage"]
    picked = form.picked_documents()
    for entry, code in zip(form.claims.entries, form.codes, strict=False):
        if code not in picked or code in uploaded:
            continue
        [proof] = [p for p in form.earlier_proofs[code] if p.document_id == picked[code]]
        try:
            document = reuse.copy_earlier_proof(
                db.session, storage, application, proof, UPLOAD_QUOTA
            )
        except RejectedUpload as error:
            entry.form.document.errors = [upload_problem_text(error.code)]
            refused = True
        except reuse.ProofFileLost:
            entry.form.document.errors = [
                _("That document is no longer kept. Upload the file again.")
            ]
            refused = True
        else:
            uploaded[code] = document.public_id
            known = {value for value, _label in entry.form.proof_type.choices if value}
            if not entry.form.proof_type.data and proof.proof_type in known:
                entry.form.proof_type.data = proof.proof_type
    return refused


@applications.route("/applications/<public_id>/<step>", methods=["GET", "POST"])
def step(public_id: str, step: str) -> str | Response | tuple[str, int]:
    if step not in STEPS:
        abort(404)
    application, _access = application_or_404(public_id, edit=True)
    now = utcnow()
    if not services.can_change(application, now):
        flash(_("This application can no longer be changed."), "error")
        return redirect(url_for(".show", public_id=public_id))
    if step == "review":
        return _review(application)
    if request.method == "GET":
        return _render_step(application, step, _form_for(step, application, formdata=False))

    form = _form_for(step, application, formdata=True)
    if not form.validate():
        return _render_step(application, step, form, status=400)
    action = request.form.get("action", "continue")
    values = form.dump() if not isinstance(form, PreferencesForm) else {}
    refused_upload = False
    if isinstance(form, PreferencesForm):
        uploaded, refused_upload = store_uploads(form, application)
        refused_upload = _copy_earlier_proofs(form, application, uploaded) or refused_upload
        values = form.dump_claims(application.answers.get("preferences") or {}, uploaded)
    try:
        if step == "terms" and action == "submit":
            return _save_and_submit(application, form, values)
        services.save_answers(db.session, public_id, values, now)
    except services.AnswersRefused as refusal:
        # Nothing is saved; the page shows what was typed, with each problem at its field.
        db.session.rollback()
        other = _show_problems(form, refusal.problems)
        return _render_step(application, step, form, other_problems=other, status=422)
    except services.ApplicationLocked:
        db.session.rollback()
        flash(_("This application can no longer be changed."), "error")
        return redirect(url_for(".show", public_id=public_id))
    db.session.commit()

    if action == "save_exit":
        return _saved(application)
    if isinstance(form, HouseholdForm) and action == "add":
        return _render_step(application, step, _form_for(step, application, formdata=False))
    problems = services.section_problems(application, step, now)
    if problems or refused_upload:
        shown = _form_for(step, application, formdata=False)
        if isinstance(form, PreferencesForm) and isinstance(shown, PreferencesForm):
            # A refused file's reason replaces the "upload a document" reminder.
            refused = set()
            for code, posted, fresh in zip(
                form.codes, form.claims.entries, shown.claims.entries, strict=False
            ):
                for name in ("document", "veteran_document"):
                    errors = list(posted.form[name].errors or [])
                    fresh.form[name].errors = errors
                    if errors:
                        refused.add(f"preferences.{code}.{name}")
            problems = [problem for problem in problems if problem.field not in refused]
        other = _show_problems(shown, problems)
        if refused_upload:
            other.insert(0, _("A file was not accepted; the rest of your answers are saved."))
        return _render_step(application, step, shown, other_problems=other, status=422)
    following = STEPS[STEPS.index(step) + 1] if step != "terms" else "review"
    return redirect(url_for(".step", public_id=public_id, step=following))


def _saved(application: Application) -> str:
    sent_to = None
    if access_of(application) == "owner" and application.user_id is None:
        queued = outbox.queue_resume_link(db.session, application)
        if queued:
            db.session.commit()
            send_after_commit()
            sent_to = ", ".join(message.recipient for message in queued)
    private_link = None
    if sent_to is None and application.user_id is None:
        private_link = outbox.access_link(application)
    return render_template(
        "applications/saved.html",
        application=application,
        sent_to=sent_to,
        private_link=private_link,
    )


def _review(application: Application) -> str:
    problems = services.all_problems(application, utcnow())
    names = preference_names(application.listing, _language())
    by_section: dict[str, list[tuple[str, str]]] = {}
    for problem in problems:
        if problem.section == "terms":
            continue
        by_section.setdefault(problem.section, []).append(
            (problem_label(problem.field, names), problem_text(problem))
        )
    return render_template(
        "applications/review.html",
        application=application,
        listing=application.listing,
        answers=application.answers,
        steps=step_links(application, STEPS),
        step="review",
        title=SECTION_TITLES["review"],
        problems=by_section,
    )


def _sqlite_busy(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)


def _save_and_submit(
    application: Application, form: StepForm, values: dict[str, Any]
) -> str | Response | tuple[str, int]:
    """Save the terms and submit. SQLite refuses at once a transaction that read before
    another one wrote (a double click): that one is rolled back and made again as a writer,
    which waits its turn, finds the application submitted and answers with its confirmation."""
    try:
        services.save_answers(db.session, application.public_id, values, utcnow())
        return _submit(application, form)
    except OperationalError as error:
        if not _sqlite_busy(error):
            raise
        db.session.rollback()
    begin_writing(db.session)
    services.save_answers(db.session, application.public_id, values, utcnow())
    return _submit(application, form)


def _submit(application: Application, form: StepForm) -> str | Response | tuple[str, int]:
    actor = current_user if current_user.is_authenticated else None
    try:
        services.submit_application(db.session, application.public_id, utcnow(), actor=actor)
    except services.ApplicationRefused as refusal:
        # Keep the terms answer that was just saved, then show every remaining problem.
        db.session.commit()
        elsewhere = [p for p in refusal.problems if p.section != "terms"]
        if elsewhere:
            return _review(application), 422
        form = _form_for("terms", application, formdata=False)
        _show_problems(form, refusal.problems)
        return _render_step(application, "terms", form, status=422)
    db.session.commit()
    send_after_commit()
    return redirect(url_for(".confirmation", public_id=application.public_id))


@applications.get("/applications/<public_id>/confirmation")
def confirmation(public_id: str) -> str:
    application, access = application_or_404(public_id)
    if application.status is ApplicationStatus.DRAFT:
        abort(404)
    return render_template(
        "applications/confirmation.html",
        application=application,
        listing=application.listing,
        private_link=outbox.access_link(application) if access == "owner" else None,
        next_steps=next_steps(application, utcnow()),
    )


@applications.get("/applications/<public_id>")
def show(public_id: str) -> str:
    application, access = application_or_404(public_id)
    now = utcnow()
    return render_template(
        "applications/show.html",
        application=application,
        listing=application.listing,
        answers=application.submitted_answers or application.answers,
        access=access,
        can_edit=may_edit(application, access) and services.can_change(application, now),
        can_withdraw=(
            access == "owner" and application.is_submitted and services.can_change(application, now)
        ),
        next_steps=next_steps(application, now) if application.is_submitted else [],
    )


@applications.get("/applications/<public_id>/application.pdf")
@limiter.limit("10 per minute")
def printable(public_id: str) -> Response:
    """The application as last submitted, as a PDF to print, in the applicant's language
    (English where the server has no font for its script); only for those who may see it.
    Made for each request (a Chinese font takes a second or two to embed), hence the limit."""
    application, access = application_or_404(public_id)
    if application.submitted_answers is None:
        abort(404)
    locale = pdf_locale(application.language)
    with force_locale(locale):
        printed = printed_application(
            application,
            locale,
            utcnow(),
            demographics=access == "owner" or current_user_is_staff(),
        )
        data = application_pdf(printed, font=site_font(locale), right_to_left=locale == "ar")
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"application-{application.public_id}.pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def current_user_is_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.role is Role.STAFF)


@applications.route("/applications/<public_id>/withdraw", methods=["GET", "POST"])
def withdraw(public_id: str) -> Response | tuple[str, int]:
    application, access = application_or_404(public_id)
    if access != "owner":
        abort(404)
    form = WithdrawForm()
    status = 200
    if request.method == "POST" and form.validate():
        try:
            withdrawn = services.withdraw_application(
                db.session,
                public_id,
                utcnow(),
                actor=current_user if current_user.is_authenticated else None,
                discard_changes=bool(form.discard_changes.data),
            )
        except services.UnsentChanges:
            # Nothing is withdrawn and nothing discarded until the applicant says so.
            db.session.rollback()
            form.discard_changes.errors = [
                _("Tick the box to discard your changes and withdraw, or keep your application.")
            ]
            status = 400
        except services.ApplicationLocked:
            db.session.rollback()
            flash(_("This application can no longer be withdrawn."), "error")
            return redirect(url_for(".show", public_id=public_id))
        else:
            db.session.commit()
            send_after_commit()
            said = _("Your application was withdrawn.")
            if withdrawn.discarded_changes:
                said += " " + _("The changes you had not submitted were discarded.")
            flash(said, "success")
            return redirect(url_for(".show", public_id=public_id))
    return render_template(
        "applications/withdraw.html",
        application=application,
        form=form,
        unsent_changes=application.has_unsubmitted_changes,
    ), status


@applications.get("/applications/<public_id>/documents/<document_id>")
def document(public_id: str, document_id: str) -> Response:
    application, _access = application_or_404(public_id)
    try:
        stored = services.get_document(db.session, application, document_id)
    except services.ApplicationNotFound:
        abort(404)
    try:
        stream = current_app.extensions["storage"].open(stored.storage_key)
    except StorageError:
        abort(404)
    response = send_file(
        stream,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
