"""What operators look at: liveness and readiness, Prometheus metrics, and the log lines.

Importing the package loads nothing else. The counts themselves live in ``housing.metrics``,
in the core, so that any feature's services count into them without importing this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from housing.config import Config


def init_app(app: Flask, config: Config) -> None:
    """Time and log every request; log lines in the configured format (not while testing,
    where pytest captures the records)."""
    from housing.ops import logging, requests

    if not config.testing:
        logging.configure(config.log_format)
    requests.init_app(app)
