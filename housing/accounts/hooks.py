"""What the account pages show that only later packages know.

Accounts comes before the feature packages and imports none of them. Where one of its pages
shows something of theirs (a resident's applications on the account page, the listings staff
can assign a partner to), the package that knows it hands accounts a function when the app is
made (see ``housing.blueprints``), and the page calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from flask import Flask, current_app
from markupsafe import Markup

from housing.accounts.models import User
from housing.db_types import AnySession

# The HTML a package shows this person on their account page, or None when it has nothing.
AccountSection = Callable[[User], Markup | None]


@dataclass(frozen=True)
class AssignableListing:
    """A listing as the page that assigns partners to listings shows it."""

    id: int
    name: str


# Every listing a partner can be assigned to, in the order the page lists them.
AssignableListings = Callable[[AnySession], Sequence[AssignableListing]]


@dataclass
class AccountHooks:
    sections: list[AccountSection] = field(default_factory=list)
    assignable_listings: AssignableListings | None = None


def _hooks(app: Flask) -> AccountHooks:
    return cast(AccountHooks, app.extensions.setdefault("account_hooks", AccountHooks()))


def add_account_section(app: Flask, section: AccountSection) -> None:
    _hooks(app).sections.append(section)


def set_assignable_listings(app: Flask, listings: AssignableListings) -> None:
    _hooks(app).assignable_listings = listings


def account_sections(user: User) -> list[Markup]:
    """What the packages show ``user`` on the account page, in the order they were added."""
    shown = (section(user) for section in _hooks(current_app).sections)
    return [html for html in shown if html is not None]


def assignable_listings(session: AnySession) -> Sequence[AssignableListing]:
    provide = _hooks(current_app).assignable_listings
    if provide is None:
        raise RuntimeError("no package gave accounts the listings a partner can be assigned to")
    return provide(session)
