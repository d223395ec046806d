"""The submitted answers worded for the printable copy, in the current language (the caller
sets it): the same sections, labels and choices as the application's own page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from housing.applications.models import Application
from housing.applications.printable import PrintedAnswer, PrintedApplication, PrintedSection
from housing.applications.wording import (
    LABELS,
    SECTION_TITLES,
    choice_label,
    language_name,
    proof_type_name,
    status_text,
)
from housing.i18n import format_local_datetime
from housing.i18n import gettext as _


def printed_application(
    application: Application, locale: str, now: datetime, *, demographics: bool
) -> PrintedApplication:
    """Everything the application says, as last submitted; ``demographics`` only for those
    who may read them (the applicant and staff)."""
    listing = application.listing
    answers: Mapping[str, Any] = application.submitted_answers or application.answers or {}
    listing_name = listing.name
    summary = [
        PrintedAnswer(_("Application number"), application.public_id),
        PrintedAnswer(_("Lottery number"), application.lottery_number or _("Not answered")),
        PrintedAnswer(_("Listing"), listing_name),
        PrintedAnswer(_("Status"), status_text(application.status.value)),
    ]
    if application.submitted_at is not None:
        summary.append(
            PrintedAnswer(
                _("Submitted"), format_local_datetime(application.submitted_at, listing.timezone)
            )
        )
    sections = [
        PrintedSection(str(SECTION_TITLES["you"]), _you(answers)),
        PrintedSection(str(SECTION_TITLES["alternate"]), _alternate(answers)),
        PrintedSection(str(SECTION_TITLES["household"]), _household(answers)),
        PrintedSection(str(SECTION_TITLES["accessibility"]), _accessibility(answers)),
        PrintedSection(str(SECTION_TITLES["income"]), _income(answers)),
        PrintedSection(str(SECTION_TITLES["preferences"]), _preferences(application, locale)),
    ]
    if demographics:
        sections.append(PrintedSection(str(SECTION_TITLES["demographics"]), _demographics(answers)))
    return PrintedApplication(
        title=_("Application for %(listing)s", listing=listing_name),
        note=_(
            "A copy of your application as submitted, made on %(date)s.",
            date=format_local_datetime(now, listing.timezone),
        ),
        summary=summary,
        sections=sections,
        page=_("Page {page} of {pages}"),
    )


def _part(answers: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = answers.get(key)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else _("Not answered")


def _name(person: Mapping[str, Any], *keys: str) -> str:
    return " ".join(str(person[key]) for key in keys if person.get(key)) or _("Not answered")


def _yes_no(value: Any) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return _("Not answered")


def address_text(address: Any) -> str:
    """A postal address on one line: street and unit, city, state and ZIP code."""
    if not isinstance(address, Mapping) or not address.get("street"):
        return _("Not answered")
    street = " ".join(str(address.get(key) or "") for key in ("street",)).strip()
    if address.get("unit"):
        street = f"{street}, {address['unit']}"
    state_zip = f"{address.get('state') or ''} {address.get('postal_code') or ''}".strip()
    return ", ".join(part for part in (street, str(address.get("city") or ""), state_zip) if part)


def _you(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    you = _part(answers, "applicant")
    phone = _("No phone number") if you.get("no_phone") else _text(you.get("phone"))
    if not you.get("no_phone") and you.get("phone_type"):
        phone = f"{phone} ({choice_label('phone_type', you.get('phone_type'))})"
    rows = [
        PrintedAnswer(_("Name"), _name(you, "first_name", "middle_name", "last_name")),
        PrintedAnswer(str(LABELS["date_of_birth"]), _text(you.get("date_of_birth"))),
        PrintedAnswer(
            str(LABELS["email"]),
            _("No email address") if you.get("no_email") else _text(you.get("email")),
        ),
        PrintedAnswer(str(LABELS["phone"]), phone),
    ]
    if you.get("updates_by"):
        rows.append(
            PrintedAnswer(str(LABELS["updates_by"]), choice_label("updates_by", you["updates_by"]))
        )
    rows.append(PrintedAnswer(str(LABELS["address"]), address_text(you.get("address"))))
    if you.get("mailing_address"):
        rows.append(
            PrintedAnswer(str(LABELS["mailing_address"]), address_text(you.get("mailing_address")))
        )
    rows += [
        PrintedAnswer(str(LABELS["works_in_city"]), _yes_no(you.get("works_in_city"))),
        PrintedAnswer(str(LABELS["language"]), language_name(answers.get("language"))),
    ]
    return rows


def _alternate(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    alternate = _part(answers, "alternate_contact")
    kind = alternate.get("kind")
    rows = [PrintedAnswer(str(LABELS["kind"]), choice_label("kind", kind) or _("Not answered"))]
    if kind and kind != "none":
        rows.append(PrintedAnswer(_("Name"), _text(alternate.get("name"))))
        for key in ("relationship", "email", "phone"):
            if alternate.get(key):
                rows.append(PrintedAnswer(str(LABELS[key]), _text(alternate.get(key))))
    return rows


def _household(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    members = answers.get("household")
    members = [member for member in members if isinstance(member, Mapping)] if members else []
    if not members:
        return [PrintedAnswer(str(LABELS["household"]), _("The applicant lives alone."))]
    return [
        PrintedAnswer(
            _("Household member %(number)s", number=number),
            " · ".join(
                (
                    _name(member, "first_name", "last_name"),
                    _text(member.get("date_of_birth")),
                    choice_label("relationship", member.get("relationship")) or _("Not answered"),
                )
            ),
        )
        for number, member in enumerate(members, start=1)
    ]


def _accessibility(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    needs = _part(answers, "accessibility")
    chosen = [str(LABELS[need]) for need in ("mobility", "vision", "hearing") if needs.get(need)]
    return [
        PrintedAnswer(
            str(SECTION_TITLES["accessibility"]),
            ", ".join(chosen) or _("No accessibility needs listed."),
        )
    ]


def _income(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    income = _part(answers, "income")
    amount = _text(income.get("amount"))
    if income.get("period"):
        amount = f"{amount} {choice_label('period', income.get('period'))}"
    return [
        PrintedAnswer(str(LABELS["has_voucher"]), _yes_no(income.get("has_voucher"))),
        PrintedAnswer(str(LABELS["amount"]), amount),
    ]


def _preferences(application: Application, locale: str) -> list[PrintedAnswer]:
    listing = application.listing
    claims = _part(application.submitted_answers or application.answers or {}, "preferences")
    if not listing.preferences:
        return [
            PrintedAnswer(
                str(SECTION_TITLES["preferences"]), _("This listing has no lottery preferences.")
            )
        ]
    files = {document.public_id: document.original_filename for document in application.documents}
    rows = []
    for choice in listing.preferences:
        claim = claims.get(choice.preference.code)
        claim = claim if isinstance(claim, Mapping) else {}
        if claim.get("claimed") is True:
            parts = [_("Claimed")]
            if claim.get("proof_type"):
                parts.append(proof_type_name(claim.get("proof_type")))
            if claim.get("document") in files:
                parts.append(files[claim["document"]])
            if choice.veterans_first and claim.get("veteran") is True:
                parts.append(_("Claimed as a veteran"))
                if claim.get("veteran_proof_type"):
                    parts.append(choice_label("veteran_proof_type", claim["veteran_proof_type"]))
            answer = " · ".join(parts)
        elif claim.get("claimed") is False:
            answer = _("Not claimed")
        else:
            answer = _("Not answered")
        rows.append(PrintedAnswer(choice.preference.localized("name", locale), answer))
    return rows


def _demographics(answers: Mapping[str, Any]) -> list[PrintedAnswer]:
    demographics = _part(answers, "demographics")
    return [
        PrintedAnswer(
            str(LABELS[name]), choice_label(name, demographics.get(name)) or _("Not answered")
        )
        for name in ("ethnicity", "race", "gender", "heard_from")
    ]
