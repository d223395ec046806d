"""Application and lottery numbers as people type them.

People copy a number from a letter, a text message or a screen, and write a long one in
groups: "8358-3663", "8358 3663", "abcd-efgh23". Every place that takes a number typed by a
person reads it through ``typed_number``, so that each finds what the others find.

Amounts and counts are read the reader's way: "20.000" is twenty thousand in Spanish, and
whatever the site displays ("1.212 US$", "\u200f1,212.00 US$", Arabic-Indic digits) reads back
as the number it shows.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal


def typed_number(text: str) -> str:
    """The number as stored: spaces and dashes of any kind left out, digits of any script
    (Arabic-Indic, Devanagari...) written 0-9, and letters in capitals (application numbers
    are stored in capitals; lottery numbers are digits only)."""
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char.upper()
        for char in text
        if not (char.isspace() or unicodedata.category(char) == "Pd")
    )


# Marks that only steer the direction of text (the site writes one before Arabic amounts).
_DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"), None)
_DIRECTION_MARKS.update(dict.fromkeys(range(0x2066, 0x206A), None))
# The Arabic decimal and thousands separators, whatever the locale's own are.
_ARABIC_DECIMAL = "\u066b"
_ARABIC_GROUP = "\u066c"
_MINUS_SIGNS = "\u2212\u2012\u2013\ufe63\uff0d"
_CURRENCY = re.compile(r"US\$|USD|\$|dollars?", re.IGNORECASE)
_DATE_PARTS = {"d": "day", "M": "month", "L": "month", "y": "year"}


class NumberNotRead(ValueError):
    """A typed number that cannot be taken as it is.

    ``reason`` is "unreadable" (not a number), "decimals" (more decimal places than the
    amount has) or "unclear" (written another way than the reader's locale writes numbers);
    ``readings`` are the numbers it could have meant, for the resident to choose from."""

    def __init__(self, reason: str, readings: tuple[Decimal, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.readings = readings


def typed_digits(text: str) -> str:
    """The text with digits of any script (Arabic-Indic, full-width...) written 0-9."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def _symbols(locale: str) -> tuple[str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale)


def _cleaned(text: str, locale: str) -> str:
    """The number alone: digits 0-9, the locale's separators, and a leading sign."""
    decimal_symbol, group_symbol = _symbols(locale)
    text = typed_digits(unicodedata.normalize("NFKC", text)).translate(_DIRECTION_MARKS)
    text = text.replace(_ARABIC_DECIMAL, decimal_symbol).replace(_ARABIC_GROUP, group_symbol)
    text = _CURRENCY.sub(" ", text)
    for minus in _MINUS_SIGNS:
        text = text.replace(minus, "-")
    # Spaces between digits group them, as the grouping symbol does.
    return re.sub(r"\s+", group_symbol, text.strip())


def _other_way(text: str) -> str:
    """The text with dots and commas swapped: the other convention of writing numbers."""
    return text.translate(str.maketrans(".,", ",."))


def _strict(text: str, locale: str) -> Decimal | None:
    if not re.fullmatch(r"[+-]?\d[\d.,]*", text) or text[-1] in ".,":
        return None
    try:
        return parse_decimal(text, locale, strict=True)
    except NumberFormatError:
        return None


def _suggestions(text: str, locale: str) -> list[Decimal]:
    found = []
    try:
        parse_decimal(text, locale, strict=True)
    except NumberFormatError as error:
        for suggestion in getattr(error, "suggestions", None) or []:
            reading = _strict(suggestion, locale)
            if reading is not None:
                found.append(reading)
    swapped = _strict(_other_way(text), locale)
    if swapped is not None:
        found.append(swapped)
    return found


def typed_amount(text: str, locale: str, *, places: int = 2) -> Decimal:
    """An amount as a resident of ``locale`` types it: "20.000" or "20.000,50 US$" in
    Spanish, "$20,000.50" in English, with digits of any script, and as the site displays
    amounts. Raises ``NumberNotRead``.

    "20.000" in English (or "20,000" in Spanish) is refused as unclear, with both readings:
    money never has three decimal places, so it is surely written the other way, yet reading
    it so would guess; read the reader's way it would be twenty dollars."""
    cleaned = _cleaned(text, locale)
    decimal_symbol, group_symbol = _symbols(locale)
    if not re.fullmatch(r"[+-]?\d[\d.,]*", cleaned or "x"):
        raise NumberNotRead("unreadable")
    sign, digits = ("-", cleaned[1:]) if cleaned[0] in "+-" else ("", cleaned)
    grouped_elsewhere = re.fullmatch(rf"(\d{{1,3}}){re.escape(decimal_symbol)}(\d{{3}})", digits)
    if grouped_elsewhere and group_symbol in ".,":
        whole, thousands = grouped_elsewhere.groups()
        both = (Decimal(f"{sign}{whole}{thousands}"), Decimal(f"{sign}{whole}.{thousands}"))
        if int(whole) > 0:
            raise NumberNotRead("unclear", tuple(r.normalize() for r in both if _fits(r, places)))
    amount = _strict(cleaned, locale)
    if amount is None:
        readings = tuple(
            dict.fromkeys(r for r in _suggestions(cleaned, locale) if _fits(r, places))
        )
        raise NumberNotRead("unclear" if readings else "unreadable", readings)
    if not _fits(amount, places):
        raise NumberNotRead("decimals")
    return amount


def _fits(amount: Decimal, places: int) -> bool:
    if not amount.is_finite():
        return False
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return True
    try:
        return amount == amount.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than the decimal context holds
        return False


def typed_whole_number(text: str, locale: str) -> int:
    """A count as a resident of ``locale`` types it ("3", "٣", "1.000" in Spanish). Raises
    ``NumberNotRead``; a number with a fraction is "unreadable" as a count."""
    try:
        amount = typed_amount(text, locale, places=0)
    except NumberNotRead as refusal:
        if refusal.reason == "decimals":
            raise NumberNotRead("unreadable") from None
        raise
    return int(amount)


def date_part_order(locale: str) -> tuple[str, ...]:
    """ "day", "month" and "year" in the order the locale writes a short date."""
    pattern = Locale.parse(locale).date_formats["short"].pattern
    order: list[str] = []
    for letter in pattern:
        part = _DATE_PARTS.get(letter)
        if part and part not in order:
            order.append(part)
    return tuple(order)
