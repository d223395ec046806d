"""Listings and eligibility results as JSON-ready dictionaries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import url_for

from housing.i18n import DEFAULT_LOCALE
from housing.listings import services
from housing.listings.eligibility import Household, ListingResult, minimum_monthly_income
from housing.listings.models import (
    TEXT_FIELDS,
    Listing,
    Tenure,
    Unit,
    document_text_key,
    event_text_key,
)
from housing.listings.preferences import Preference


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def unit_summary(unit: Unit) -> dict[str, Any]:
    return {
        "unit_type": unit.unit_type.value,
        "count": unit.unit_count,
        "monthly_rent": money(unit.monthly_rent),
        "rent_percent_of_income": money(unit.rent_percent_of_income),
        "sale_price": money(unit.sale_price),
    }


def listing_summary(listing: Listing, now: datetime) -> dict[str, Any]:
    return {
        "id": listing.id,
        "name": listing.name,
        "address": {
            "street": listing.street_address,
            "city": listing.city,
            "state": listing.state,
            "postal_code": listing.postal_code,
        },
        "neighborhood": listing.neighborhood,
        "developer": listing.developer,
        "tenure": listing.tenure.value,
        "listing_type": listing.listing_type.value,
        "phase": listing.phase(now).value,
        "timezone": listing.timezone,
        "application_open_at": moment(listing.application_open_at),
        "application_due_at": moment(listing.application_due_at),
        "lottery_at": moment(listing.lottery_at),
        "reserved_community": listing.reserved_community.value
        if listing.reserved_community
        else None,
        "units": [unit_summary(unit) for unit in listing.units],
        "url": url_for("api.listing_detail", listing_id=listing.id, _external=True),
        "html_url": url_for("listings.detail", listing_id=listing.id, _external=True),
    }


def unit_detail(unit: Unit) -> dict[str, Any]:
    terms = services.unit_terms(unit)
    occupancy = terms.effective_occupancy
    for_sale = unit.listing.tenure is Tenure.SALE
    minimum = (
        minimum_monthly_income(terms.monthly_rent, terms.rent_multiple)
        if terms.monthly_rent is not None and terms.rent_multiple is not None
        else None
    )
    return {
        **unit_summary(unit),
        "hoa_dues": money(unit.hoa_dues),
        "rent_multiple": money(unit.rent_multiple),
        "minimum_monthly_income": money(minimum),
        # A home for sale's floor, set by its seller; a rent sets its own through the multiple.
        "minimum_income": money(unit.minimum_income) if for_sale else None,
        "minimum_ami_percent": unit.minimum_ami_percent if for_sale else None,
        "occupancy": {"minimum": occupancy.minimum, "maximum": occupancy.maximum},
        "ami_percent": unit.ami_percent,
        "ami_chart": {
            "name": unit.ami_chart.name,
            "type": unit.ami_chart.chart_type,
            "year": unit.ami_chart.year,
        },
        "accessibility": unit.accessibility.value if unit.accessibility else None,
        "status": unit.status.value,
    }


RULE_FIELDS = tuple(field for field in TEXT_FIELDS if field != "office_hours")


def language_tag(locale: str) -> str:
    """A locale as the BCP 47 tag clients send in Accept-Language ("zh_Hant" is "zh-Hant")."""
    return locale.replace("_", "-")


class LocalTexts:
    """The listing's own texts in one locale, English where the partner gave none, noting the
    language of each text under its path in the body ("events.0.notes")."""

    def __init__(self, listing: Listing, locale: str) -> None:
        self.listing = listing
        self.locale = locale
        self.languages: dict[str, str] = {}

    def _chosen(self, path: str, translated: str | None, english: str) -> str:
        if translated and self.locale != DEFAULT_LOCALE:
            self.languages[path] = language_tag(self.locale)
            return translated
        self.languages[path] = language_tag(DEFAULT_LOCALE)
        return english

    def listing_text(self, path: str, key: str) -> str:
        translated = self.listing.translation(key, self.locale)
        return self._chosen(path, translated, self.listing.source_text(key))

    def preference_text(self, path: str, preference: Preference, attribute: str) -> str:
        translated = (preference.translations or {}).get(self.locale, {}).get(attribute)
        english = str(getattr(preference, attribute) or "")
        return self._chosen(path, translated if isinstance(translated, str) else None, english)


def listing_detail(listing: Listing, now: datetime, locale: str) -> dict[str, Any]:
    texts = LocalTexts(listing, locale)
    body = {
        **listing_summary(listing, now),
        "language": language_tag(locale),
        "units": [unit_detail(unit) for unit in listing.units],
        "results_at": moment(listing.results_at),
        "senior": (
            {"minimum_age": listing.senior_minimum_age, "rule": listing.senior_rule.value}
            if listing.senior_minimum_age is not None and listing.senior_rule is not None
            else None
        ),
        "income_limits": [
            {"household_size": size, "ami_percent": percent, "annual_income": money(limit)}
            for size, cells in services.income_limit_table(listing)
            for percent, limit in cells
        ],
        "preferences": [
            {
                "code": item.preference.code,
                "name": texts.preference_text(f"preferences.{index}.name", item.preference, "name"),
                "description": texts.preference_text(
                    f"preferences.{index}.description", item.preference, "description"
                ),
                "rank": item.rank,
                "unit_share_percent": item.unit_share_percent,
                "veterans_first": item.veterans_first,
                "proof_types": list(item.preference.proof_types or []),
            }
            for index, item in enumerate(listing.preferences)
        ],
        "events": [
            {
                "kind": event.kind.value,
                "starts_at": moment(event.starts_at),
                "ends_at": moment(event.ends_at),
                **{
                    attribute: texts.listing_text(
                        f"events.{index}.{attribute}", event_text_key(event.id, attribute)
                    )
                    for attribute in ("location", "notes")
                },
            }
            for index, event in enumerate(listing.events)
        ],
        "documents": [
            {
                **{
                    attribute: texts.listing_text(
                        f"documents.{index}.{attribute}", document_text_key(document.id, attribute)
                    )
                    for attribute in ("title", "alt_text")
                },
                "kind": document.kind.value,
                "content_type": document.content_type,
                "url": url_for(
                    "listings.document",
                    listing_id=listing.id,
                    document_id=document.id,
                    _external=True,
                ),
            }
            for index, document in enumerate(listing.documents)
        ],
        "leasing_agent": {
            "name": listing.leasing_agent_name,
            "title": texts.listing_text("leasing_agent.title", "leasing_agent_title"),
            "email": listing.leasing_agent_email,
            "phone": listing.leasing_agent_phone,
            "office_address": listing.leasing_office_address,
            "office_hours": texts.listing_text("leasing_agent.office_hours", "office_hours"),
        },
        "rules": {field: texts.listing_text(f"rules.{field}", field) for field in RULE_FIELDS},
    }
    body["text_languages"] = texts.languages
    return body


def household(value: Household) -> dict[str, Any]:
    return {
        "size": value.size,
        "children_under_six": value.children_under_six,
        "annual_income": money(value.annual_income),
        "has_voucher": value.has_voucher,
        "oldest_member_age": value.oldest_member_age,
        "youngest_member_age": value.youngest_member_age,
    }


def eligibility_result(listing: Listing, result: ListingResult) -> dict[str, Any]:
    return {
        "listing_id": listing.id,
        "name": listing.name,
        "eligible": result.is_eligible,
        "reasons": sorted(reason.value for reason in result.reasons),
        "age_unchecked": result.age_unchecked,
        "units": [
            {
                "unit_type": unit_result.unit.unit_type.value,
                "ami_percent": unit_result.unit.ami_percent,
                "match": unit_result.is_match,
                "reasons": sorted(reason.value for reason in unit_result.reasons),
                "income_limit": money(unit_result.income_limit),
                "income_minimum": money(unit_result.income_minimum),
            }
            for unit_result in result.units
        ],
    }
