"""The one rule for an account's email address, used by every form and the command line.

An account lives by its mail (confirmation, password links), so an address must be one mail
can reach: names reserved for tests and private use (``.test``, ``.invalid``, ``.local``,
``localhost``) are refused everywhere, not only in the forms.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Not an address an account can have; the reason is the validator's, in English."""


def normalize_email(email: str) -> str:
    """How addresses are compared and stored: without surrounding space, in lower case."""
    return email.strip().lower()


def account_email(text: str) -> str:
    """The address as the account keeps it, or InvalidEmail."""
    try:
        checked = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    return normalize_email(checked.normalized)
