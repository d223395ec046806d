"""The glossary check: one term per concept per locale, so that a resident meets one word for
"lottery" or "household" on every page.

``translations/glossary.toml`` names, for each concept, the English words that mention it and,
for each locale, the one term its translations use (with the inflected forms that count as that
term) and the terms they must not use. The check is pure: it takes the glossary and the
catalogs, so that a test can hand it a catalog built on the spot.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

# Placeholders name variables, not concepts: "%(listing)s" says nothing about the word "listing".
_PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]|%[a-z]|\{\w*\}")


@dataclass(frozen=True)
class LocaleTerms:
    term: str
    forms: tuple[str, ...]
    forbidden: tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    name: str
    english: tuple[str, ...]
    ignore: frozenset[str]
    locales: Mapping[str, LocaleTerms]

    def mentioned_in(self, text: str) -> bool:
        text = _PLACEHOLDER.sub("", text)
        return any(
            re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) for word in self.english
        )


def load_glossary(path: Path) -> list[Concept]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    concepts = []
    for name, entry in data["concepts"].items():
        locales = {}
        for code, terms in entry.get("locales", {}).items():
            term = terms["term"]
            locales[code] = LocaleTerms(
                term=term,
                forms=(term, *terms.get("forms", ())),
                forbidden=tuple(terms.get("forbidden", ())),
            )
        concepts.append(
            Concept(
                name=name,
                english=tuple(entry["english"]),
                ignore=frozenset(entry.get("ignore", ())),
                locales=locales,
            )
        )
    return concepts


def _texts(value: object) -> list[str]:
    if isinstance(value, tuple | list):
        return [str(part) for part in value if part]
    return [str(value)] if value else []


def _contains(text: str, term: str) -> bool:
    return term.casefold() in text.casefold()


def _message_problems(concept: Concept, code: str, message: Message) -> Iterable[str]:
    terms = concept.locales[code]
    msgid = _texts(message.id)[0]
    translations = [_PLACEHOLDER.sub("", text) for text in _texts(message.string)]
    for forbidden in terms.forbidden:
        if any(_contains(text, forbidden) for text in translations):
            yield (
                f"{code}: {msgid!r} uses {forbidden!r} for {concept.name}; "
                f"the glossary term is {terms.term!r}"
            )
    if msgid in concept.ignore or not any(
        concept.mentioned_in(text) for text in _texts(message.id)
    ):
        return
    if not all(any(_contains(text, form) for form in terms.forms) for text in translations):
        yield (
            f"{code}: {msgid!r} does not use the glossary term {terms.term!r} for {concept.name}"
        )


def check_glossary(concepts: Iterable[Concept], catalogs: Mapping[str, Catalog]) -> list[str]:
    """Every problem as a line naming the locale, the msgid and the term. A forbidden term is
    refused in every message of its locale; a message whose English mentions the concept must
    use the locale's term (untranslated messages are left to the completeness check)."""
    problems: list[str] = []
    for concept in concepts:
        for code, catalog in catalogs.items():
            if code not in concept.locales:
                continue
            for message in catalog:
                if message.id and _texts(message.string):
                    problems.extend(_message_problems(concept, code, message))
    return problems
