"""The counts this process keeps for Prometheus.

They belong to no registry: ``/metrics`` gathers them into one made for each scrape (see
``housing/ops/scrape.py``), or, when ``PROMETHEUS_MULTIPROC_DIR`` is set before the processes
start, prometheus_client writes them to files there and a scrape sums every process's. Labels
take few values (the route is the URL rule, never the path), so the series stay bounded. They
live in the core so that any feature's services count into them.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "housing_http_requests",
    "Requests answered, by route (URL rule), method and status.",
    ["route", "method", "status"],
    registry=None,
)
REQUEST_SECONDS = Histogram(
    "housing_http_request_duration_seconds",
    "Time from the start of a request to its answer, by route (URL rule) and method.",
    ["route", "method"],
    registry=None,
)
SUBMISSIONS = Counter(
    "housing_applications_submitted",
    "Applications submitted for the first time (the submission's checks passed), by channel.",
    ["channel"],
    registry=None,
)
DRAW_SECONDS = Histogram(
    "housing_lottery_draw_duration_seconds",
    "Time a lottery draw job took, from its claim to its recorded run.",
    registry=None,
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200),
)

PROCESS_METRICS = (REQUESTS, REQUEST_SECONDS, SUBMISSIONS, DRAW_SECONDS)
