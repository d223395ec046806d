"""Locales, language negotiation and locale-aware formatting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import get_timezone_name
from babel.numbers import NumberPattern, parse_pattern
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import NullTranslations
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

LANGUAGE_COOKIE = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
# A link that names its language (``?lang=es``, as the links in messages do) opens in it.
LANGUAGE_PARAMETER = "lang"


@dataclass(frozen=True)
class SiteLocale:
    code: str
    native_name: str
    rtl: bool = False

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")


LOCALES: tuple[SiteLocale, ...] = (
    SiteLocale("en", "English"),
    SiteLocale("es", "Español"),
    SiteLocale("zh_Hant", "中文"),
    SiteLocale("fil", "Filipino"),
    SiteLocale("vi", "Tiếng Việt"),
    SiteLocale("ar", "العربية", rtl=True),
)
LOCALE_CODES: tuple[str, ...] = tuple(locale.code for locale in LOCALES)
DEFAULT_LOCALE = "en"

# Browser language tags that should land on one of the shipped locales.
_TAG_ALIASES = {
    "zh": "zh_Hant",
    "tl": "fil",
}


def locale_for_tag(tag: str) -> str | None:
    """Map a BCP 47 tag from a browser or a user ("zh-TW", "es-419", "fil") to a shipped locale."""
    normalized = tag.strip().replace("_", "-").lower()
    if not normalized:
        return None
    for code in LOCALE_CODES:
        if normalized == code.replace("_", "-").lower():
            return code
    primary = normalized.split("-", 1)[0]
    if primary in LOCALE_CODES:
        return primary
    return _TAG_ALIASES.get(primary)


def select_locale() -> str:
    """The link's language, the switcher's remembered choice, the browser's preference, then
    English."""
    if not has_request_context():
        return DEFAULT_LOCALE
    for chosen in (request.args.get(LANGUAGE_PARAMETER), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LOCALE_CODES:
            return chosen
    for tag, _quality in request.accept_languages:
        code = locale_for_tag(tag)
        if code is not None:
            return code
    return DEFAULT_LOCALE


def remember_language(response: Response, code: str) -> None:
    """Keep the reader's language for the next pages, as the switcher does."""
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax", httponly=True
    )


def current_site_locale() -> SiteLocale:
    code = str(get_locale() or DEFAULT_LOCALE)
    return next((loc for loc in LOCALES if loc.code == code), LOCALES[0])


def check_translations_folder(folder: Path) -> None:
    """Refuse to start with a translations folder that cannot serve every shipped locale."""
    if not folder.is_absolute():
        raise RuntimeError(f"The translations folder must be an absolute path, not {folder}")
    missing = [
        code
        for code in LOCALE_CODES
        if code != DEFAULT_LOCALE and not (folder / code / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        raise RuntimeError(
            f"Compiled translations are missing in {folder} for: {', '.join(missing)}. "
            "Run `make translations`."
        )


def babel_locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


# Where Flask-Babel keeps a request's locale (``force_locale`` replaces it there for a while).
_BABEL_SPACE = "_flask_babel"


def translations() -> NullTranslations:
    """The translations Flask-Babel's ``get_translations`` gives, found in a few attribute
    reads: a page asks for them a few hundred times (every form label is a lazy string), and
    Flask-Babel looks up the locale and its catalog on each call.

    Kept beside Flask-Babel's locale object for the request: a ``force_locale`` block (a message
    in its reader's language) puts another locale object there, so it gets its own catalog.
    """
    if not has_app_context():
        return get_translations()
    space = g.get(_BABEL_SPACE)
    locale = getattr(space, "babel_locale", None)
    if locale is None:  # the locale is not chosen yet: Flask-Babel chooses it
        return get_translations()
    kept = getattr(space, "housing_translations", None)
    if kept is None or kept[0] is not locale:
        kept = (locale, get_translations())
        space.housing_translations = kept
    return kept[1]


def gettext(text: str, /, **variables: object) -> str:
    """Flask-Babel's ``gettext``, through ``translations``."""
    translated = translations().ugettext(text)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, /, **variables: object) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(text: str, /, **variables: object) -> LazyString:
    """A text translated when it is shown, in the reader's language (form labels, choices)."""
    return LazyString(gettext, text, **variables)


# The same few amounts, dates and numbers are shown over and over (a listing's rents and limits
# on every page), so each is formatted once per locale and kept.
_FORMATTED = 8192


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=_FORMATTED)
def _money(code: str, amount: Decimal, cents: bool) -> str:
    pattern = _currency_pattern(code, 2 if cents else 0)
    value = amount.quantize(Decimal(1) if not cents else Decimal("0.01"), ROUND_HALF_UP)
    return str(pattern.apply(value, _locale(code), currency="USD", currency_digits=False))


@lru_cache(maxsize=64)
def _currency_pattern(locale_code: str, digits: int) -> NumberPattern:
    pattern = parse_pattern(_locale(locale_code).currency_formats["standard"].pattern)
    pattern.frac_prec = (digits, digits)
    return pattern


@lru_cache(maxsize=_FORMATTED)
def _number(code: str, value: Decimal | int | float) -> str:
    return babel_format_decimal(value, locale=_locale(code))


@lru_cache(maxsize=_FORMATTED)
def _local_datetime(code: str, moment: datetime, timezone: str, date_format: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    locale = _locale(code)
    combined = str(locale.datetime_formats[date_format]).format(
        babel_format_time(local, "short", locale=locale),
        babel_format_date(local, date_format, locale=locale),
    )
    return f"{combined} ({get_timezone_name(local, 'long', locale=locale)})"


@lru_cache(maxsize=_FORMATTED)
def _local_date(code: str, moment: datetime, timezone: str, fmt: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone)).date()
    return babel_format_date(local, fmt, locale=_locale(code))


def _money_in(code: str) -> Callable[..., str]:
    def format_money(amount: Decimal | int | float | None, *, cents: bool = False) -> str:
        """US dollars in the reader's locale; whole dollars unless cents are asked for."""
        if amount is None:
            return ""
        return _money(code, Decimal(amount), cents)

    return format_money


def _number_in(code: str) -> Callable[[Decimal | int | float], str]:
    def format_number(value: Decimal | int | float) -> str:
        return _number(code, value)

    return format_number


def _local_datetime_in(code: str) -> Callable[..., str]:
    def format_local_datetime(moment: datetime, timezone: str, date_format: str = "full") -> str:
        """A moment in the listing's own time zone, e.g. "Thursday, March 14, 2030, 11:59 PM
        (Pacific Daylight Time)", spelled the reader's way."""
        return _local_datetime(code, moment, timezone, date_format)

    return format_local_datetime


def _local_date_in(code: str) -> Callable[..., str]:
    def format_local_date(moment: datetime, timezone: str, fmt: str = "long") -> str:
        return _local_date(code, moment, timezone, fmt)

    return format_local_date


def formatters(locale: Locale) -> dict[str, Callable[..., str]]:
    """The ``format_*`` helpers bound to one locale, for a template's context."""
    code = str(locale)
    return {
        "format_money": _money_in(code),
        "format_number": _number_in(code),
        "format_local_datetime": _local_datetime_in(code),
        "format_local_date": _local_date_in(code),
    }


def format_money(amount: Decimal | int | float | None, *, cents: bool = False) -> str:
    """US dollars in the reader's locale; whole dollars unless cents are asked for."""
    return _money_in(str(babel_locale()))(amount, cents=cents)


def format_number(value: Decimal | int | float) -> str:
    return _number(str(babel_locale()), value)


def format_local_datetime(moment: datetime, timezone: str, date_format: str = "full") -> str:
    """A moment in the listing's own time zone, e.g. "Thursday, March 14, 2030, 11:59 PM
    (Pacific Daylight Time)", spelled the reader's way."""
    return _local_datetime(str(babel_locale()), moment, timezone, date_format)


def format_local_date(moment: datetime, timezone: str, fmt: str = "long") -> str:
    return _local_date(str(babel_locale()), moment, timezone, fmt)


def translations_folder() -> Path:
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
