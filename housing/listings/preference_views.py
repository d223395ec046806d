"""Staff pages for the preference catalogue."""

from __future__ import annotations

from flask import Blueprint

preference_catalogue = Blueprint(
    "preference_catalogue", __name__, url_prefix="/staff/preferences", template_folder="templates"
)
