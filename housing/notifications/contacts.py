"""Where an applicant hears from us: which channels, at which addresses. Pure; no Flask, no database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email

from housing.notifications.models import Channel
from housing.notifications.sms import international_number

# A home or work phone may be a landline, which cannot take a text message.
TEXTABLE_PHONE_TYPES = frozenset({"cell", None, ""})


def email_address(you: Mapping[str, Any]) -> str | None:
    """The applicant's email address, if they gave one that is an address at all."""
    email = you.get("email")
    if you.get("no_email") or not isinstance(email, str) or not email.strip():
        return None
    if "\r" in email or "\n" in email:
        return None
    try:
        return str(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def text_number(you: Mapping[str, Any]) -> str | None:
    """The applicant's phone in international form, if it can take a text message."""
    phone = you.get("phone")
    if you.get("no_phone") or not isinstance(phone, str):
        return None
    if you.get("phone_type") not in TEXTABLE_PHONE_TYPES:
        return None
    return international_number(phone)


def postal_address(you: Mapping[str, Any]) -> str | None:
    """The mailing address (or else the home address) as the lines of an envelope."""
    for key in ("mailing_address", "address"):
        address = you.get(key)
        if not isinstance(address, Mapping):
            continue
        parts = {
            name: " ".join(str(address.get(name) or "").split())
            for name in ("street", "unit", "city", "state", "postal_code")
        }
        if not (parts["street"] and parts["city"] and parts["postal_code"]):
            continue
        street = f"{parts['street']} {parts['unit']}".strip()
        return f"{street}\n{parts['city']}, {parts['state'].upper()} {parts['postal_code']}"
    return None


def full_name(you: Mapping[str, Any]) -> str:
    return " ".join(
        " ".join(str(you.get(key) or "").split()) for key in ("first_name", "last_name")
    ).strip()


def same_address(one: str, other: str) -> bool:
    return one.strip().casefold() == other.strip().casefold()


def addressed_context(
    context: Mapping[str, Any], channel: Channel, recipient: str, confirmed_email: str | None
) -> dict[str, Any]:
    """A message's details as this recipient may read them.

    Anyone may type any name beside any address, so a name someone typed (``name``: an
    applicant's first name, an account's full name) goes only to an email address that the
    account it belongs to has confirmed (``confirmed_email``); everyone else is greeted without
    a name. Everything else a message says comes from the portal or from staff."""
    if "name" not in context or (
        channel is Channel.EMAIL
        and confirmed_email is not None
        and same_address(recipient, confirmed_email)
    ):
        return dict(context)
    return {**context, "name": ""}


def contacts(answers: Mapping[str, Any], *, letter: bool) -> list[tuple[Channel, str]]:
    """Every channel this applicant is to hear on, in order.

    As the applicant chose (email, text messages, or both); without a choice, email, or text
    messages when they have no email. A choice that cannot be kept (text messages without a cell
    phone) falls back to the other channel rather than to none. With neither, where the message
    matters enough to print (``letter``), a letter to their address for staff to post."""
    you = answers.get("applicant")
    if not isinstance(you, Mapping):
        return []
    found: list[tuple[Channel, str]] = []
    chosen = you.get("updates_by")
    email = email_address(you)
    number = text_number(you)
    if email is not None and (chosen != "text" or number is None):
        found.append((Channel.EMAIL, email))
    if number is not None and (chosen in ("text", "both") or email is None):
        found.append((Channel.SMS, number))
    if not found and letter:
        address = postal_address(you)
        if address is not None:
            name = full_name(you)
            found.append((Channel.LETTER, f"{name}\n{address}" if name else address))
    return found
