"""Background jobs of applications: the expiry of uploads no application claimed.

The worker runs it every hour (``housing.worker.PERIODIC``); ``flask uploads expire`` runs it
by hand or from cron where there is no worker. Safe to re-run, and to run twice at once.
"""

from __future__ import annotations

from flask import current_app

from housing.applications import expiry
from housing.db_types import utcnow
from housing.extensions import db


def expire_uploads() -> int:
    """Remove the uploads older than ``UPLOAD_EXPIRY_HOURS`` that no application will claim;
    the number removed."""
    return expiry.expire_uploads(
        db.session,
        current_app.extensions["storage"],
        utcnow(),
        current_app.config["HOUSING"].upload_expiry,
    )
