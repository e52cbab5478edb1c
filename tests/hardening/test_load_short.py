"""The load test in short form (the full one is ``evals/bench_load.py``): a few seconds of real
traffic on a real server, then a burst past saturation that must be refused fast with 503."""

from __future__ import annotations

import asyncio

import pytest

from evals.bench_load import closed_loop, percentile

pytestmark = pytest.mark.slow

FAST_REFUSAL_S = 1.0


def test_under_capacity_every_request_is_answered(hardening_server):
    result = asyncio.run(closed_loop(hardening_server.url, hardening_server.workers, seconds=4))
    assert result.statuses()[200] >= 2, result.statuses()
    assert set(result.statuses()) == {200}, result.statuses()


def test_past_saturation_the_service_refuses_fast_with_503_only(hardening_server):
    concurrency = 2 * (hardening_server.workers + hardening_server.queue_size)
    result = asyncio.run(closed_loop(hardening_server.url, concurrency, seconds=5))
    statuses = result.statuses()
    assert set(statuses) <= {200, 503}, statuses  # no 500s, no timeouts, no dropped connections
    assert statuses[200] >= 1 and statuses[503] >= concurrency, statuses
    refused = result.latencies(503)
    assert percentile(refused, 0.95) < FAST_REFUSAL_S, refused[-5:]
    # Refusing is what keeps the answered requests from queueing without bound.
    assert percentile(result.latencies(200), 0.5) < 30
