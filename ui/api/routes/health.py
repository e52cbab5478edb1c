"""``/healthz`` (the process answers), ``/readyz`` (index loaded and consistent), ``/metrics``.

All three answer without a key (probes and scrapers have none), so none of them says how many
documents or chunks there are: ``/readyz`` is ready or not, with a word for why.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ui.api.deps import ServiceState, get_state

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the index is loaded and agrees with the store (503 otherwise)")
async def readyz(state: ServiceState = Depends(get_state)) -> JSONResponse:
    readiness = await asyncio.to_thread(state.readiness)
    return JSONResponse(readiness, status_code=200 if readiness["ready"] else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(state: ServiceState = Depends(get_state)) -> Response:
    state.metrics.pool_in_flight.set(state.pool.in_flight)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
