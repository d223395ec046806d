"""Sending email: over SMTP in production, into a folder in the embedded mode."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from housing.config import MailConfig


class PermanentFailure(Exception):
    """The peer refused the message for good (bad address); retrying will not help."""


class TemporaryFailure(Exception):
    """The peer could not take the message now; try again later."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.config.host, self.config.port, timeout=20) as client:
                if self.config.use_tls:
                    client.starttls(context=ssl.create_default_context())
                if self.config.username:
                    client.login(self.config.username, self.config.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(str(error.recipients)) from error
            raise TemporaryFailure(str(error.recipients)) from error
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise TemporaryFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(str(error)) from error


class FolderMailer:
    """Writes each message as an .eml file, so a developer can open the links."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(bytes(message))
