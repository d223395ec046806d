"""Sign-up, sign-in (with a second factor for partners, staff and auditors), and resets."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta, get_locale
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from housing import jobs
from housing.accounts import emails, services, sessions, tasks, throttles, tokens
from housing.accounts.addresses import account_email
from housing.accounts.forms import (
    CodeForm,
    ConfirmForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from housing.accounts.hooks import account_sections
from housing.accounts.models import User, UserSession
from housing.accounts.wording import password_problem_text
from housing.db_types import utcnow
from housing.extensions import db, limiter
from housing.i18n import gettext as _
from housing.notifications.tasks import send_after_commit
from housing.site import safe_next

accounts = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")

CONFIRM_MAX_AGE = int(timedelta(days=3).total_seconds())
RESET_MAX_AGE = int(timedelta(hours=1).total_seconds())
PENDING_NEXT = "pending_next"
AUTH_LIMITS = "10 per minute;60 per hour"


def _language() -> str:
    return str(get_locale() or "en")


@accounts.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def sign_up() -> str | Response:
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            result = services.sign_up(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                full_name=form.full_name.data or "",
                language=_language(),
            )
        except services.WeakPassword as error:
            form.password.errors = [password_problem_text(code) for code in error.problems]
        else:
            user = result.user
            # The same work either way: the time taken must not tell who has an account.
            if emails.claim_unasked_email(db.session, user, utcnow()):
                if result.created:
                    emails.queue_confirmation(db.session, user)
                else:
                    emails.queue_existing_account_notice(db.session, user)
            db.session.commit()
            send_after_commit()
            return render_template("accounts/check_email.html", email=user.email)
    return render_template("accounts/sign_up.html", form=form)


@accounts.get("/confirm/<token>")
def confirm(token: str) -> str | Response | tuple[str, int]:
    try:
        payload = tokens.read_token("confirm", token, max_age_seconds=CONFIRM_MAX_AGE)
        services.confirm_email(db.session, int(payload["user"]), str(payload["email"]), utcnow())
    except (tokens.InvalidToken, services.InvalidCredentials, KeyError, TypeError, ValueError):
        return render_template("accounts/link_invalid.html"), 400
    db.session.commit()
    flash(_("Your email address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.sign_in"))


@accounts.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session,
                form.email.data or "",
                form.password.data or "",
                utcnow(),
                client=throttles.client_key(request.remote_addr),
                known_accounts=sessions.known_accounts(),
            )
        except services.InvalidCredentials:
            db.session.commit()  # keep the failure count
            send_after_commit()  # the owner's notice, when failures piled up
            failed = True
        else:
            target = safe_next(request.args.get("next") or url_for("accounts.overview"))
            if user.email_confirmed_at is None:
                db.session.commit()
                return render_template("accounts/unconfirmed.html", email=user.email), 403
            if user.needs_two_factor:
                sessions.begin_session(user, second_step_due=True)
                session[PENDING_NEXT] = target
                db.session.commit()
                if user.has_two_factor:
                    return redirect(url_for("accounts.second_factor"))
                return redirect(url_for("accounts.two_factor_setup"))
            _sign_in(user)
            return sessions.remember_device(redirect(target), user.id)
    return render_template("accounts/sign_in.html", form=form, failed=failed), (
        401 if failed else 200
    )


def _sign_in(user: User, half: UserSession | None = None) -> None:
    """Sign ``user`` in here: a new session, or the half-signed-in one made whole."""
    if half is None:
        sessions.begin_session(user, second_step_due=False)
    else:
        sessions.finish_second_step(half)
    services.record_sign_in(user, utcnow())
    db.session.commit()
    session.pop(PENDING_NEXT, None)
    session.permanent = True
    login_user(user)


def _pending_target() -> str:
    return str(session.get(PENDING_NEXT) or url_for("accounts.overview"))


def _half_signed_in() -> UserSession:
    """The session of someone who gave the right password and still owes a second step."""
    row = sessions.current_session()
    if row is None or not row.second_step_due:
        abort(403)
    return row


@accounts.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def second_factor() -> str | Response:
    half = _half_signed_in()
    user = half.user
    form = CodeForm()
    if form.validate_on_submit():
        now = utcnow()
        code = form.code.data or ""
        try:
            if form.recovery.data:
                services.use_recovery_code(db.session, user, code, now)
            else:
                services.verify_second_factor(db.session, user, code, now)
        except services.CodeWait as error:
            form.code.errors = [
                _("Too many wrong codes. Try again in %(wait)s.", wait=format_timedelta(error.wait))
            ]
        except services.InvalidCode as error:
            if error.back_to_password:
                sessions.end_current_session()
            db.session.commit()  # keep the failure count
            send_after_commit()
            if error.back_to_password:
                flash(_("Too many wrong codes. Sign in again with your password."), "error")
                return redirect(url_for("accounts.sign_in"))
            form.code.errors = [_("That code is not right. Check it and try again.")]
        else:
            target = _pending_target()
            _sign_in(user, half)
            return sessions.remember_device(redirect(target), user.id)
    return render_template("accounts/second_factor.html", form=form)


@accounts.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def two_factor_setup() -> str | Response:
    """Set up an authenticator app: while signing in (required roles) or from the account page."""
    half = None if current_user.is_authenticated else _half_signed_in()
    user = current_user if half is None else half.user
    if user.has_two_factor:
        return redirect(url_for("accounts.overview"))
    form = CodeForm()
    if user.totp_secret is None:
        # Kept until confirmed, so reloading the page does not change the key already scanned.
        services.begin_two_factor_setup(user)
        db.session.commit()
    elif form.validate_on_submit():
        try:
            codes = services.confirm_two_factor_setup(
                db.session, user, form.code.data or "", utcnow()
            )
        except services.InvalidCode:
            form.code.errors = [_("That code is not right. Check it and try again.")]
        else:
            db.session.commit()
            target = _pending_target()
            response = make_response(
                render_template("accounts/recovery_codes.html", codes=codes, next=target)
            )
            if half is not None:
                _sign_in(user, half)
                sessions.remember_device(response, user.id)
            return response
    uri = services.provisioning_uri(user)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=user.totp_secret,
        uri=uri,
        qr_code=_qr_code(uri),
    )


def _qr_code(uri: str) -> Markup:
    """The authenticator link as a QR code, an SVG drawn in the page (no request elsewhere)."""
    code = segno.make(uri, micro=False)
    svg = code.svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=_("QR code for an authenticator app")
    )
    return Markup(svg)  # noqa: S704 - segno writes the SVG and escapes the title


@accounts.post("/sign-out")
def sign_out() -> Response:
    if ConfirmForm().validate_on_submit():
        sessions.end_current_session()
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("site.home"))


@accounts.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    if ConfirmForm().validate_on_submit():
        services.sign_out_everywhere(db.session, current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out on every device."), "success")
    return redirect(url_for("accounts.sign_in"))


@accounts.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def forgot_password() -> str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same job, the same answer and the same time whether or not the account exists.
        address = account_email(form.email.data or "")
        if not jobs.enqueue(tasks.SEND_PASSWORD_LINK, address, queue_name=jobs.MAIL_QUEUE):
            tasks.send_password_link(address)  # Redis is away: here and now, not never
        return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@accounts.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        payload = tokens.read_token("reset", token, max_age_seconds=RESET_MAX_AGE)
        user = db.session.get(User, int(payload["user"]))
    except (tokens.InvalidToken, KeyError, TypeError, ValueError):
        return render_template("accounts/link_invalid.html"), 400
    if user is None or payload.get("stamp") != emails.reset_stamp(user):
        return render_template("accounts/link_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, user, form.password.data or "", keep=_own(user))
        except services.WeakPassword as error:
            form.password.errors = [password_problem_text(code) for code in error.problems]
        else:
            if user.email_confirmed_at is None:
                user.email_confirmed_at = utcnow()  # the link proved the address
            db.session.commit()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


def _own(user: User) -> UserSession | None:
    """This browser's session, when it is one of ``user``'s."""
    row = sessions.current_session()
    if row is None or row.second_step_due or row.user_id != user.id:
        return None
    return row


@accounts.get("")
@login_required
def overview() -> str:
    return render_template(
        "accounts/overview.html", form=ConfirmForm(), sections=account_sections(current_user)
    )
