"""What every template can use: locale facts and locale-aware formatting.

Each rendering looks up the reader's translations and locale once, when its context is made,
and gives the template ``gettext``, ``ngettext`` and the ``format_*`` helpers bound to them: a
page calls them a few hundred times, and asking Flask-Babel for the request's locale on each
call was a large part of a page's cost. A template rendered under ``force_locale`` (a message
in its reader's language) is bound to that locale, because its context is made inside it.
Macros imported without context fall back to the global helpers, which ask on each call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, has_request_context, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from housing import form_fields, i18n


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        site_locales=i18n.LOCALES,
        format_money=i18n.format_money,
        format_number=i18n.format_number,
        format_local_datetime=i18n.format_local_datetime,
        format_local_date=i18n.format_local_date,
        form_fields=form_fields.FIELDS,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    # What macros imported without the page's context call: the same texts, found faster.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: i18n.translations().ugettext(text),
        ngettext=lambda singular, plural, n: i18n.translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.context_processor(_locale_context)


def _bound_gettext(look_up: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style ``gettext`` (escaped, always %-formatted) on one translations object."""

    @pass_context
    # Positional only: a template's own variables may have any name ("message" included).
    def gettext(context: Context, message: str, /, **variables: Any) -> str:
        text = look_up(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalogs' text; the variables are escaped
        return text % variables

    return gettext


def _bound_ngettext(look_up: Callable[[str, str, int], str]) -> Callable[..., str]:
    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = look_up(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalogs' text; the variables are escaped
        return text % variables

    return ngettext


def _locale_context() -> dict[str, Any]:
    site_locale = i18n.current_site_locale()
    translations = i18n.translations()
    locale = i18n.babel_locale()
    return {
        "site_locale": site_locale,
        "text_direction": "rtl" if site_locale.rtl else "ltr",
        "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
        "gettext": _bound_gettext(translations.ugettext),
        "ngettext": _bound_ngettext(translations.ungettext),
        **i18n.formatters(locale),
    }
