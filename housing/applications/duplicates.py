"""Keys that reveal two applications from one household. Pure: no Flask, no database.

Two applications to a listing share a key when a household member appears in both (same
normalized name and date of birth), when they give the same email, or the same home address.
Staff review the groups that share a key; nothing is removed automatically.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any


class DuplicateRule(enum.StrEnum):
    NAME_AND_BIRTH_DATE = "name_dob"
    EMAIL = "email"
    ADDRESS = "address"


_NOT_LETTERS = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
# Common street words people write both ways.
_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "road": "rd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "terrace": "ter",
    "apartment": "apt",
    "unit": "apt",
    "suite": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}


def normalize_text(text: str) -> str:
    """Case, accents, punctuation and spacing removed: "  José  O'Neil" -> "jose oneil"."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    cleaned = _NOT_LETTERS.sub("", without_marks.casefold())
    return _SPACES.sub(" ", cleaned).strip()


def name_key(first_name: str, last_name: str, date_of_birth: str) -> str | None:
    name = normalize_text(f"{first_name} {last_name}")
    if not name or not date_of_birth:
        return None
    return f"{name}|{date_of_birth}"


def email_key(email: str) -> str | None:
    cleaned = email.strip().casefold()
    return cleaned or None


def address_key(address: Mapping[str, Any]) -> str | None:
    street = normalize_text(str(address.get("street") or ""))
    if not street:
        return None
    words = [_STREET_WORDS.get(word, word) for word in street.split()]
    unit = normalize_text(str(address.get("unit") or ""))
    unit_words = [_STREET_WORDS.get(word, word) for word in unit.split()]
    # "Apt 4" and "4" are the same unit.
    unit_words = [word for word in unit_words if word != "apt"]
    postal = str(address.get("postal_code") or "").strip()[:5]
    return " ".join([*words, "#", *unit_words, postal]).strip()


def duplicate_keys(answers: Mapping[str, Any]) -> Iterator[tuple[DuplicateRule, str]]:
    """Every key of a (valid, submitted) application, each once."""
    seen: set[tuple[DuplicateRule, str]] = set()
    applicant = answers.get("applicant") or {}
    people = [applicant, *(answers.get("household") or [])]
    candidates: list[tuple[DuplicateRule, str | None]] = [
        (
            DuplicateRule.NAME_AND_BIRTH_DATE,
            name_key(
                str(person.get("first_name") or ""),
                str(person.get("last_name") or ""),
                str(person.get("date_of_birth") or ""),
            ),
        )
        for person in people
    ]
    if not applicant.get("no_email"):
        candidates.append((DuplicateRule.EMAIL, email_key(str(applicant.get("email") or ""))))
    candidates.append((DuplicateRule.ADDRESS, address_key(applicant.get("address") or {})))
    for rule, key in candidates:
        if key is not None and (rule, key) not in seen:
            seen.add((rule, key))
            yield rule, key[:300]
