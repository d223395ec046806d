"""One id per request, in the log and on the answer, so that a reported error can be found.

A proxy in front (nginx's ``$request_id``) may name the request in ``X-Request-ID``: a sane
name is kept, so that the proxy's log and the portal's agree; anything else is replaced by a
fresh one. Every answer carries the id back in the same header.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def request_id() -> str:
    """This request's id: the proxy's when it is sane, otherwise a new random one."""
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex
    return str(g.request_id)


def _tag(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_tag)
