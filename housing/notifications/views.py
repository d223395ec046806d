"""The notifications blueprint; it carries the message templates."""

from __future__ import annotations

from flask import Blueprint

notifications = Blueprint("notifications", __name__, template_folder="templates")
