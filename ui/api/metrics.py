"""Prometheus metrics of one app (its own registry, so several apps can live in one process).

``/metrics`` is open to any scraper, so it says nothing about documents: no counts, and
nothing per access level (a count of internal documents is itself internal).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServiceMetrics:
    """Request counts and latencies per route, refusals, pool load and ingest outcomes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "policyqa_http_requests_total", "HTTP requests by route, method and status",
            ("route", "method", "status"), registry=self.registry,
        )
        self.latency = Histogram(
            "policyqa_http_request_seconds", "HTTP request latency by route",
            ("route",), buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.rejected = Counter(
            "policyqa_pool_rejected_total", "Requests refused with 503 because the work queue was full",
            registry=self.registry,
        )
        self.pool_in_flight = Gauge(
            "policyqa_pool_in_flight", "Jobs running or waiting in the work pool", registry=self.registry,
        )
        self.ingests = Counter(
            "policyqa_ingest_total", "Uploaded files ingested, by outcome", ("status",), registry=self.registry,
        )
        self.audit_failures = Counter(
            "policyqa_audit_failures_total", "Audit entries that could not be written (full disk, read-only data dir)",
            registry=self.registry,
        )
        self.refused = Counter(
            "policyqa_refused_total", "Requests the gate refused before any route ran, by status", ("status",),
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_status(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = _route_label(scope)
            self.metrics.requests.labels(route, scope.get("method", ""), str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


def _route_label(scope: Scope) -> str:
    # Templates keep the label set small (no doc ids); unknown paths share one label.
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return path
    raw = Request(scope).url.path
    return "/ui" if raw.startswith("/ui") else "other"
