"""What an address may carry: ids the database can hold, and text without NUL characters.

Every id column is a PostgreSQL ``integer``. A larger number in an address or a query string
would reach the database and fail there ("integer out of range"; SQLite cannot even bind one
past 64 bits), and a NUL character cannot be stored in or compared with PostgreSQL text. Both
are refused here, as "not found" in a path and as "not given" in a query string, so that no
view has to remember.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import (
    IntegerConverter,
    Map,
    PathConverter,
    UnicodeConverter,
    ValidationError,
)

DATABASE_ID_MAX = 2**31 - 1
_MAX_ID_DIGITS = len(str(DATABASE_ID_MAX))


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>``: ASCII digits for a number from 0 to ``DATABASE_ID_MAX``; anything else
    does not match the rule, so the answer is 404."""

    regex = rf"[0-9]{{1,{_MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> Any:
        number = super().to_python(value)
        if number > DATABASE_ID_MAX:
            raise ValidationError()
        return number


class TextConverter(UnicodeConverter):
    """``<name>`` and ``<string:name>``: one path segment with no NUL character."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = r"[^/\x00]" + self.regex.removeprefix("[^/]")


class PathTextConverter(PathConverter):
    """``<path:name>``: any path with no NUL character."""

    regex = r"[^/\x00][^\x00]*?"
    part_isolating = False


def id_from_text(text: str | None) -> int | None:
    """The id written in ``text`` (ASCII digits only), or None when it is missing, not a
    number, or beyond what the database can hold."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > _MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if value <= DATABASE_ID_MAX else None


def query_id(name: str) -> int | None:
    """An id or cursor from the query string (``?before=``, ``?page=``): None when absent or
    unusable, so a page falls back to its first page instead of failing."""
    return id_from_text(request.args.get(name))


def use_database_converters(app: Flask) -> None:
    """Before any rule is added: the rules are compiled with the converters of that moment."""
    app.url_map.converters.update(
        int=DatabaseIdConverter,
        default=TextConverter,
        string=TextConverter,
        path=PathTextConverter,
    )
