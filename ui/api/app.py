"""The app factory: one FastAPI app serving the REST API, the OpenAI endpoint and the Gradio UI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from policyqa.errors import (
    IndexBusyError,
    IndexMismatchError,
    IngestError,
    InvalidQueryError,
    NotFoundError,
    PolicyQAError,
)
from ui.api.audit import AUDIT_FILE_NAME, AuditLog
from ui.api.auth import KEYS_FILE_NAME, InvalidKeyError, KeyStore
from ui.api.conversations import ConversationStore
from ui.api.deps import ServiceState
from ui.api.jobs import IngestJobs
from ui.api.metrics import MetricsMiddleware, ServiceMetrics
from ui.api.pool import PoolSaturatedError, WorkPool
from ui.api.routes import ask, documents, health, openai, precedents, search, verify
from ui.api.uploads import BadUploadError, UploadTooLargeError
from ui.settings import Settings
from ui.workspace import Workspace

log = logging.getLogger("policyqa.api")

ROUTERS = (health.router, search.router, ask.router, verify.router, precedents.router, documents.router,
           openai.router)

# Domain errors → HTTP status. Order matters: subclasses before their bases.
_STATUS = (
    (NotFoundError, 404),
    (InvalidQueryError, 400),
    (InvalidKeyError, 400),
    (BadUploadError, 400),
    (UploadTooLargeError, 413),
    (IngestError, 415),
    (IndexBusyError, 409),
    (IndexMismatchError, 503),
)


def create_app(settings: Settings | None = None, *, mount_ui: bool = True) -> FastAPI:
    """Build the app over ``settings.data_dir``; the index loads in the background at start-up."""
    settings = settings or Settings()
    workspace = Workspace.open(settings)
    keys = KeyStore(settings.data_dir / KEYS_FILE_NAME)
    metrics = ServiceMetrics()
    state = ServiceState(
        settings=settings,
        workspace=workspace,
        keys=keys,
        audit=AuditLog(settings.data_dir / AUDIT_FILE_NAME),
        pool=WorkPool(settings.workers, settings.queue_size),
        jobs=IngestJobs(workspace, settings.data_dir / "uploads",
                        on_finished=lambda status: metrics.ingests.labels(status).inc()),
        conversations=ConversationStore(),
        metrics=metrics,
        open_access=not keys.has_keys(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.open_access:
            log.warning("no API keys configured: the service is OPEN to anyone who can reach it "
                        "(create one with `policyqa keys create --role admin --groups public,internal`)")
        warm = asyncio.get_running_loop().run_in_executor(None, state.warm_up)
        try:
            yield
        finally:
            state.jobs.shutdown()
            state.pool.shutdown()
            await asyncio.wait_for(asyncio.shield(warm), timeout=None)
            state.audit.close()
            workspace.close()

    app = FastAPI(
        title="policyqa",
        version="0.1.0",
        summary="Question answering with clause citations over Chinese government documents.",
        description="Every path filters by the API key's access levels inside retrieval. Send the key as "
                    "`Authorization: Bearer <key>` or `X-API-Key`.",
        lifespan=lifespan,
    )
    app.state.service = state
    app.state.workspace = workspace
    for router in ROUTERS:
        app.include_router(router)
    _install_error_handlers(app, state)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if mount_ui:
        _mount_ui(app, state)
    return app


def _install_error_handlers(app: FastAPI, state: ServiceState) -> None:
    @app.exception_handler(PoolSaturatedError)
    async def saturated(request: Request, exc: PoolSaturatedError) -> JSONResponse:
        state.metrics.rejected.inc()
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(PolicyQAError)
    async def domain_error(request: Request, exc: PolicyQAError) -> JSONResponse:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            log.error("unexpected domain error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=status)


def _mount_ui(app: FastAPI, state: ServiceState) -> None:
    try:
        from ui.web import build_ui
    except ImportError as exc:  # the UI package is optional for API-only deployments
        log.warning("Gradio UI not mounted: %s", exc)
        return
    import gradio as gr

    # The UI shares the API's ingest queue, so uploads from both show one status list.
    gr.mount_gradio_app(app, build_ui(state.workspace, jobs=state.jobs), path="/ui")
