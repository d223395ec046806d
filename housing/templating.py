"""What every template can use: locale facts and locale-aware formatting."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request

from housing import i18n


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        site_locales=i18n.LOCALES,
        format_money=i18n.format_money,
        format_number=i18n.format_number,
        format_local_datetime=i18n.format_local_datetime,
        format_local_date=i18n.format_local_date,
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(_locale_context)


def _locale_context() -> dict[str, Any]:
    locale = i18n.current_site_locale()
    return {
        "site_locale": locale,
        "text_direction": "rtl" if locale.rtl else "ltr",
        "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
    }
