"""Answers said back the way the site understood them, in the reader's language: an income
kept as "20000" reads "20.000 US$" in Spanish, a date of birth kept as 1985-04-23 reads as the
locale writes dates. An answer that is no valid amount or date is shown as it was typed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.dates import format_date

from housing.applications import rules
from housing.forms import money_text, reader_locale


def income_text(income: Mapping[str, Any]) -> str | None:
    """The income amount as money, or as typed when it is no amount; None when unanswered."""
    raw = income.get("amount") if isinstance(income, Mapping) else None
    if raw in (None, ""):
        return None
    amount = rules.annual_income({"amount": raw, "period": "year"})
    return money_text(amount) if amount is not None else str(raw)


def birth_date_text(value: Any) -> str | None:
    """A date kept as YYYY-MM-DD in the reader's way of writing dates; None when unanswered."""
    if not isinstance(value, str) or not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return value
    if len(value) != 10:
        return value
    return str(format_date(born, "medium", locale=reader_locale()))
