"""Writing messages into the outbox and turning them into email."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from housing.db_types import AnySession
from housing.notifications.models import Channel, OutboundMessage


def render_email(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a template in a language."""
    with force_locale(language):
        subject = render_template(f"notifications/email/{template}.subject.txt", **context)
        text = render_template(f"notifications/email/{template}.txt", **context)
        html = render_template(f"notifications/email/{template}.html", **context)
    return " ".join(subject.split()), text, html


def queue_email(
    session: AnySession,
    *,
    to: str,
    template: str,
    language: str,
    context: Mapping[str, Any],
    user_id: int | None = None,
) -> OutboundMessage:
    """Record an email for delivery once the caller's transaction commits."""
    subject, text, html = render_email(template, language, context)
    message = OutboundMessage(
        idempotency_key=secrets.token_hex(16),
        channel=Channel.EMAIL,
        recipient=to,
        language=language,
        template=template,
        subject=subject,
        body_text=text,
        body_html=html,
        user_id=user_id,
    )
    session.add(message)
    session.flush()
    return message


def as_email(message: OutboundMessage) -> EmailMessage:
    sender = current_app.config["HOUSING"].mail.sender
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    # The idempotency key names the message, so a resend is recognisable as the same one.
    email["Message-ID"] = make_msgid(idstring=message.idempotency_key, domain="housing.invalid")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # Set after the body: setting content replaces every Content-* header.
    email["Content-Language"] = message.language.replace("_", "-")
    return email
