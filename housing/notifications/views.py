"""The notifications blueprint: it has no page, and carries the message templates."""

from __future__ import annotations

from flask import Blueprint

notifications = Blueprint("notifications", __name__, template_folder="templates")
