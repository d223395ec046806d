"""Account operations: sign-up, confirmation, sign-in with throttling, two-factor, resets."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select

from housing.accounts import emails, passwords, server_sessions, throttles
from housing.accounts.addresses import account_email, normalize_email
from housing.accounts.models import RecoveryCode, Role, User, UserSession
from housing.db_types import AnySession

RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Affordable Housing Portal"


class AccountError(Exception):
    """Base of the named account failures."""


class InvalidCredentials(AccountError):
    """Unknown email, wrong password, a try that must wait, a disabled account: one message
    for all."""


class WeakPassword(AccountError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class InvalidCode(AccountError):
    """A two-factor or recovery code that does not match (or was already used)."""

    # Set when this failure ends the half-signed-in session: the password must be given again.
    back_to_password: bool = False


class CodeWait(AccountError):
    """Too many wrong codes for this account lately: no code is tried until ``wait`` passes."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(str(wait))
        self.wait = wait


def find_user_by_email(session: AnySession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


@dataclass(frozen=True)
class SignUpResult:
    user: User
    created: bool


def sign_up(
    session: AnySession,
    *,
    email: str,
    password: str,
    full_name: str,
    language: str,
    role: Role = Role.APPLICANT,
) -> SignUpResult:
    """Create an unconfirmed account, or return the existing one without changing it.

    The caller answers both cases the same way, so sign-up does not reveal who has an account;
    the password is hashed in both, so neither does the time it takes.
    """
    address = account_email(email)
    problems = passwords.password_problems(password, email=address)
    if problems:
        raise WeakPassword(problems)
    password_hash = passwords.hash_password(password)
    existing = find_user_by_email(session, address)
    if existing is not None:
        return SignUpResult(existing, created=False)
    user = User(
        email=address,
        full_name=full_name.strip(),
        password_hash=password_hash,
        role=role,
        language=language,
    )
    session.add(user)
    session.flush()
    return SignUpResult(user, created=True)


def confirm_email(session: AnySession, user_id: int, email: str, now: datetime) -> User:
    user = session.get(User, user_id)
    if user is None or user.email != email:
        raise InvalidCredentials()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


def authenticate(
    session: AnySession,
    email: str,
    password: str,
    now: datetime,
    *,
    client: str,
    known_accounts: Collection[int] = (),
) -> User:
    """The user for a correct email and password; InvalidCredentials for anything else.

    Wrong passwords make later tries from the same ``client`` wait, longer each time (see
    ``throttles``); while one must wait even the right password is refused, with the same
    message, so guessing learns nothing. The password is checked in every case, so the time
    taken does not tell either. The owner is emailed once when failures pile up.
    """
    user = find_user_by_email(session, email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None:
        raise InvalidCredentials()
    if throttles.password_wait(
        session, user.id, client, now, known_device=user.id in known_accounts
    ):
        raise InvalidCredentials()
    if not valid:
        if throttles.password_failed(session, user.id, client, now):
            emails.queue_sign_in_attempts_notice(session, user, password_known=False)
        raise InvalidCredentials()
    if user.disabled:
        raise InvalidCredentials()
    throttles.password_succeeded(session, user.id, client)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_sign_in(user: User, now: datetime) -> None:
    user.last_sign_in_at = now


def change_password(
    session: AnySession, user: User, new_password: str, *, keep: UserSession | None = None
) -> None:
    """Set a new password and end every other session of the account (``keep``: the one
    the change was made in, if any)."""
    problems = passwords.password_problems(new_password, email=user.email)
    if problems:
        raise WeakPassword(problems)
    user.password_hash = passwords.hash_password(new_password)
    throttles.password_changed(session, user.id)
    server_sessions.end_sessions(session, user.id, keep=keep)


def sign_out_everywhere(session: AnySession, user: User) -> None:
    """Every session of this user, on every device, ends at its next request."""
    server_sessions.end_sessions(session, user.id)


def begin_two_factor_setup(user: User) -> str:
    """A new secret to show as a QR code / key; not active until a code confirms it."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    if user.totp_secret is None:
        raise InvalidCode()
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _accept_totp(user: User, code: str, now: datetime) -> None:
    if user.totp_secret is None:
        raise InvalidCode()
    totp = pyotp.TOTP(user.totp_secret)
    cleaned = "".join(code.split())
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=drift * totp.interval)
        step = totp.timecode(moment)
        if secrets.compare_digest(totp.at(moment), cleaned):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                raise InvalidCode()  # a code already used, replayed
            user.totp_last_step = step
            return
    raise InvalidCode()


def confirm_two_factor_setup(
    session: AnySession, user: User, code: str, now: datetime
) -> list[str]:
    """Turn two-factor on with a first good code; returns fresh recovery codes to show once."""
    _accept_totp(user, code, now)
    user.totp_enabled_at = now
    return replace_recovery_codes(session, user)


def verify_second_factor(session: AnySession, user: User, code: str, now: datetime) -> None:
    _second_step(session, user, now, lambda: _accept_totp(user, code, now))


def use_recovery_code(session: AnySession, user: User, code: str, now: datetime) -> None:
    _second_step(session, user, now, lambda: _accept_recovery_code(user, code, now))


def _second_step(session: AnySession, user: User, now: datetime, check: Callable[[], None]) -> None:
    """Run ``check`` (which raises InvalidCode) unless the account must wait; count failures.

    Wrong codes are counted for the account, whatever session or address they come from;
    InvalidCode says whether the session must go back to the password.
    """
    wait = throttles.code_wait(session, user.id, now)
    if wait:
        raise CodeWait(wait)
    try:
        if not user.has_two_factor:
            raise InvalidCode()
        check()
    except InvalidCode as error:
        failure = throttles.code_failed(session, user.id, now)
        if failure.tell_owner:
            emails.queue_sign_in_attempts_notice(session, user, password_known=True)
        error.back_to_password = failure.back_to_password
        raise
    throttles.code_succeeded(session, user.id)


def replace_recovery_codes(session: AnySession, user: User) -> list[str]:
    for old in list(user.recovery_codes):
        session.delete(old)
    user.recovery_codes.clear()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=_recovery_digest(code)))
    session.flush()
    return codes


def _new_recovery_code() -> str:
    """80 random bits as four groups of four letters and digits: too many to guess offline."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[index : index + 4] for index in range(0, 16, 4))


def _recovery_digest(code: str) -> str:
    # With 80 bits of entropy a fast hash is enough; argon2 is for what people choose.
    return hashlib.sha256("".join(code.lower().split()).replace("-", "").encode()).hexdigest()


def _accept_recovery_code(user: User, code: str, now: datetime) -> None:
    digest = _recovery_digest(code)
    for stored in user.recovery_codes:
        if stored.used_at is None and secrets.compare_digest(stored.code_hash, digest):
            stored.used_at = now
            return
    raise InvalidCode()
