"""Account operations: sign-up, confirmation, sign-in with lockout, two-factor, resets."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select

from housing.accounts import passwords
from housing.accounts.models import RecoveryCode, Role, User
from housing.db_types import AnySession

LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Affordable Housing Portal"


class AccountError(Exception):
    """Base of the named account failures."""


class InvalidCredentials(AccountError):
    """Unknown email, wrong password, locked or disabled account: one message for all."""


class WeakPassword(AccountError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


class InvalidCode(AccountError):
    """A two-factor or recovery code that does not match (or was already used)."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


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

    The caller answers both cases the same way, so sign-up does not reveal who has an account.
    """
    problems = passwords.password_problems(password, email=email)
    if problems:
        raise WeakPassword(problems)
    existing = find_user_by_email(session, email)
    if existing is not None:
        return SignUpResult(existing, created=False)
    user = User(
        email=normalize_email(email),
        full_name=full_name.strip(),
        password_hash=passwords.hash_password(password),
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


def authenticate(session: AnySession, email: str, password: str, now: datetime) -> User:
    """The user for a correct email and password; InvalidCredentials for anything else.

    After five wrong passwords the account pauses for 15 minutes; while paused even the right
    password is refused, with the same message, so guessing learns nothing.
    """
    user = find_user_by_email(session, email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None:
        raise InvalidCredentials()
    if user.locked_until is not None and user.locked_until > now:
        raise InvalidCredentials()
    if not valid or user.disabled:
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= LOCK_AFTER_FAILURES:
            user.locked_until = now + LOCK_DURATION
            user.failed_sign_ins = 0
        raise InvalidCredentials()
    user.failed_sign_ins = 0
    user.locked_until = None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_sign_in(user: User, now: datetime) -> None:
    user.last_sign_in_at = now


def change_password(user: User, new_password: str) -> None:
    problems = passwords.password_problems(new_password, email=user.email)
    if problems:
        raise WeakPassword(problems)
    user.password_hash = passwords.hash_password(new_password)
    user.failed_sign_ins = 0
    user.locked_until = None
    sign_out_everywhere(user)


def sign_out_everywhere(user: User) -> None:
    """Every session of this user, on every device, ends at its next request."""
    user.session_epoch += 1


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


def verify_second_factor(user: User, code: str, now: datetime) -> None:
    if not user.has_two_factor:
        raise InvalidCode()
    _accept_totp(user, code, now)


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


def use_recovery_code(user: User, code: str, now: datetime) -> None:
    digest = _recovery_digest(code)
    for stored in user.recovery_codes:
        if stored.used_at is None and secrets.compare_digest(stored.code_hash, digest):
            stored.used_at = now
            return
    raise InvalidCode()
