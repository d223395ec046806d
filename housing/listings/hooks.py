"""What listings does and shows that only later packages know.

Listings comes before applications and the lottery and imports neither. Where approving a
listing needs the lottery in the same transaction (it registers the rules it will be drawn by),
or a listing's public page shows something of a later package's (the lottery's rules in brief),
that package hands listings a function when the app is made (see ``housing.blueprints``), and
listings calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from flask import Flask, current_app
from markupsafe import Markup

from housing.accounts.models import User
from housing.db_types import AnySession
from housing.listings.models import Listing

# Registers the rules the listing's lottery will be drawn by, in the approval's transaction
# (nothing for a listing with no lottery); safe to call again.
RegisterRules = Callable[[AnySession, Listing, datetime, User], object]
# Whether the listing's lottery rules are registered: its preferences are fixed from then on.
RulesRegistered = Callable[[AnySession, int], bool]
# The HTML a package adds to a listing's public page, or None when it has nothing. Kept with
# the listing's copy for its language (``snapshots.KEEP_SECONDS`` at most).
ListingSection = Callable[[Listing], Markup | None]


@dataclass(frozen=True)
class LotteryRules:
    register: RegisterRules
    registered: RulesRegistered


@dataclass
class ListingHooks:
    lottery_rules: LotteryRules | None = None
    sections: list[ListingSection] = field(default_factory=list)


def listing_hooks(app: Flask) -> ListingHooks:
    return cast(ListingHooks, app.extensions.setdefault("listing_hooks", ListingHooks()))


def set_lottery_rules(app: Flask, register: RegisterRules, registered: RulesRegistered) -> None:
    listing_hooks(app).lottery_rules = LotteryRules(register, registered)


def add_listing_section(app: Flask, section: ListingSection) -> None:
    listing_hooks(app).sections.append(section)


def lottery_rules() -> LotteryRules:
    """The lottery's rules as it registers them. Without them no listing is approved: a
    lottery with no registered rules could not be drawn."""
    rules = listing_hooks(current_app).lottery_rules
    if rules is None:
        raise RuntimeError("no package gave listings the lottery's rules to register at approval")
    return rules


def listing_sections(listing: Listing) -> list[Markup]:
    """What the packages add to ``listing``'s public page, in the order they were added."""
    shown = (section(listing) for section in listing_hooks(current_app).sections)
    return [html for html in shown if html is not None]
