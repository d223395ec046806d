"""gunicorn settings for the portal's web processes: ``gunicorn -c deploy/gunicorn.conf.py
'housing:create_app()'`` (see docs/operations.md, "Deploying").

Threads (gthread) let a busy process hold waiting requests where the portal's admission control
measures the wait; nginx in front buffers whole requests, so no thread waits on a slow client.
"""

from __future__ import annotations

import os
from typing import Any

# Only nginx on this host talks to gunicorn.
bind = "127.0.0.1:8000"
# About two per core; each holds `threads` requests at once.
workers = int(os.environ.get("WEB_PROCESSES", "4"))
worker_class = "gthread"
threads = 16
# A request that takes longer is stuck: its process is restarted.
timeout = 30
graceful_timeout = 30
# nginx keeps its connections to gunicorn open (upstream keepalive).
keepalive = 75
# The proxy whose X-Forwarded-Proto gunicorn believes; the portal itself reads the forwarded
# headers through TRUSTED_PROXIES.
forwarded_allow_ips = "127.0.0.1"
# The portal logs one line per request itself (JSON with LOG_FORMAT=json): no access log here.
accesslog = None
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:
    """A web process ended: its live values leave the shared metrics (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
