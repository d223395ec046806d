"""Input no part of the portal can keep, refused once for every request before any view runs.

PostgreSQL text cannot hold a NUL character: one in a form, a query string, a file name or a
JSON string would fail in the database, wherever a view happened to use it. JSON nested
hundreds of levels deep exhausts Python's recursion wherever it is walked. Both are answered
400, with the usual error page or API error body, and nothing is read or written first.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import LazyString
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from housing.i18n import lazy_gettext as _l

# Far deeper than any form or API body here needs.
MAX_JSON_DEPTH = 32
NUL = "\x00"


class RefusedInput(BadRequest):
    """A 400 with its own message, translated when the answer is written."""

    def __init__(self, message: LazyString) -> None:
        super().__init__()
        self.message = message


def _nul_message() -> LazyString:
    return _l(
        "What you sent contains a character that cannot be stored (NUL, an invisible control "
        "character). Please remove it and try again."
    )


def _depth_message() -> LazyString:
    return _l(
        "What you sent is nested more than %(maximum)s levels deep, deeper than anything here "
        "accepts.",
        maximum=MAX_JSON_DEPTH,
    )


def _holds_nul(values: MultiDict[str, Any]) -> bool:
    # A multipart part whose name cannot be parsed comes through with a name of None.
    return any(
        (isinstance(key, str) and NUL in key) or (isinstance(value, str) and NUL in value)
        for key, value in values.items(multi=True)
    )


def _json_refusal(body: Any) -> LazyString | None:
    """Why a parsed JSON body cannot be taken, or None. Walked without recursion, so that
    the check itself cannot run out of stack."""
    waiting: list[tuple[Any, int]] = [(body, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, str):
            if NUL in value:
                return _nul_message()
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return _depth_message()
            if isinstance(value, dict):
                if any(NUL in key for key in value):
                    return _nul_message()
                value = list(value.values())
            waiting.extend((child, depth + 1) for child in value)
    return None


def refuse_unusable_input() -> None:
    files = request.files
    if (
        _holds_nul(request.args)
        or _holds_nul(request.form)
        or _holds_nul(files)
        or any(NUL in (upload.filename or "") for _name, upload in files.items(multi=True))
    ):
        raise RefusedInput(_nul_message())
    if not request.is_json:
        return
    try:
        # Cached: the view reads the same body. Malformed JSON is left to the view to refuse.
        body = request.get_json(silent=True)
    except RecursionError:
        raise RefusedInput(_depth_message()) from None
    refusal = _json_refusal(body)
    if refusal is not None:
        raise RefusedInput(refusal)


def init_app(app: Flask) -> None:
    app.before_request(refuse_unusable_input)
