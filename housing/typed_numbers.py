"""Application and lottery numbers as people type them.

People copy a number from a letter, a text message or a screen, and write a long one in
groups: "8358-3663", "8358 3663", "abcd-efgh23". Every place that takes a number typed by a
person reads it through ``typed_number``, so that each finds what the others find.
"""

from __future__ import annotations

import unicodedata


def typed_number(text: str) -> str:
    """The number as stored: spaces and dashes of any kind left out, digits of any script
    (Arabic-Indic, Devanagari...) written 0-9, and letters in capitals (application numbers
    are stored in capitals; lottery numbers are digits only)."""
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char.upper()
        for char in text
        if not (char.isspace() or unicodedata.category(char) == "Pd")
    )
