"""Signing up for listing alerts, confirming, unsubscribing, and announcing listings that open.

Every sign-up writes a new unconfirmed subscription and a message to its address, whether or
not the address already gets alerts, so the answer tells nobody who is subscribed. The address
proves it is its holder's by the link (or, by text message, the code) in that message; only
then does it get alerts, and a confirmed sign-up replaces the address's earlier one.

A listing is announced once: the first to notice it open writes its ``ListingOpening`` row,
and each alert is a ``ListingAlert`` row unique per subscription and listing, written with its
message in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from housing.accounts.emails import external_url
from housing.alerts.models import AlertSubscription, ListingAlert, ListingOpening
from housing.db_types import AnySession
from housing.i18n import LANGUAGE_PARAMETER
from housing.listings.eligibility import Household
from housing.listings.models import Listing, ListingStatus, Phase, UnitStatus
from housing.listings.services import listing_eligibility
from housing.notifications.models import Channel, MessageEvent, MessageState, OutboundMessage
from housing.notifications.services import queue

# Unconfirmed sign-ups are erased after this long; their links stop working then too.
UNCONFIRMED_LIFETIME = timedelta(days=3)
# Wrong codes after which a text-message sign-up must start again.
MAX_CODE_ATTEMPTS = 5
CODE_DIGITS = 6
CONFIRM_TEMPLATE = "alert_confirm"
ALERT_TEMPLATE = "listing_alert"
# Listings noticed open per run, and subscriptions read per query.
OPENINGS_PER_RUN = 50
SUBSCRIPTION_BATCH = 500


class SubscriptionMissing(LookupError):
    """No such subscription (never was, erased, or its link has expired)."""


class WrongCode(ValueError):
    """The code does not match; ``attempts_left`` more may be tried."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(attempts_left)
        self.attempts_left = attempts_left


class NotUpcoming(ValueError):
    """A listing that is not public and waiting to open cannot be followed on its own."""


@dataclass(frozen=True)
class Wishes:
    """What a resident asked to hear about. Empty lists mean "any"."""

    household_size: int | None = None
    annual_income: Decimal | None = None
    children_under_six: int = 0
    has_voucher: bool = False
    neighborhoods: Sequence[str] = ()
    unit_types: Sequence[str] = ()
    tenures: Sequence[str] = ()


@dataclass(frozen=True)
class SignUp:
    subscription: AlertSubscription
    # The code for a text-message sign-up; never stored as typed.
    code: str | None


def _code_digest(public_id: str, code: str) -> str:
    secret = current_app.config["HOUSING"].secret_key.encode()
    return hmac.new(secret, f"alert:{public_id}:{code}".encode(), hashlib.sha256).hexdigest()


def confirm_link(subscription: AlertSubscription) -> str:
    return external_url(
        "alerts.confirm_page",
        public_id=subscription.public_id,
        **{LANGUAGE_PARAMETER: subscription.language},
    )


def stop_link(subscription: AlertSubscription) -> str:
    return external_url(
        "alerts.stop_page",
        public_id=subscription.public_id,
        **{LANGUAGE_PARAMETER: subscription.language},
    )


def listing_link(listing_id: int, language: str) -> str:
    return external_url("listings.detail", listing_id=listing_id, **{LANGUAGE_PARAMETER: language})


def followable_listing(session: AnySession, listing_id: int, now: datetime) -> Listing:
    """A public listing not open yet, which a resident may ask to hear about when it opens."""
    listing = session.get(Listing, listing_id)
    if listing is None or not listing.is_public(now) or listing.phase(now) is not Phase.UPCOMING:
        raise NotUpcoming(listing_id)
    return listing


def subscribe(
    session: AnySession,
    *,
    channel: Channel,
    address: str,
    language: str,
    wishes: Wishes,
    now: datetime,
    listing_id: int | None = None,
) -> SignUp:
    """Write an unconfirmed subscription and the message that confirms it. ``address`` is
    already normalised (lower-case email, or an international phone number)."""
    if listing_id is not None:
        followable_listing(session, listing_id, now)
    # An earlier unconfirmed sign-up of the same address for the same thing is superseded.
    session.execute(
        delete(AlertSubscription).where(
            AlertSubscription.channel == channel,
            AlertSubscription.address == address,
            _same_scope(listing_id),
            AlertSubscription.confirmed_at.is_(None),
        )
    )
    public_id = secrets.token_hex(12)
    code = None
    if channel is Channel.SMS:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    subscription = AlertSubscription(
        public_id=public_id,
        channel=channel,
        address=address,
        language=language,
        listing_id=listing_id,
        household_size=wishes.household_size,
        annual_income=wishes.annual_income,
        children_under_six=wishes.children_under_six,
        has_voucher=wishes.has_voucher,
        neighborhoods=sorted(set(wishes.neighborhoods)),
        unit_types=sorted(set(wishes.unit_types)),
        tenures=sorted(set(wishes.tenures)),
        code_digest=_code_digest(public_id, code) if code else "",
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    context: dict[str, Any] = {"link": confirm_link(subscription), "code": code}
    if listing_id is not None:
        context["listing_id"] = listing_id
    queue(
        session,
        channel=channel,
        to=address,
        template=CONFIRM_TEMPLATE,
        language=language,
        context=context,
        listing_id=listing_id,
        key=_message_key(subscription.public_id, "confirm"),
    )
    return SignUp(subscription, code)


def _message_key(public_id: str, what: str) -> str:
    """Names a message to a subscription; unique across databases, since a text-message
    provider keeps the keys it has seen."""
    return f"alert-{public_id}-{what}"


def _same_scope(listing_id: int | None) -> Any:
    if listing_id is None:
        return AlertSubscription.listing_id.is_(None)
    return AlertSubscription.listing_id == listing_id


def pending_subscription(session: AnySession, public_id: str, now: datetime) -> AlertSubscription:
    """The subscription a link names, while its link works."""
    subscription = session.scalars(
        select(AlertSubscription).where(AlertSubscription.public_id == public_id)
    ).first()
    if subscription is None:
        raise SubscriptionMissing(public_id)
    if subscription.confirmed_at is None and subscription.created_at < now - UNCONFIRMED_LIFETIME:
        raise SubscriptionMissing(public_id)
    return subscription


def confirm(session: AnySession, public_id: str, now: datetime) -> AlertSubscription:
    """The address's holder followed the link: alerts start. Confirming twice changes nothing."""
    subscription = pending_subscription(session, public_id, now)
    if subscription.confirmed_at is not None:
        return subscription
    subscription.confirmed_at = now
    replaced = select(AlertSubscription.id).where(
        AlertSubscription.id != subscription.id,
        AlertSubscription.channel == subscription.channel,
        AlertSubscription.address == subscription.address,
        _same_scope(subscription.listing_id),
    )
    _erase(session, list(session.scalars(replaced)))
    session.flush()
    if subscription.listing_id is not None:
        # The listing opened between the sign-up and this confirmation: tell them now.
        opened = session.get(ListingOpening, subscription.listing_id)
        listing = session.get(Listing, subscription.listing_id)
        if opened is not None and listing is not None:
            _write_alerts(session, listing, [subscription])
            _forget(session, [subscription.id])
    return subscription


def confirm_code(
    session: AnySession, public_id: str, code: str, now: datetime
) -> AlertSubscription:
    """The code from a text message, typed on the site. ``WrongCode`` for a wrong one; after
    ``MAX_CODE_ATTEMPTS`` the sign-up is erased and must start again."""
    subscription = pending_subscription(session, public_id, now)
    if subscription.confirmed_at is not None:
        return subscription
    typed = "".join(char for char in code if char.isdigit())
    expected = subscription.code_digest
    if expected and hmac.compare_digest(expected, _code_digest(public_id, typed)):
        return confirm(session, public_id, now)
    subscription.code_attempts += 1
    left = MAX_CODE_ATTEMPTS - subscription.code_attempts
    if left <= 0:
        _erase(session, [subscription.id])
    session.flush()
    raise WrongCode(max(left, 0))


def unsubscribe(session: AnySession, public_id: str) -> bool:
    """Erase the subscription and what its messages held. False when there was none (already
    gone): the answer is the same to the person either way."""
    found = session.scalars(
        select(AlertSubscription.id).where(AlertSubscription.public_id == public_id)
    ).first()
    if found is None:
        return False
    _erase(session, [found])
    return True


def _erase(session: AnySession, ids: list[int]) -> None:
    """Delete subscriptions with every trace of their address: the messages written to them
    are emptied (and never sent, if not sent yet); their alerts are kept without them."""
    if not ids:
        return
    public_ids = session.scalars(
        select(AlertSubscription.public_id).where(AlertSubscription.id.in_(ids))
    ).all()
    keys = [
        OutboundMessage.idempotency_key.like(_message_key(public_id, "%"))
        for public_id in public_ids
    ]
    if not keys:
        return
    messages = select(OutboundMessage.id).where(or_(*keys))
    session.execute(
        update(MessageEvent)
        .where(MessageEvent.message_id.in_(messages))
        .values(detail="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboundMessage)
        .where(or_(*keys), OutboundMessage.state != MessageState.SENT)
        .values(state=MessageState.SUPPRESSED, failure_reason="unsubscribed")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboundMessage)
        .where(or_(*keys))
        .values(recipient="", subject="", body_text="", body_html="", context=None)
        .execution_options(synchronize_session=False)
    )
    _forget(session, ids)


def _forget(session: AnySession, ids: list[int]) -> None:
    """Delete subscriptions; their alerts stay, for the counts, naming no one."""
    session.execute(
        update(ListingAlert)
        .where(ListingAlert.subscription_id.in_(ids))
        .values(subscription_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AlertSubscription)
        .where(AlertSubscription.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    for subscription in list(session.identity_map.values()):
        if isinstance(subscription, AlertSubscription) and subscription.id in ids:
            session.expunge(subscription)


def erase_unconfirmed(session: AnySession, now: datetime) -> int:
    """Erase sign-ups never confirmed within ``UNCONFIRMED_LIFETIME``; how many."""
    stale = list(
        session.scalars(
            select(AlertSubscription.id).where(
                AlertSubscription.confirmed_at.is_(None),
                AlertSubscription.created_at < now - UNCONFIRMED_LIFETIME,
            )
        )
    )
    _erase(session, stale)
    return len(stale)


# Announcing openings


def newly_open_listings(session: AnySession, now: datetime) -> list[Listing]:
    """Public listings open for applications whose opening was not announced yet."""
    announced = exists().where(ListingOpening.listing_id == Listing.id)
    return list(
        session.scalars(
            select(Listing)
            .where(
                Listing.status.in_((ListingStatus.APPROVED, ListingStatus.OPEN)),
                Listing.application_open_at <= now,
                Listing.application_due_at > now,
                or_(Listing.publish_at.is_(None), Listing.publish_at <= now),
                ~announced,
            )
            .order_by(Listing.application_open_at, Listing.id)
            .limit(OPENINGS_PER_RUN)
        )
    )


def announce_opening(session: AnySession, listing: Listing, now: datetime) -> int | None:
    """Write the alerts of a listing that opened, once: None when another run announced it
    first (the caller's transaction then holds nothing of this one), else how many alerts."""
    try:
        with session.begin_nested():
            session.add(ListingOpening(listing_id=listing.id, opened_at=now))
            session.flush()
    except IntegrityError:
        return None
    written = 0
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                select(AlertSubscription)
                .where(
                    AlertSubscription.confirmed_at.is_not(None),
                    AlertSubscription.id > last_id,
                    or_(
                        AlertSubscription.listing_id.is_(None),
                        AlertSubscription.listing_id == listing.id,
                    ),
                )
                .order_by(AlertSubscription.id)
                .limit(SUBSCRIPTION_BATCH)
            )
        )
        if not batch:
            break
        last_id = batch[-1].id
        written += _write_alerts(
            session, listing, [item for item in batch if matches(listing, item)]
        )
    # Those who followed this one listing have had their message: their address is kept no
    # longer than it takes to send it.
    _forget(
        session,
        list(
            session.scalars(
                select(AlertSubscription.id).where(
                    AlertSubscription.listing_id == listing.id,
                    AlertSubscription.confirmed_at.is_not(None),
                )
            )
        ),
    )
    return written


def _listing_unit_types(listing: Listing) -> set[str]:
    available = [unit for unit in listing.units if unit.status is UnitStatus.AVAILABLE]
    return {unit.unit_type.value for unit in (available or listing.units)}


def matches(listing: Listing, subscription: AlertSubscription) -> bool:
    """Whether a listing is one the subscription asked about: its own listing, or one in the
    neighbourhoods, of the kinds, and (with a household) one the household qualifies for."""
    if subscription.listing_id is not None:
        return subscription.listing_id == listing.id
    if subscription.neighborhoods and listing.neighborhood not in subscription.neighborhoods:
        return False
    if subscription.tenures and listing.tenure.value not in subscription.tenures:
        return False
    if subscription.unit_types and not (
        _listing_unit_types(listing) & set(subscription.unit_types)
    ):
        return False
    household = household_of(subscription)
    if household is None:
        return True
    try:
        return listing_eligibility(listing, household).is_eligible
    except LookupError:
        # An AMI chart without the limit: the listing page says so; better told than missed.
        return True


def household_of(subscription: AlertSubscription) -> Household | None:
    if subscription.household_size is None or subscription.annual_income is None:
        return None
    try:
        return Household(
            size=subscription.household_size,
            annual_income=Decimal(subscription.annual_income),
            children_under_six=subscription.children_under_six or 0,
            has_voucher=bool(subscription.has_voucher),
        )
    except ValueError:
        return None


def _write_alerts(
    session: AnySession, listing: Listing, subscriptions: Sequence[AlertSubscription]
) -> int:
    written = 0
    for subscription in subscriptions:
        try:
            with session.begin_nested():
                session.add(
                    ListingAlert(
                        subscription_id=subscription.id,
                        listing_id=listing.id,
                        channel=subscription.channel,
                        language=subscription.language,
                    )
                )
                session.flush()
        except IntegrityError:
            continue  # written before, by this run or another
        queue(
            session,
            channel=subscription.channel,
            to=subscription.address,
            template=ALERT_TEMPLATE,
            language=subscription.language,
            context={
                "listing_id": listing.id,
                "link": listing_link(listing.id, subscription.language),
                "unsubscribe": stop_link(subscription),
                "one_listing": subscription.listing_id is not None,
            },
            listing_id=listing.id,
            key=_message_key(subscription.public_id, str(listing.id)),
            render_now=False,
        )
        written += 1
    return written


# What staff see: counts, never addresses


@dataclass(frozen=True)
class AlertCounts:
    confirmed: int
    by_language: list[tuple[str, int]]
    by_channel: list[tuple[Channel, int]]
    per_listing: list[tuple[Listing, int]]


def alert_counts(session: AnySession) -> AlertCounts:
    confirmed = AlertSubscription.confirmed_at.is_not(None)
    total = session.scalar(select(func.count(AlertSubscription.id)).where(confirmed)) or 0
    languages = session.execute(
        select(AlertSubscription.language, func.count())
        .where(confirmed)
        .group_by(AlertSubscription.language)
        .order_by(func.count().desc(), AlertSubscription.language)
    ).all()
    channels = session.execute(
        select(AlertSubscription.channel, func.count())
        .where(confirmed)
        .group_by(AlertSubscription.channel)
        .order_by(AlertSubscription.channel)
    ).all()
    listings = session.execute(
        select(Listing, func.count(ListingAlert.id))
        .join(ListingAlert, ListingAlert.listing_id == Listing.id)
        .group_by(Listing.id)
        .order_by(func.count(ListingAlert.id).desc(), Listing.id)
    ).all()
    return AlertCounts(
        confirmed=int(total),
        by_language=[(str(language), int(count)) for language, count in languages],
        by_channel=[(channel, int(count)) for channel, count in channels],
        per_listing=[(listing, int(count)) for listing, count in listings],
    )
