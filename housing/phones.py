"""US phone numbers as people type them: the one rule, for the forms and the text messages."""

from __future__ import annotations

import re

_PHONE_NOISE = re.compile(r"[\s().\-]")


def normalized_phone(raw: str) -> str | None:
    """Ten US digits, or None when the text is not a US phone number."""
    digits = _PHONE_NOISE.sub("", raw)
    if digits.startswith("+1"):
        digits = digits[2:]
    elif digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not digits.isdigit() or len(digits) != 10 or digits[0] in "01":
        return None
    return digits
