"""Amounts and counts as residents type them, read in the reader's locale: whatever the site
itself displays reads back as the same number, and a number that could be read two ways is
refused with both readings, never read silently as the smaller one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal, parse_pattern
from hypothesis import given
from hypothesis import strategies as st

from housing.typed_numbers import (
    NumberNotRead,
    date_part_order,
    typed_amount,
    typed_digits,
    typed_whole_number,
)

LOCALES = ["en", "es", "zh_Hant", "fil", "vi", "ar"]
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x660 + digit) for digit in range(10)))
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + digit) for digit in range(10)))
# The Arabic decimal and thousands separators.
ARABIC_SEPARATORS = str.maketrans(".,", "\u066b\u066c")


def arabic(text: str) -> str:
    return text.translate(ARABIC_INDIC).translate(ARABIC_SEPARATORS)


amounts = st.decimals(min_value=0, max_value=5_000_000, places=2, allow_nan=False)


def site_money(amount: Decimal, locale: str, digits: int) -> str:
    """The currency text the site prints (housing.i18n.format_money, without a request)."""
    pattern = parse_pattern(Locale.parse(locale).currency_formats["standard"].pattern)
    pattern.frac_prec = (digits, digits)
    return str(pattern.apply(amount, Locale.parse(locale), currency="USD", currency_digits=False))


@pytest.mark.parametrize(
    ("locale", "typed", "amount"),
    [
        ("en", "20,000", "20000"),
        ("en", "$20,000.00", "20000"),
        ("en", " 3500 ", "3500"),
        ("en", "20000.5", "20000.5"),
        ("en", "20 000", "20000"),
        ("en", "1200".translate(FULL_WIDTH), "1200"),
        ("es", "20.000", "20000"),
        ("es", "1.212 US$", "1212"),
        ("es", "1.212\u00a0US$", "1212"),
        ("es", "20.000,50", "20000.50"),
        ("es", "20000", "20000"),
        ("es", "3500,5", "3500.5"),
        ("vi", "20.000", "20000"),
        ("zh_Hant", "US$20,000.00", "20000"),
        ("fil", "$1,212", "1212"),
        ("ar", "\u200f20,000.00\u00a0US$", "20000"),
        ("ar", arabic("20,000"), "20000"),
        ("ar", arabic("20000.5"), "20000.5"),
        ("ar", arabic("20000"), "20000"),
    ],
)
def test_an_amount_is_read_the_readers_way(locale, typed, amount):
    assert typed_amount(typed, locale) == Decimal(amount)


@pytest.mark.parametrize(
    ("locale", "typed", "readings"),
    [
        # A dot or a comma before three digits is a thousands separator somewhere.
        ("en", "20.000", {"20000", "20"}),
        ("en", "$1.500", {"1500", "1.5"}),
        ("es", "20,000", {"20000", "20"}),
        ("vi", "20,000", {"20000", "20"}),
        ("ar", "20.000", {"20000", "20"}),
        # Written the other way round.
        ("en", "20.000,50", {"20000.50"}),
        ("en", "1.234.567", {"1234567"}),
        ("es", "1,234,567", {"1234567"}),
    ],
)
def test_an_amount_that_reads_two_ways_is_refused_with_its_readings(locale, typed, readings):
    with pytest.raises(NumberNotRead) as refused:
        typed_amount(typed, locale)
    assert refused.value.reason == "unclear"
    assert {str(reading.normalize()) for reading in refused.value.readings} == {
        str(Decimal(reading).normalize()) for reading in readings
    }


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("lots", "unreadable"),
        ("NaN", "unreadable"),
        ("1e5", "unreadable"),
        ("Infinity", "unreadable"),
        ("", "unreadable"),
        ("$", "unreadable"),
        ("0.505", "decimals"),
        ("12.5.5", "unreadable"),
    ],
)
def test_an_amount_that_is_no_amount_is_refused(typed, reason):
    with pytest.raises(NumberNotRead) as refused:
        typed_amount(typed, "en")
    assert refused.value.reason == reason


def test_a_negative_amount_keeps_its_sign_for_the_field_to_refuse():
    assert typed_amount("-5", "en") == Decimal(-5)
    assert typed_amount("\u22125", "es") == Decimal(-5)


@pytest.mark.parametrize("locale", LOCALES)
@given(amount=amounts)
def test_what_the_site_displays_reads_back_as_the_same_amount(locale, amount):
    for shown in (
        format_currency(amount, "USD", locale=locale),
        format_decimal(amount, locale=locale),
        site_money(amount, locale, 2),
    ):
        assert typed_amount(shown, locale) == amount, shown
    whole = amount.quantize(Decimal(1))
    assert typed_amount(site_money(whole, locale, 0), locale) == whole


@given(amount=amounts)
def test_arabic_indic_digits_read_back_as_the_same_amount(amount):
    shown = format_decimal(amount, locale="ar", numbering_system="arab")
    assert typed_amount(shown, "ar") == amount, shown


@pytest.mark.parametrize("locale", LOCALES)
@given(count=st.integers(min_value=0, max_value=999_999))
def test_a_count_the_site_displays_reads_back(locale, count):
    assert typed_whole_number(format_decimal(count, locale=locale), locale) == count


@pytest.mark.parametrize(
    ("locale", "typed", "count"),
    [
        ("en", "3", 3),
        ("ar", arabic("3"), 3),
        ("zh_Hant", "3".translate(FULL_WIDTH), 3),
        ("es", " 12 ", 12),
        ("en", "-1", -1),
    ],
)
def test_a_count_is_read_in_any_digits(locale, typed, count):
    assert typed_whole_number(typed, locale) == count


@pytest.mark.parametrize(("locale", "typed"), [("en", "two"), ("en", "2.5"), ("es", "2,5")])
def test_a_count_that_is_not_whole_is_refused(locale, typed):
    with pytest.raises(NumberNotRead):
        typed_whole_number(typed, locale)


def test_a_thousand_typed_with_a_dot_in_english_is_not_read_as_one():
    with pytest.raises(NumberNotRead) as refused:
        typed_whole_number("1.000", "en")
    assert refused.value.reason == "unclear"


def test_digits_of_any_script_are_written_0_to_9():
    assert typed_digits(arabic("555-123-4567")) == "555-123-4567"
    assert typed_digits("1985".translate(FULL_WIDTH)) == "1985"
    assert typed_digits("abc") == "abc"


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("en", ("month", "day", "year")),
        ("fil", ("month", "day", "year")),
        ("es", ("day", "month", "year")),
        ("vi", ("day", "month", "year")),
        ("ar", ("day", "month", "year")),
        ("zh_Hant", ("year", "month", "day")),
    ],
)
def test_the_parts_of_a_date_come_in_the_locales_order(locale, order):
    assert date_part_order(locale) == order
