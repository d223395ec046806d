"""Sending email: over SMTP in production, into a folder in the embedded mode.

A mailer may send many messages; use it in a ``with`` block so its connection is closed.
A message is either an ``EmailMessage`` or one already ``composed`` into its bytes: the second is
what delivery jobs send, since Python's ``email`` package costs about a millisecond and a half
to build and write out each message of a large broadcast.
"""

from __future__ import annotations

import base64
import secrets
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from housing.config import MailConfig

# The longest line a header or a 7bit body line may have before it is folded or encoded.
MAX_LINE = 78


class PermanentFailure(Exception):
    """The peer refused the message for good (bad address); retrying will not help."""


class TemporaryFailure(Exception):
    """The peer could not take the message now; try again later."""


@dataclass(frozen=True)
class Composed:
    """An email as it goes on the wire: its envelope and its bytes (lines end with CRLF)."""

    sender: str
    recipient: str
    message_id: str
    data: bytes


def _plain(value: str) -> bool:
    """Fit to be written into a header as it is: ASCII, one line."""
    return value.isascii() and "\r" not in value and "\n" not in value


@lru_cache(maxsize=512)
def _header(name: str, value: str) -> bytes:
    """One header, folded, and encoded (RFC 2047) when it is not ASCII, as the ``email`` package
    writes it. A broadcast's subject is the same for everyone reading one language, so it is
    folded once."""
    if value.isascii() and len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}".encode("ascii")
    folded = policy.SMTP.fold(*policy.SMTP.header_store_parse(name, value))
    return folded.rstrip("\r\n").encode("ascii")


def _envelope_address(header: str) -> str:
    """The address of a From header, as smtplib gives it to MAIL FROM."""
    addresses = getaddresses([header])
    return addresses[0][1] if addresses else header


def _part(content_type: str, text: str) -> list[bytes]:
    """A text part's headers and body, as the ``email`` package would choose them: 7bit when it
    is ASCII in short lines, base64 of its UTF-8 otherwise."""
    lines = text.encode("utf-8").splitlines()
    if all(len(line) <= MAX_LINE for line in lines) and text.isascii():
        return [
            f'Content-Type: {content_type}; charset="utf-8"'.encode("ascii"),
            b"Content-Transfer-Encoding: 7bit",
            b"",
            *lines,
        ]
    # Text in its canonical form, lines ended with CRLF, as the other encodings arrive.
    body = base64.encodebytes(b"\r\n".join(lines) + b"\r\n")
    return [
        f'Content-Type: {content_type}; charset="utf-8"'.encode("ascii"),
        b"Content-Transfer-Encoding: base64",
        b"",
        *body.splitlines(),
    ]


def compose(
    *,
    sender: str,
    recipient: str,
    subject: str,
    message_id: str,
    language: str,
    text: str,
    html: str = "",
    unsubscribe: str | None = None,
) -> Composed | None:
    """The message's bytes: the headers and parts ``services.as_email`` gives it, written
    directly. None when an address or a header is not plain ASCII on one line: that message
    is built with the ``email`` package instead (which knows SMTPUTF8 and display names)."""
    if not all(_plain(value) for value in (sender, recipient, message_id, language)):
        return None
    if unsubscribe is not None and not _plain(unsubscribe):
        return None
    head = [
        _header("From", sender),
        _header("To", recipient),
        _header("Subject", subject),
        _header("Message-ID", message_id),
    ]
    if unsubscribe is not None:
        head += [
            _header("List-Unsubscribe", f"<{unsubscribe}>"),
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ]
    head.append(b"MIME-Version: 1.0")
    plain = _part("text/plain", text)
    if not html:
        lines = [*head, *plain[:2], _header("Content-Language", language), *plain[2:]]
    else:
        rich = _part("text/html", html)
        boundary = f"=_{secrets.token_hex(16)}".encode("ascii")
        while any(boundary in line for line in (*plain, *rich)):  # pragma: no cover - 128 bits
            boundary = f"=_{secrets.token_hex(16)}".encode("ascii")
        lines = [
            *head,
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"',
            _header("Content-Language", language),
            b"",
            b"--" + boundary,
            # The line break before a boundary belongs to it: the empty line keeps the text's own.
            *plain,
            b"",
            b"--" + boundary,
            *rich,
            b"",
            b"--" + boundary + b"--",
        ]
    return Composed(
        sender=_envelope_address(sender),
        recipient=recipient,
        message_id=message_id,
        data=b"\r\n".join(lines) + b"\r\n",
    )


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def send_composed(self, message: Composed) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class MailerBase:
    """What every mailer shares: a ``with`` block closes it."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class SmtpMailer(MailerBase):
    """Sends over one SMTP connection, opened on the first message and kept until closed.

    A refused address or message leaves the connection in use; a broken or silent
    connection is dropped, and the next message opens a new one.
    """

    def __init__(self, config: MailConfig, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.ssl_context = ssl_context
        self._client: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        self._transact(lambda client: client.send_message(message))

    def send_composed(self, message: Composed) -> None:
        self._transact(
            lambda client: client.sendmail(message.sender, [message.recipient], message.data)
        )

    def _transact(self, hand_over: Callable[[smtplib.SMTP], object]) -> None:
        client = self._client or self._connect()
        try:
            hand_over(client)
        except smtplib.SMTPRecipientsRefused as error:
            self._reset_or_drop()
            codes = [code for code, _text in error.recipients.values()]
            raise _refusal(codes, str(error.recipients)) from error
        except smtplib.SMTPResponseException as error:
            self._reset_or_drop()
            raise _refusal([error.smtp_code], f"{error.smtp_code} {error.smtp_error!r}") from error
        except OSError as error:  # timeouts, disconnects and every other smtplib error
            self._drop()
            raise TemporaryFailure(f"mail server connection failed: {error}") from error

    def close(self) -> None:
        """Says QUIT, ignoring a server that has gone; safe to call more than once."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except OSError:
            pass
        finally:
            client.close()

    def _connect(self) -> smtplib.SMTP:
        try:
            client = self._open()
        except OSError as error:
            raise TemporaryFailure(f"could not connect to the mail server: {error}") from error
        if self.config.username:
            try:
                client.login(self.config.username, self.config.password or "")
            except smtplib.SMTPServerDisconnected as error:
                client.close()
                raise TemporaryFailure(f"could not log in to the mail server: {error}") from error
            except smtplib.SMTPException as error:
                client.close()
                # Our settings are wrong, not the address: keep the message for a retry
                # once staff have fixed them.
                raise TemporaryFailure(f"mail server refused our login: {error}") from error
            except OSError as error:
                client.close()
                raise TemporaryFailure(f"could not log in to the mail server: {error}") from error
        self._client = client
        return client

    def _open(self) -> smtplib.SMTP:
        config = self.config
        if config.use_ssl:
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=self._tls_context()
            )
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.use_tls:
            try:
                client.starttls(context=self._tls_context())
            except BaseException:
                client.close()
                raise
        return client

    def _tls_context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _reset_or_drop(self) -> None:
        """After a refusal, keeps the connection if it still answers RSET."""
        client = self._client
        if client is None:
            return
        if client.sock is None:  # smtplib hangs up by itself after a 421 answer
            self._drop()
            return
        try:
            code, _text = client.rset()
        except OSError:
            code = 0
        if code != 250:
            self._drop()

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def _refusal(codes: list[int], reason: str) -> PermanentFailure | TemporaryFailure:
    if codes and all(500 <= code < 600 for code in codes):
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


class FolderMailer(MailerBase):
    """Writes each message as an .eml file, so a developer can open the links."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self._write(str(message["Message-ID"]), bytes(message))

    def send_composed(self, message: Composed) -> None:
        self._write(message.message_id, message.data)

    def _write(self, message_id: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message_id.strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(data)
