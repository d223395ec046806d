"""Small helpers for driving the account pages like a browser would."""

from __future__ import annotations

import re
from email.message import EmailMessage

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart


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


def sign_in_as(client: FlaskClient, user) -> None:  # type: ignore[no-untyped-def]
    """Sign in with the test password, and the authenticator code when the role needs one."""
    import pyotp

    from housing.db_types import utcnow
    from tests.factories import TEST_PASSWORD

    response = post_form(
        client, "/account/sign-in", {"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.text
    if response.headers["Location"] == "/account/sign-in/code":
        code = pyotp.TOTP(user.totp_secret).at(utcnow())  # the portal's clock, moved or not
        done = post_form(client, "/account/sign-in/code", {"code": code})
        assert done.status_code == 302, done.text


def upload(client: FlaskClient, url: str, values: dict[str, object]):  # type: ignore[no-untyped-def]
    """A multipart POST encoded in memory (the test client spools large bodies to a temporary
    file it never closes). File fields are (stream, filename) pairs."""
    fields = {
        key: FileStorage(
            stream=value[0], filename=value[1], content_type="application/octet-stream"
        )
        if isinstance(value, tuple)
        else value
        for key, value in values.items()
    }
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def browser_at(app, address: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A fresh browser whose requests come from ``address``."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def copy_of(client: FlaskClient) -> FlaskClient:
    """Another browser carrying a copy of ``client``'s session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie to copy"
    thief = client.application.test_client()
    thief.set_cookie("session", cookie.value)
    return thief
