"""What of a page is still in English: its text read against the English catalogue.

A page in another language leaks English where a piece of its text is one of the portal's own
English messages (a msgid of ``translations/messages.pot``) that the language's catalogue does
not translate, or one of the listing texts a partner entered in English only. Text inside an
element marked ``lang="en"`` is English on purpose (a record kept as registered, content with no
translation, shown as such) and is not read; neither is what the resident typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import psycopg
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from housing.config import PROJECT_ROOT
from housing.listings.models import TRANSLATABLE_FIELDS

TRANSLATIONS = PROJECT_ROOT / "translations"
# A placeholder of a message: "%(name)s", "%(num)d", or "%%" for a percent sign.
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
# Placeholders that hold a number, as the page writes it in the reader's language.
_NUMBERS = frozenset(
    {"num", "number", "count", "rank", "total", "place", "size", "age", "maximum", "percent"}
    | {"round", "length", "first", "last", "days", "hours", "minutes", "people", "units"}
)
_NUMBER = r"[\d\s.,\u066b\u066c\u00a0\u202f\u0660-\u0669-]+"
# A message has to say something in words to be recognised inside other text.
_WORDS = re.compile(r"[A-Za-z]{3,}")
# Where a piece of text splits into the pieces a page writes side by side.
_SEPARATORS = re.compile(r"\s+[·|—]\s+|\s*\n\s*")

# Every text node of the page, with the language it is marked as, and the texts of attributes
# a reader meets (a screen reader reads aria-label and alt; a select shows its options).
_PAGE_TEXT = """() => {
    const skipped = "script, style, template, noscript";
    const pieces = [];
    const languageOf = element => (element.closest("[lang]")?.getAttribute("lang") || "");
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest(skipped)) continue;
        pieces.push([node.textContent, languageOf(parent)]);
    }
    for (const element of document.body.querySelectorAll("[aria-label], [alt], [title], [placeholder]")) {
        for (const name of ["aria-label", "alt", "title", "placeholder"]) {
            const value = element.getAttribute(name);
            if (value) pieces.push([value, languageOf(element)]);
        }
    }
    pieces.push([document.title, document.documentElement.getAttribute("lang") || ""]);
    return pieces;
}"""


@dataclass(frozen=True)
class EnglishMessages:
    """The English a page in ``language`` should not show."""

    language: str
    exact: frozenset[str]
    patterns: tuple[tuple[re.Pattern[str], str], ...]

    def english_in(self, text: str) -> str | None:
        """The English message ``text`` is (whole, or one of its side-by-side pieces), if any."""
        text = " ".join(text.split())
        for piece in [text, *_SEPARATORS.split(text)]:
            piece = piece.strip(" ·|—")
            for candidate in (piece, piece.rstrip(":").strip(), piece.strip("()")):
                if candidate in self.exact:
                    return candidate
        for pattern, message in self.patterns:
            if pattern.fullmatch(text):
                return message
        return None


def _forms(message: str | tuple[str, ...]) -> tuple[str, ...]:
    return message if isinstance(message, tuple) else (message,)


def _pattern(message: str) -> re.Pattern[str]:
    parts = []
    position = 0
    for found in _PLACEHOLDER.finditer(message):
        parts.append(re.escape(message[position : found.start()]))
        if found.group(0) == "%%":
            parts.append("%")
        else:
            parts.append(_NUMBER if found.group(1) in _NUMBERS else ".+?")
        position = found.end()
    parts.append(re.escape(message[position:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _catalog(path: str) -> Catalog:
    with open(path, "rb") as source:
        return read_po(source)


@cache
def source_messages() -> frozenset[str | tuple[str, ...]]:
    """The English messages of the catalogue template, and those of the source not extracted
    into it yet (a new message is English in every language until it is translated)."""
    messages: set[str | tuple[str, ...]] = {
        message.id for message in _catalog(str(TRANSLATIONS / "messages.pot")) if message.id
    }
    with (PROJECT_ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        if message:
            messages.add(tuple(message) if isinstance(message, (list, tuple)) else message)
    return frozenset(messages)


def catalog_english(language: str) -> tuple[set[str], list[tuple[re.Pattern[str], str]]]:
    """The English messages that ``language`` shows in English: untranslated, or not in its
    catalogue yet. A message its catalogue keeps as it is (a brand name, "SHA-256") is the same
    in both and is left out."""
    translated = _catalog(str(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"))
    exact: set[str] = set()
    patterns: list[tuple[re.Pattern[str], str]] = []
    for message_id in source_messages():
        own = translated.get(message_id)
        if own is not None and own.string and _forms(own.string) == _forms(message_id):
            continue
        for form in _forms(message_id):
            if not _WORDS.search(_PLACEHOLDER.sub("", form)):
                continue
            if _PLACEHOLDER.search(form):
                patterns.append((_pattern(form), form))
            else:
                exact.add(" ".join(form.replace("%%", "%").split()))
    return exact, patterns


def content_english(database_url: str) -> set[str]:
    """The English originals of what partners and staff wrote for residents to read: the
    listings' texts, their documents' titles and descriptions, the preferences' names and
    descriptions. Each paragraph and line counts on its own, as a page shows it."""
    texts: list[str] = []
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        columns = ", ".join(TRANSLATABLE_FIELDS)
        for row in connection.execute(f"SELECT {columns} FROM listings"):  # noqa: S608 - fixed names
            texts.extend(value for value in row if value)
        for row in connection.execute("SELECT title, alt_text FROM listing_documents"):
            texts.extend(value for value in row if value)
        for row in connection.execute("SELECT name, description FROM preferences"):
            texts.extend(value for value in row if value)
    english: set[str] = set()
    for text in texts:
        for line in [text, *text.splitlines()]:
            line = " ".join(line.split())
            if _WORDS.search(line):
                english.add(line)
    return english


def english_messages(language: str, database_url: str | None = None) -> EnglishMessages:
    exact, patterns = catalog_english(language)
    if database_url is not None:
        exact |= content_english(database_url)
    return EnglishMessages(language, frozenset(exact), tuple(patterns))


def english_on_page(page, messages: EnglishMessages, typed: Iterable[str] = ()) -> list[str]:  # type: ignore[no-untyped-def]
    """Each piece of English the page shows outside what is marked English and what the
    resident typed (``typed``), as "message" or "message (in: the text shown)"; every folded
    section is opened first, as a reader may open it."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    ignored = {" ".join(value.split()) for value in typed}
    found: list[str] = []
    for text, marked in page.evaluate(_PAGE_TEXT):
        shown = " ".join(text.split())
        if not shown or shown in ignored or marked.split("-")[0].lower() == "en":
            continue
        message = messages.english_in(shown)
        if message is None:
            continue
        entry = message if message == shown else f"{message} (in: {shown[:120]})"
        if entry not in found:
            found.append(entry)
    return found
