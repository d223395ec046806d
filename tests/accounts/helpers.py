"""Small helpers for driving the account pages like a browser would."""

from __future__ import annotations

import re
from email.message import EmailMessage

from flask.testing import FlaskClient


def csrf_token(client: FlaskClient, url: str) -> str:
    html = client.get(url).text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(
    client: FlaskClient,
    url: str,
    data: dict[str, str],
    *,
    follow: bool = False,
    token_from: str | None = None,
):  # type: ignore[no-untyped-def]
    """POST like the browser would, with the CSRF token of the page showing the form."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = re.search(r"https?://\S+", body.get_content())
    assert match, "no link in the message"
    return match.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def without_csrf(html: str) -> str:
    """A page with its CSRF tokens blanked, for comparing two answers."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html)
