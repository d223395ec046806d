"""Slowing down guesses without handing anyone a lock.

Wrong passwords are counted per account *and* client address: after a few, that address waits
before its next try for that account, twice as long each time, so a stranger's guesses delay
the stranger and not the owner signing in from elsewhere. A ceiling on the account's failures
from everywhere holds back a guesser with many addresses; browsers that signed in to the
account before are exempt from it, so even then the owner gets in. Wrong second-step codes are
counted per account, whoever sends them: someone who has the password still guesses codes
slower and slower.

The counts are rows in the database, so they hold on every host and whatever happens to Redis.
An episode ends with a success or after a quiet day.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from housing.accounts.models import SignInThrottle, ThrottleKind
from housing.db_types import AnySession

EVERYWHERE = ""
QUIET_PERIOD = timedelta(days=1)
# Failures of an account, from anywhere, after which its owner is emailed (once an episode).
TELL_OWNER_AFTER = 5


@dataclass(frozen=True)
class Rule:
    """``free`` failures cost nothing; from then on each one adds a wait of 2, 4, 8 … seconds
    before the next try, never more than ``longest``."""

    free: int
    longest: timedelta

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free + 1, 32)
        return min(timedelta(seconds=2**doublings), self.longest)


PER_ADDRESS = Rule(free=5, longest=timedelta(minutes=15))
PER_ACCOUNT = Rule(free=25, longest=timedelta(minutes=15))
# Every fifth wrong code in a row also sends the person back to the password.
CODES = Rule(free=5, longest=timedelta(hours=1))


def client_key(address: str | None) -> str:
    """What counts as one client: an IPv4 address, or an IPv6 /64 (one home's or one phone's
    network, handed out whole, so a single guesser cannot pose as many)."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def password_wait(
    session: AnySession, user_id: int, client: str, now: datetime, *, known_device: bool
) -> bool:
    """Whether a password for this account from this client must wait before it is tried."""
    clients = [client] if known_device else [client, EVERYWHERE]
    return any(
        row.wait_until is not None and row.wait_until > now
        for row in _existing(session, user_id, ThrottleKind.PASSWORD, clients)
    )


def password_failed(session: AnySession, user_id: int, client: str, now: datetime) -> bool:
    """Count a wrong password; True when the owner should be told now (once an episode)."""
    _forget(
        session,
        user_id,
        ThrottleKind.PASSWORD,
        SignInThrottle.last_failure_at < now - QUIET_PERIOD,
    )
    _count(_row(session, user_id, ThrottleKind.PASSWORD, client), PER_ADDRESS, now)
    account = _row(session, user_id, ThrottleKind.PASSWORD, EVERYWHERE)
    _count(account, PER_ACCOUNT, now)
    return _tell_owner(account, now)


def password_succeeded(session: AnySession, user_id: int, client: str) -> None:
    """The owner is in: the episode is over for the account and this address; other
    addresses still wait their turn."""
    _forget(
        session, user_id, ThrottleKind.PASSWORD, SignInThrottle.client.in_([client, EVERYWHERE])
    )


def password_changed(session: AnySession, user_id: int) -> None:
    """A new password starts afresh: nobody waits for failures against the old one."""
    _forget(session, user_id, ThrottleKind.PASSWORD)


def code_wait(session: AnySession, user_id: int, now: datetime) -> timedelta:
    """How long before a second-step code for this account may be tried."""
    for row in _existing(session, user_id, ThrottleKind.CODE, [EVERYWHERE]):
        if row.wait_until is not None and row.wait_until > now:
            return row.wait_until - now
    return timedelta(0)


@dataclass(frozen=True)
class CodeFailure:
    back_to_password: bool
    tell_owner: bool


def code_failed(session: AnySession, user_id: int, now: datetime) -> CodeFailure:
    """Count a wrong code for the account, in whichever session or place it was typed."""
    row = _row(session, user_id, ThrottleKind.CODE, EVERYWHERE)
    _count(row, CODES, now)
    return CodeFailure(
        back_to_password=row.failures % CODES.free == 0, tell_owner=_tell_owner(row, now)
    )


def code_succeeded(session: AnySession, user_id: int) -> None:
    _forget(session, user_id, ThrottleKind.CODE)


def _existing(
    session: AnySession, user_id: int, kind: ThrottleKind, clients: list[str]
) -> list[SignInThrottle]:
    return list(
        session.scalars(
            select(SignInThrottle).where(
                SignInThrottle.user_id == user_id,
                SignInThrottle.kind == kind,
                SignInThrottle.client.in_(clients),
            )
        )
    )


def _row(session: AnySession, user_id: int, kind: ThrottleKind, client: str) -> SignInThrottle:
    """The counter, created if needed and locked, so that failures sent at once all count."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(SignInThrottle)
        .values(user_id=user_id, kind=kind, client=client, failures=0)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "client"])
    )
    return session.scalars(
        select(SignInThrottle)
        .where(
            SignInThrottle.user_id == user_id,
            SignInThrottle.kind == kind,
            SignInThrottle.client == client,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _count(row: SignInThrottle, rule: Rule, now: datetime) -> None:
    if row.last_failure_at is not None and now - row.last_failure_at > QUIET_PERIOD:
        row.failures = 0
        row.owner_told_at = None
    row.failures += 1
    row.last_failure_at = now
    wait = rule.wait_after(row.failures)
    row.wait_until = now + wait if wait else None


def _tell_owner(row: SignInThrottle, now: datetime) -> bool:
    if row.failures < TELL_OWNER_AFTER or row.owner_told_at is not None:
        return False
    row.owner_told_at = now
    return True


def _forget(session: AnySession, user_id: int, kind: ThrottleKind, *conditions: Any) -> None:
    session.execute(
        delete(SignInThrottle)
        .where(SignInThrottle.user_id == user_id, SignInThrottle.kind == kind, *conditions)
        .execution_options(synchronize_session=False)
    )
