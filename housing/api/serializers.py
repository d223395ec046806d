"""Listings and eligibility results as JSON-ready dictionaries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import url_for

from housing.listings import services
from housing.listings.eligibility import Household, ListingResult, minimum_monthly_income
from housing.listings.models import TEXT_FIELDS, Listing, Unit


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


def listing_detail(listing: Listing, now: datetime, locale: str) -> dict[str, Any]:
    return {
        **listing_summary(listing, now),
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
                "name": item.preference.localized("name", locale),
                "description": item.preference.localized("description", locale),
                "rank": item.rank,
                "unit_share_percent": item.unit_share_percent,
                "veterans_first": item.veterans_first,
                "proof_types": list(item.preference.proof_types or []),
            }
            for item in listing.preferences
        ],
        "events": [
            {
                "kind": event.kind.value,
                "starts_at": moment(event.starts_at),
                "ends_at": moment(event.ends_at),
                "location": event.location,
            }
            for event in listing.events
        ],
        "documents": [
            {
                "title": document.title,
                "kind": document.kind.value,
                "content_type": document.content_type,
                "url": url_for(
                    "listings.document",
                    listing_id=listing.id,
                    document_id=document.id,
                    _external=True,
                ),
            }
            for document in listing.documents
        ],
        "leasing_agent": {
            "name": listing.leasing_agent_name,
            "title": listing.leasing_agent_title,
            "email": listing.leasing_agent_email,
            "phone": listing.leasing_agent_phone,
            "office_address": listing.leasing_office_address,
            "office_hours": listing.localized("office_hours", locale),
        },
        "rules": {field: listing.localized(field, locale) for field in RULE_FIELDS},
    }


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
            }
            for unit_result in result.units
        ],
    }
