"""Sign-up, sign-in (with a second factor for partners, staff and auditors), and resets."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from housing.accounts import emails, services, tokens
from housing.accounts.forms import (
    CodeForm,
    ConfirmForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    SignInForm,
    SignUpForm,
)
from housing.accounts.messages import password_problem_text
from housing.accounts.models import User
from housing.db_types import utcnow
from housing.extensions import db, limiter
from housing.notifications.tasks import send_after_commit
from housing.site import safe_next

accounts = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")

CONFIRM_MAX_AGE = int(timedelta(days=3).total_seconds())
RESET_MAX_AGE = int(timedelta(hours=1).total_seconds())
PENDING_USER = "pending_user"
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
        now = utcnow()
        try:
            user = services.authenticate(
                db.session, form.email.data or "", form.password.data or "", now
            )
        except services.InvalidCredentials:
            db.session.commit()  # keep the failure count
            failed = True
        else:
            target = safe_next(request.args.get("next") or url_for("accounts.overview"))
            if user.email_confirmed_at is None:
                db.session.commit()
                return render_template("accounts/unconfirmed.html", email=user.email), 403
            if user.needs_two_factor:
                db.session.commit()
                session[PENDING_USER] = user.get_id()
                session[PENDING_NEXT] = target
                if user.has_two_factor:
                    return redirect(url_for("accounts.second_factor"))
                return redirect(url_for("accounts.two_factor_setup"))
            return _complete_sign_in(user, target)
    return render_template("accounts/sign_in.html", form=form, failed=failed), (
        401 if failed else 200
    )


def _complete_sign_in(user: User, target: str) -> Response:
    services.record_sign_in(user, utcnow())
    db.session.commit()
    session.pop(PENDING_USER, None)
    session.pop(PENDING_NEXT, None)
    session.permanent = True
    login_user(user)
    session["signed_in_at"] = utcnow().timestamp()
    return redirect(target)


def _pending_user() -> User:
    """The user who gave the right password and still owes a second factor."""
    marker = session.get(PENDING_USER)
    if not marker:
        abort(403)
    user_id, _sep, epoch = str(marker).partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or str(user.session_epoch) != epoch:
        session.pop(PENDING_USER, None)
        abort(403)
    return user


@accounts.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def second_factor() -> str | Response:
    user = _pending_user()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            if form.recovery.data:
                services.use_recovery_code(user, form.code.data or "", utcnow())
            else:
                services.verify_second_factor(user, form.code.data or "", utcnow())
        except services.InvalidCode:
            form.code.errors = [_("That code is not right. Check it and try again.")]
        else:
            return _complete_sign_in(
                user, str(session.get(PENDING_NEXT) or url_for("accounts.overview"))
            )
    return render_template("accounts/second_factor.html", form=form)


@accounts.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMITS, methods=["POST"])
def two_factor_setup() -> str | Response:
    """Set up an authenticator app: while signing in (required roles) or from the account page."""
    user = current_user if current_user.is_authenticated else _pending_user()
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
            target = str(session.get(PENDING_NEXT) or url_for("accounts.overview"))
            if not current_user.is_authenticated:
                _complete_sign_in(user, target)
            return render_template("accounts/recovery_codes.html", codes=codes, next=target)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=user.totp_secret,
        uri=services.provisioning_uri(user),
    )


@accounts.post("/sign-out")
def sign_out() -> Response:
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("site.home"))


@accounts.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    if ConfirmForm().validate_on_submit():
        services.sign_out_everywhere(current_user)
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
        user = services.find_user_by_email(db.session, form.email.data or "")
        if user is not None and not user.disabled:
            emails.queue_password_link(db.session, user)
            db.session.commit()
            send_after_commit()
        # The same answer whether or not the account exists.
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
            services.change_password(user, form.password.data or "")
        except services.WeakPassword as error:
            form.password.errors = [password_problem_text(code) for code in error.problems]
        else:
            if user.email_confirmed_at is None:
                user.email_confirmed_at = utcnow()  # the link proved the address
            db.session.commit()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@accounts.get("")
@login_required
def overview() -> str:
    from housing.applications.services import applications_of
    from housing.applications.wording import status_text

    return render_template(
        "accounts/overview.html",
        form=ConfirmForm(),
        applications=applications_of(db.session, current_user),
        status_text=status_text,
    )
