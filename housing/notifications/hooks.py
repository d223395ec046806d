"""What the outbox asks of the packages that write into it.

Notifications comes before accounts and the feature packages and imports none of them. Where a
message needs something only they know (the details of a listing a message speaks of, whether
an account confirmed its email address, who a broadcast goes to, which reminders are due), the
package that knows hands notifications a function when the app is made (see
``housing.blueprints``), and the outbox calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, current_app

from housing.db_types import AnySession

if TYPE_CHECKING:
    from housing.notifications.broadcasts import Recipient
    from housing.notifications.models import Broadcast

# What a message says about its listing (``listing_id``), in the reader's ``language`` where it
# is data; empty when there is no such listing.
ListingFacts = Callable[[AnySession, int, str], dict[str, Any]]
# The account's email address once its holder confirmed it is theirs, else None.
ConfirmedEmail = Callable[[AnySession, int], str | None]
# A broadcast's next recipients after an application id, in application-id order, at most
# ``limit`` of them.
Recipients = Callable[[AnySession, "Broadcast", int, int], "list[Recipient]"]

# Writes into the outbox, in the sweep's transaction, the messages whose time has come (deadline
# reminders); the sweep commits and delivers them.
DueMessages = Callable[[AnySession, datetime], object]
# Other housekeeping that runs at the sweep's pace, after it (exports that lost their job).
AfterSweep = Callable[[datetime], object]


@dataclass
class NotificationHooks:
    listing_facts: ListingFacts | None = None
    confirmed_email: ConfirmedEmail | None = None
    # Each broadcast template, and who it goes to.
    recipients: dict[str, Recipients] = field(default_factory=dict)
    due_messages: list[DueMessages] = field(default_factory=list)
    after_sweep: list[AfterSweep] = field(default_factory=list)


def _hooks(app: Flask) -> NotificationHooks:
    return cast(
        NotificationHooks, app.extensions.setdefault("notification_hooks", NotificationHooks())
    )


def set_listing_facts(app: Flask, facts: ListingFacts) -> None:
    _hooks(app).listing_facts = facts


def set_confirmed_email(app: Flask, confirmed: ConfirmedEmail) -> None:
    _hooks(app).confirmed_email = confirmed


def add_recipients(app: Flask, template: str, recipients: Recipients) -> None:
    _hooks(app).recipients[template] = recipients


def add_due_messages(app: Flask, write: DueMessages) -> None:
    _hooks(app).due_messages.append(write)


def add_after_sweep(app: Flask, step: AfterSweep) -> None:
    _hooks(app).after_sweep.append(step)


def listing_facts(session: AnySession, listing_id: int, language: str) -> dict[str, Any]:
    facts = _hooks(current_app).listing_facts
    if facts is None:
        raise RuntimeError("no package gave notifications the details of a listing")
    return facts(session, listing_id, language)


def confirmed_email(session: AnySession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    confirmed = _hooks(current_app).confirmed_email
    if confirmed is None:
        raise RuntimeError("no package told notifications which email addresses are confirmed")
    return confirmed(session, user_id)


def recipient_readers(app: Flask) -> dict[str, Recipients]:
    """Every broadcast template and the function that reads who it goes to."""
    return _hooks(app).recipients


def write_due_messages(session: AnySession, now: datetime) -> None:
    """Every package's messages whose time has come, in the order the packages were added."""
    for write in _hooks(current_app).due_messages:
        write(session, now)


def after_sweep(now: datetime) -> None:
    for step in _hooks(current_app).after_sweep:
        step(now)
