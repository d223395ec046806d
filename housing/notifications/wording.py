"""What the outbox pages call things, in the reader's language."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from housing.i18n import lazy_gettext as _l
from housing.notifications.models import Channel, MessageState

TEMPLATE_NAMES: dict[str, LazyString] = {
    "application_submitted": _l("Application received"),
    "application_resume": _l("Link to continue a draft"),
    "application_withdrawn": _l("Application withdrawn"),
    "deadline_reminder": _l("Deadline reminder"),
    "results_published": _l("Lottery results"),
    "results_retracted": _l("Lottery results withdrawn"),
    "claim_decided": _l("Preference claim decided"),
    "duplicate_entry": _l("Left out as a duplicate, or entered again"),
    "confirm_email": _l("Confirm email address"),
    "password_reset": _l("Choose a password"),
    "account_created": _l("New account"),
    "sign_up_existing": _l("Sign-up with an existing account"),
    "sign_in_attempts": _l("Failed sign-in attempts"),
    "alert_confirm": _l("Confirm listing alerts"),
    "listing_alert": _l("Listing open for applications"),
    "attach_application": _l("Link to add an application to an account"),
}

STATE_NAMES: dict[MessageState, LazyString] = {
    MessageState.PENDING: _l("Waiting"),
    MessageState.SENDING: _l("Sending"),
    MessageState.SENT: _l("Sent"),
    MessageState.FAILED: _l("Failed"),
    MessageState.SUPPRESSED: _l("Not sent"),
}

CHANNEL_NAMES: dict[Channel, LazyString] = {
    Channel.EMAIL: _l("Email"),
    Channel.SMS: _l("Text message"),
    Channel.LETTER: _l("Letter"),
}

EVENT_NAMES: dict[str, LazyString] = {
    "sent": _l("Sent"),
    "retry": _l("Temporary failure; will try again"),
    "failed": _l("Failed"),
    "resend": _l("Sent again by staff"),
    "interrupted": _l("Interrupted; will try again"),
    "mailed": _l("Letter posted"),
}

REFUSALS: dict[str, LazyString] = {
    "no_such_message": _l("There is no such message."),
    "not_failed": _l("Only a failed email or text message can be sent again."),
}


def template_name(template: str) -> str:
    return str(TEMPLATE_NAMES.get(template, template))
