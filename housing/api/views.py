"""JSON endpoints: listings, a listing's detail, and the eligibility check."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")
