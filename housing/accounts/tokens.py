"""Signed, expiring links (email confirmation, password reset) bound to their purpose."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link was altered, is for something else, or was already used."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"housing.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, *, max_age_seconds: int) -> dict[str, Any]:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise ExpiredToken(purpose) from None
    except BadSignature:
        raise InvalidToken(purpose) from None
    if not isinstance(payload, dict):
        raise InvalidToken(purpose)
    return payload
