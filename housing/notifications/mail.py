"""Sending email: over SMTP in production, into a folder in the embedded mode.

A mailer may send many messages; use it in a ``with`` block so its connection is closed.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from housing.config import MailConfig


class PermanentFailure(Exception):
    """The peer refused the message for good (bad address); retrying will not help."""


class TemporaryFailure(Exception):
    """The peer could not take the message now; try again later."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...

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
        client = self._client or self._connect()
        try:
            client.send_message(message)
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
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(bytes(message))
