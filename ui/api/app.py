"""The app factory: one FastAPI app serving the REST API, the OpenAI endpoint and the Gradio UI."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyqa.errors import (
    DiskFullError,
    IndexBusyError,
    IndexMismatchError,
    IngestError,
    InvalidAccessLevelError,
    InvalidQueryError,
    NotFoundError,
    PolicyQAError,
    ReadOnlyDataError,
)
from policyqa.storage import storage_error
from ui.api.access import AccessPolicy
from ui.api.audit import AUDIT_FILE_NAME, AuditLog
from ui.api.auth import KEYS_FILE_NAME, InvalidKeyError, KeyStore
from ui.api.conversations import ConversationStore
from ui.api.deps import ServiceState
from ui.api.gate import UI_PATH, BodyLimits, RequestGate
from ui.api.hygiene import private_umask, redact_access_log, tighten_data_dir
from ui.api.jobs import IngestJobs
from ui.api.metrics import MetricsMiddleware, ServiceMetrics
from ui.api.pool import PoolSaturatedError, WorkPool
from ui.api.routes import ask, documents, health, openai, precedents, search, verify
from ui.api.uploads import ENVELOPE_ALLOWANCE, BadUploadError, UploadTooLargeError
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
    (InvalidAccessLevelError, 422),
    (BadUploadError, 400),
    (UploadTooLargeError, 413),
    (IngestError, 415),
    (IndexBusyError, 409),
    (IndexMismatchError, 503),
    (DiskFullError, 507),
    (ReadOnlyDataError, 503),
)


def create_app(settings: Settings | None = None, *, mount_ui: bool = True) -> FastAPI:
    """Build the app over ``settings.data_dir``; the index loads in the background at start-up."""
    settings = settings or Settings()
    private_umask()  # before the first file of the data dir is created
    workspace = Workspace.open(settings)
    keys = KeyStore(settings.data_dir / KEYS_FILE_NAME)
    metrics = ServiceMetrics()
    policy = AccessPolicy(keys, workspace.file_links, force_open=settings.open_access,
                          session_ttl_s=settings.ui_session_ttl_s)
    state = ServiceState(
        settings=settings,
        workspace=workspace,
        keys=keys,
        audit=AuditLog(settings.data_dir / AUDIT_FILE_NAME, max_bytes=settings.audit_max_kb * 1024,
                       keep=settings.audit_keep, on_failure=metrics.audit_failures.inc),
        pool=WorkPool(settings.workers, settings.queue_size),
        jobs=IngestJobs(workspace, settings.data_dir / "uploads",
                        on_finished=lambda status: metrics.ingests.labels(status).inc()),
        conversations=ConversationStore(),
        metrics=metrics,
        policy=policy,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warning = policy.warning()
        if warning:
            log.warning(warning)
        redact_access_log()  # uvicorn has configured its loggers by now
        tighten_data_dir(settings.data_dir)
        try:
            state.jobs.recover()  # uploads a crash interrupted, and their leftovers
        except (OSError, PolicyQAError) as exc:
            log.error("interrupted uploads not recovered (%s); they are retried at the next start", exc)
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
    if mount_ui:
        _mount_ui(app, state)
    # Added last = outermost: the metrics see every request, the gate's refusals included; the
    # gate sees every request before any route or Gradio reads its body.
    limits = BodyLimits(default=settings.max_body_kb * 1024,
                        upload=settings.max_file_mb * 1024 * 1024 + ENVELOPE_ALLOWANCE)
    app.add_middleware(RequestGate, policy=policy, limits=limits,
                       on_refused=lambda status: metrics.refused.labels(str(status)).inc())
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def error_response(path: str, status: int, detail: object, headers: dict[str, str] | None = None) -> Response:
    """An error as the route's clients expect it: OpenAI's ``{"error": {...}}`` on ``/v1``
    (status 400 for any invalid request, as OpenAI answers), ``{"detail": ...}`` elsewhere.

    A message may quote user input, and a lone surrogate in it must not turn the error into a
    500 while it is encoded.
    """
    if path.startswith("/v1/"):
        status = 400 if status == 422 else status
        kind = "invalid_request_error" if status < 500 else "server_error"
        message = detail if isinstance(detail, str) else "; ".join(
            f"{'.'.join(str(part) for part in error['loc'][1:])}: {error['msg']}" for error in detail)
        body: dict = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    else:
        body = {"detail": detail}
    # A lone surrogate quoted from the input becomes "?" instead of failing the encoding.
    return Response(json.dumps(body, ensure_ascii=False).encode("utf-8", "replace"), status_code=status,
                    media_type="application/json", headers=headers)


def _install_error_handlers(app: FastAPI, state: ServiceState) -> None:
    @app.exception_handler(PoolSaturatedError)
    async def saturated(request: Request, exc: PoolSaturatedError) -> Response:
        state.metrics.rejected.inc()
        return error_response(request.url.path, 503, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(PolicyQAError)
    async def domain_error(request: Request, exc: PolicyQAError) -> Response:
        status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
        if status == 500:
            log.error("unexpected domain error on %s: %s", request.url.path, exc)
        return error_response(request.url.path, status, str(exc))

    @app.exception_handler(OSError)
    @app.exception_handler(sqlite3.Error)
    async def storage_failure(request: Request, exc: Exception) -> Response:
        # A full disk or a read-only data dir met by a write nobody wrapped: a 507/503 that
        # says so, not a 500; anything else is a bug and stays one (without its details).
        refusal = storage_error(exc)
        if refusal is None:
            log.exception("unexpected error on %s", request.url.path)
            return error_response(request.url.path, 500, "服务器内部错误 (internal server error)")
        return await domain_error(request, refusal)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request.url.path, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Never echo the input back (it may be a megabyte, or text that cannot be encoded).
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()]
        return error_response(request.url.path, 422, errors)


def _mount_ui(app: FastAPI, state: ServiceState) -> None:
    try:
        from ui.web import mount_ui
    except ImportError as exc:  # the UI package is optional for API-only deployments
        log.warning("Gradio UI not mounted: %s", exc)
        return
    # The UI shares the API's ingest queue (uploads from both show one status list) and its
    # access policy (one decision for both).
    mount_ui(app, state.workspace, UI_PATH, jobs=state.jobs, policy=state.policy)
