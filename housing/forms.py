"""Form fields whose every message is in the project's own translation catalog."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

_MONEY_NOISE = re.compile(r"[\s$,]|US\$")


class NumberField(StringField):
    """A whole number typed by a person; a non-number is a field error, not a crash."""

    def __init__(self, label: Any = None, *, minimum: int, maximum: int, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        if not re.fullmatch(r"[+-]?\d+", self.raw):
            raise ValueError(_l("Enter a whole number, for example 3."))
        self.data = int(self.raw)

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
    """An amount of US dollars; accepts "$3,500" and "3500.50"."""

    def __init__(self, label: Any = None, *, maximum: Decimal, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        cleaned = _MONEY_NOISE.sub("", self.raw)
        try:
            amount = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(_l("Enter an amount in dollars, for example 3500.")) from None
        if not amount.is_finite():
            raise ValueError(_l("Enter an amount in dollars, for example 3500."))
        self.data = amount

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        if self.data < 0:
            raise ValidationError(_l("An amount cannot be negative."))
        if self.data > self.maximum:
            raise ValidationError(_l("That amount is too large. Please check it."))
        if self.data.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValidationError(_l("Use at most two digits after the decimal point."))

    def _value(self) -> str:
        return getattr(self, "raw", None) or ("" if self.data is None else str(self.data))


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options shown."))
        super().__init__(*args, **kwargs)


class RadioChoiceField(RadioField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options shown."))
        super().__init__(*args, **kwargs)


def first_errors(form: Any) -> dict[str, list[str]]:
    """Field errors as plain strings, for JSON and for the error summary."""
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}
