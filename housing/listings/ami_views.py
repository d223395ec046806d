"""Staff pages for AMI charts."""

from __future__ import annotations

from flask import Blueprint

ami_charts = Blueprint(
    "ami_charts", __name__, url_prefix="/staff/ami-charts", template_folder="templates"
)
