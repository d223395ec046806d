"""Sending text messages: through an HTTP provider in production, into a folder otherwise."""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from housing.config import SmsConfig
from housing.notifications.mail import PermanentFailure, TemporaryFailure
from housing.phones import normalized_phone

MAX_RESPONSE = 64 * 1024
# Staff read the reason in the delivery log; a provider's error page can be long.
MAX_REASON = 200
# The longest id the message row can keep (OutboundMessage.provider_id).
MAX_PROVIDER_ID = 200
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_REFERENCE = re.compile(r"[\x21-\x7e]{1,200}")


def international_number(raw: str) -> str | None:
    """The E.164 form of a US phone number as typed, or None when it is not one."""
    digits = normalized_phone(raw)
    return None if digits is None else f"+1{digits}"


class SmsProvider(Protocol):
    def send(self, to: str, text: str, reference: str) -> str:
        """Send ``text`` to ``to`` and return the provider's id for it.

        ``reference`` is our idempotency key: a provider that supports one must not send
        twice for the same reference."""
        ...


def _check_addressing(to: str, reference: str) -> None:
    if not _E164.fullmatch(to):
        raise PermanentFailure("not a phone number")
    if not _REFERENCE.fullmatch(reference):
        # It travels in a header, where a line break would forge another header.
        raise PermanentFailure("the reference is not printable ASCII")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 301-303 answer to a POST with a GET and no body, so a moved
    endpoint would look like a sent message; the answer is reported as it came instead."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


class HttpSmsProvider:
    """Posts each message as JSON to ``{url}/messages``, with ``reference`` as the
    ``Idempotency-Key`` so a retried attempt is not sent twice."""

    def __init__(self, config: SmsConfig) -> None:
        if not config.url:
            raise RuntimeError("HttpSmsProvider needs SmsConfig.url")
        parts = urllib.parse.urlsplit(config.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise RuntimeError(f"SMS url must be http(s)://host..., not {config.url!r}")
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as error:
            raise RuntimeError(f"SMS url has a bad port: {config.url!r}") from error
        self.config = config
        self.endpoint = f"{config.url.rstrip('/')}/messages"
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def _headers(self, reference: str) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": reference,
        }
        if self.config.username:
            pair = f"{self.config.username}:{self.config.password or ''}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        return headers

    def send(self, to: str, text: str, reference: str) -> str:
        _check_addressing(to, reference)
        payload = {"to": to, "from": self.config.sender, "body": text, "reference": reference}
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.endpoint,
            data=json.dumps(payload).encode(),
            headers=self._headers(reference),
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.config.timeout) as response:
                status = response.status
                body = _read_quietly(response)
        except urllib.error.HTTPError as error:
            with error:
                raise _failure(error.code, _read_quietly(error)) from None
        except (OSError, http.client.HTTPException, ValueError) as error:
            # URLError, timeouts, refused and reset connections are all OSErrors here.
            raise TemporaryFailure(f"SMS provider unreachable: {_reason_of(error)}") from None
        if not 200 <= status < 300:
            raise _failure(status, body)
        return _provider_id(body) or reference


def _read_quietly(response: IO[bytes]) -> bytes:
    """The start of the answer, or nothing when it cannot be read: the status decides."""
    try:
        return response.read(MAX_RESPONSE)
    except (OSError, http.client.HTTPException, ValueError):
        return b""


def _failure(status: int, body: bytes) -> PermanentFailure | TemporaryFailure:
    text = " ".join(body.decode("utf-8", "replace").split())[:MAX_REASON]
    reason = f"{status} {text}".rstrip()
    if 400 <= status < 500 and status not in {408, 429}:
        return PermanentFailure(reason)
    # 408, 429, 5xx, and anything unexpected (a redirect): the message may go through later.
    return TemporaryFailure(reason)


def _reason_of(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, str):
        error = error.reason
    return str(error) or type(error).__name__


def _provider_id(body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    identifier = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(identifier, str) and 0 < len(identifier) <= MAX_PROVIDER_ID:
        return identifier
    return None


class FolderSmsProvider:
    """Appends each message as a JSON line to ``messages.jsonl``, for development and tests.

    It refuses what the HTTP provider refuses and keeps one line per reference, so code
    tested against it behaves the same against the real one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "messages.jsonl"

    def send(self, to: str, text: str, reference: str) -> str:
        _check_addressing(to, reference)
        if any(line.get("reference") == reference for line in self.messages()):
            return reference
        record = {
            "to": to,
            "body": text,
            "reference": reference,
            "at": datetime.now(UTC).isoformat(),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
        return reference

    def messages(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]


def sms_provider(config: SmsConfig) -> SmsProvider:
    if config.url:
        return HttpSmsProvider(config)
    if config.folder is not None:
        return FolderSmsProvider(config.folder)
    raise RuntimeError("SMS needs a provider url (SMS_URL) or a folder to write messages into")
