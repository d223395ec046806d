"""Fonts for the PDFs the portal prints (the lottery's results, an application's copy), and the
text helpers both share.

``font_for`` picks a Unicode font for a reader's language from font folders on the machine;
``site_font`` looks in the site's own font folder first, and ``pdf_locale`` says which language
a reader gets a PDF in. Only those two read the app; the rest is pure.
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont

DEFAULT_FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts",)


@dataclass(frozen=True)
class FontChoice:
    """A font file to draw every text with.

    ``index`` is the face number inside a .ttc/.otc collection (0 for a plain font file).
    ``fallback`` is a font used for characters the main font lacks (the Arabic font has no
    Latin letters, which hashes and addresses need). ``shaping`` turns on HarfBuzz shaping,
    which joining scripts such as Arabic need."""

    path: Path
    index: int = 0
    fallback: Path | None = None
    shaping: bool = False


# Font selection -----------------------------------------------------------------------------

_LATIN_FILES = ("NotoSans-Regular.ttf", "DejaVuSans.ttf", "LiberationSans-Regular.ttf")
_ARABIC_FILES = ("NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf")
_CJK_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Regular.otc")
_TC_FILES = ("NotoSansCJKtc-Regular.otf", "NotoSansTC-Regular.otf", "NotoSansTC-Regular.ttf")

_LATIN_SAMPLE = "AZaz09:/.-#ÁÉÍÓÚÑáéíóúñü¿¡"
_VIETNAMESE_SAMPLE = (
    _LATIN_SAMPLE + "ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
_ARABIC_SAMPLE = "".join(map(chr, [*range(0x0621, 0x063B), *range(0x0641, 0x064B)])) + "0123456789"
_TRADITIONAL_SAMPLE = "AZaz09抽籤結果號碼優先權證書頁第共"

_LATIN_LANGUAGES = frozenset({"en", "es", "fil", "tl"})


def built_in_font_covers(locale: str) -> bool:
    """Whether text in this language renders with ``font=None`` (the built-in Helvetica)."""
    return locale.replace("-", "_").split("_")[0].lower() in _LATIN_LANGUAGES


def font_for(locale: str, search: Sequence[str] = DEFAULT_FONT_DIRS) -> FontChoice | None:
    """A font covering the script of ``locale`` found under the folders in ``search``, or None.

    Folders are searched in order, each with its sub-folders. Handles ``en``, ``es``, ``fil``, ``vi``, ``ar`` and ``zh_Hant`` (also written ``zh-Hant``
    or with a region); any other locale gets None."""
    folders = list(search)
    parts = locale.replace("-", "_").split("_")
    language = parts[0].lower()
    if language in _LATIN_LANGUAGES:
        return _latin_font(folders, _LATIN_SAMPLE)
    if language == "vi":
        return _latin_font(folders, _VIETNAMESE_SAMPLE)
    if language == "ar":
        return _arabic_font(folders)
    if language == "zh" and any(part.lower() in {"hant", "tw", "hk", "mo"} for part in parts[1:]):
        return _traditional_chinese_font(folders)
    return None


def _latin_font(folders: Sequence[str], sample: str) -> FontChoice | None:
    path = _find_covering(folders, _LATIN_FILES, sample)
    return None if path is None else FontChoice(path=path)


def _arabic_font(folders: Sequence[str]) -> FontChoice | None:
    if importlib.util.find_spec("uharfbuzz") is None:
        return None
    path = _find_covering(folders, _ARABIC_FILES, _ARABIC_SAMPLE)
    latin = _find_covering(folders, _LATIN_FILES, _LATIN_SAMPLE)
    if path is None or latin is None:
        return None
    return FontChoice(path=path, fallback=latin, shaping=True)


def _traditional_chinese_font(folders: Sequence[str]) -> FontChoice | None:
    for folder in folders:
        files = _font_files(folder)
        for name in _CJK_FILES:
            if name in files:
                index = _traditional_face(files[name])
                if index is not None and _covers(files[name], index, _TRADITIONAL_SAMPLE):
                    return FontChoice(path=files[name], index=index)
        for name in _TC_FILES:
            if name in files and _covers(files[name], 0, _TRADITIONAL_SAMPLE):
                return FontChoice(path=files[name])
    return None


def _find_covering(folders: Sequence[str], names: Sequence[str], sample: str) -> Path | None:
    for folder in folders:
        files = _font_files(folder)
        for name in names:
            if name in files and _covers(files[name], 0, sample):
                return files[name]
    return None


def _font_files(folder: str) -> dict[str, Path]:
    """File name to path for every file under ``folder``; the first in sorted order wins."""
    found: dict[str, Path] = {}
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            found.setdefault(name, Path(root) / name)
    return found


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _covers(path: Path, index: int, sample: str) -> bool:
    try:
        return _covers_cached(_file_key(path), index, sample)
    except OSError:
        return False


@lru_cache(maxsize=64)
def _covers_cached(key: tuple[str, int, int], index: int, sample: str) -> bool:
    try:
        with TTFont(key[0], fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:  # a damaged or unreadable font file is one that does not cover
        return False
    return all(ord(char) in cmap for char in sample)


def _traditional_face(path: Path) -> int | None:
    try:
        return _traditional_face_cached(_file_key(path))
    except OSError:
        return None


@lru_cache(maxsize=16)
def _traditional_face_cached(key: tuple[str, int, int]) -> int | None:
    """The index of the proportional Traditional Chinese ("TC") face in a collection."""
    try:
        with TTCollection(key[0], lazy=True) as collection:
            names = [face["name"].getDebugName(1) or "" for face in collection.fonts]
    except Exception:  # an unreadable collection offers no face
        return None
    for index, name in enumerate(names):
        words = name.split()
        if "TC" in words and "Mono" not in words:
            return index
    return None


def site_font(locale: str) -> FontChoice | None:
    """A font for the locale's script, looked for in the site's own font folder first."""
    folder = current_app.config["HOUSING"].pdf_fonts_folder
    return font_for(
        locale, DEFAULT_FONT_DIRS if folder is None else (str(folder), *DEFAULT_FONT_DIRS)
    )


def pdf_locale(locale: str) -> str:
    """The language a reader gets a PDF in: their own where the server has a font for its
    script, otherwise English rather than boxes."""
    if site_font(locale) is None and not built_in_font_covers(locale):
        return "en"
    return locale


# Drawing text -------------------------------------------------------------------------------


def use_font(pdf: FPDF, font: FontChoice | None, size: float) -> None:
    """Draw the document's text with ``font``, or with the built-in Helvetica for None."""
    if font is None:
        pdf.set_font("helvetica", size=size)
        return
    pdf.add_font("body", "", str(font.path), collection_font_number=font.index)
    if font.fallback is not None:
        pdf.add_font("fallback", "", str(font.fallback))
        pdf.set_fallback_fonts(["fallback"], exact_match=False)
    if font.shaping:
        pdf.set_text_shaping(True)
    pdf.set_font("body", size=size)


def close_fonts(pdf: FPDF) -> None:
    """Let go of the font files a finished document read."""
    for loaded in pdf.fonts.values():
        if isinstance(loaded, TTFFont):
            loaded.close()


# What the built-in font draws for a character outside Latin-1 that has a plain look-alike.
_CORE_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u20ac": "EUR",
    "\u2009": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u0110": "D",
    "\u0111": "d",
}


def page_words(pattern: str, page: int, pages: int) -> str:
    """A page's footer ("Page 2 of 5") from its translated pattern, or "2 / 5" when a
    translation names other placeholders."""
    try:
        return pattern.format(page=page, pages=pages)
    except (KeyError, IndexError, ValueError):
        return f"{page} / {pages}"


def clean_text(words: str, *, core: bool) -> str:
    """Text ready to draw: NFC-composed, control characters other than line breaks turned to
    spaces, and for the built-in font anything outside Latin-1 replaced."""
    words = unicodedata.normalize("NFC", words)
    if not words.isprintable():
        words = "".join(
            char if char == "\n" or unicodedata.category(char) != "Cc" else " " for char in words
        )
    if core:
        try:
            words.encode("latin-1")
        except UnicodeEncodeError:
            words = "".join(_latin1_char(char) for char in words)
    return words


def _latin1_char(char: str) -> str:
    if ord(char) < 256:
        return char
    if char in _CORE_REPLACEMENTS:
        return _CORE_REPLACEMENTS[char]
    base = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if ord(part) < 256 and not unicodedata.combining(part)
    )
    return base or "?"
