"""Form fields whose every message is in the project's own translation catalog."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Any, TypeVar

from babel.numbers import format_decimal
from flask_babel import get_locale
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from housing.i18n import DEFAULT_LOCALE, format_money, format_number
from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.typed_numbers import NumberNotRead, typed_amount, typed_whole_number
from housing.widgets import Dropdown, RadioButton, TextBox


def reader_locale() -> str:
    """The locale of the page being read: numbers are typed the way it writes them."""
    return str(get_locale() or DEFAULT_LOCALE)


def isolated(text: str) -> str:
    """Text set apart from the sentence around it, so that a number keeps its own order in a
    right-to-left sentence (Unicode first-strong isolate)."""
    return f"\u2068{text}\u2069"


def money_text(amount: Decimal) -> str:
    """An amount as the site writes money, with cents only when it has them."""
    return format_money(amount, cents=amount != amount.to_integral_value())


def _unclear_text(typed: str, readings: tuple[str, ...], *, money: bool) -> str:
    if len(readings) == 1:
        return _(
            "We could not read %(typed)s. Did you mean %(reading)s?",
            typed=isolated(typed),
            reading=isolated(readings[0]),
        )
    first, second = (isolated(reading) for reading in readings[:2])
    if money:
        return _(
            "%(typed)s could mean %(first)s or %(second)s. Please type the amount again the way you mean it.",
            typed=isolated(typed),
            first=first,
            second=second,
        )
    return _(
        "%(typed)s could mean %(first)s or %(second)s. Please type the number again the way you mean it.",
        typed=isolated(typed),
        first=first,
        second=second,
    )


def amount_read_back(amount: Decimal | None, period: str | None) -> str | None:
    """What the site understood of a typed amount, in words: "We read this as $20,000 a
    year." None when there is nothing to say back."""
    if amount is None:
        return None
    money = isolated(money_text(amount))
    if period == "month":
        return _("We read this as %(amount)s a month.", amount=money)
    if period == "year":
        return _("We read this as %(amount)s a year.", amount=money)
    return _("We read this as %(amount)s.", amount=money)


class NumberField(StringField):
    """A whole number typed by a person, the reader's way ("3", "٣"); a non-number is a field
    error, not a crash."""

    widget = TextBox()

    def __init__(self, label: Any = None, *, minimum: int, maximum: int, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            self.data = typed_whole_number(self.raw, reader_locale())
        except NumberNotRead as refusal:
            if refusal.reason == "unclear":
                readings = tuple(format_number(reading) for reading in refusal.readings)
                raise ValueError(_unclear_text(self.raw, readings, money=False)) from None
            raise ValueError(_("Enter a whole number, for example 3.")) from None

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        if not self.minimum <= self.data <= self.maximum:
            raise ValidationError(
                _l(
                    "Enter a number from %(minimum)s to %(maximum)s.",
                    minimum=self.minimum,
                    maximum=self.maximum,
                )
            )

    def _value(self) -> str:
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


class MoneyField(StringField):
    """An amount of US dollars typed the reader's way: "$3,500" and "3500.50" in English,
    "3.500,50 US$" in Spanish, and whatever the site displays. An amount that could be read
    two ways ("20.000" in English) is refused with both readings."""

    widget = TextBox()

    def __init__(self, label: Any = None, *, maximum: Decimal, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        self.data = read_money(self.raw)

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        if self.data < 0:
            raise ValidationError(_l("An amount cannot be negative."))
        if self.data > self.maximum:
            raise ValidationError(_l("That amount is too large. Please check it."))

    def _value(self) -> str:
        if getattr(self, "raw", None):
            return str(self.raw)
        if self.data is None:
            return ""
        return amount_input_text(self.data)


def read_money(typed: str) -> Decimal:
    """An amount typed in the reader's locale; ``ValueError`` with the message to show."""
    try:
        return typed_amount(typed, reader_locale())
    except NumberNotRead as refusal:
        if refusal.reason == "decimals":
            raise ValueError(_("Use at most two digits after the decimal point.")) from None
        if refusal.reason == "unclear":
            readings = tuple(money_text(reading) for reading in refusal.readings)
            raise ValueError(_unclear_text(typed, readings, money=True)) from None
        raise ValueError(_("Enter an amount in dollars, for example 3500.")) from None


def amount_input_text(amount: Decimal) -> str:
    """An amount written for an input box, the reader's way, so that it reads back as it is."""
    return str(format_decimal(amount, locale=reader_locale(), decimal_quantization=False))


class DateInputField(StringField):
    """A calendar date as YYYY-MM-DD (what a date input sends)."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            self.data = date.fromisoformat(self.raw)
        except ValueError:
            raise ValueError(_l("Enter a date like 2026-12-31.")) from None

    def _value(self) -> str:
        return getattr(self, "raw", None) or (self.data.isoformat() if self.data else "")


class TimeInputField(StringField):
    """A wall-clock time as HH:MM (what a time input sends)."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "time"})
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        if not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", self.raw):
            raise ValueError(_l("Enter a time like 17:30."))
        try:
            self.data = time.fromisoformat(self.raw)
        except ValueError:
            raise ValueError(_l("Enter a time like 17:30.")) from None

    def _value(self) -> str:
        return getattr(self, "raw", None) or (self.data.strftime("%H:%M") if self.data else "")


T = TypeVar("T")


def required(value: T | None) -> T:
    """A field value that validation has already guaranteed."""
    if value is None:
        raise ValueError("read a required field of a form that was not validated")
    return value


def options(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value is in the project's catalog."""

    widget = Dropdown()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options shown."))
        super().__init__(*args, **kwargs)


class RadioChoiceField(RadioField):
    option_widget = RadioButton()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options shown."))
        super().__init__(*args, **kwargs)


def first_errors(form: Any) -> dict[str, list[str]]:
    """Field errors as plain strings, for JSON and for the error summary."""
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}
