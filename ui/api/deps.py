"""What every route shares: the service state on ``app.state`` and the caller's principal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Header, HTTPException, Request

from policyqa.errors import DiskFullError, NotFoundError
from policyqa.records import DocumentInfo
from ui.api.access import AccessPolicy, AuthRefused
from ui.api.audit import AuditLog
from ui.api.auth import KeyStore, Principal
from ui.api.conversations import ConversationStore
from ui.api.jobs import IngestJobs
from ui.api.metrics import ServiceMetrics
from ui.api.pool import WorkPool
from ui.settings import Settings
from ui.workspace import Workspace


@dataclass
class ServiceState:
    """The long-lived parts of one running app."""

    settings: Settings
    workspace: Workspace
    keys: KeyStore
    audit: AuditLog
    pool: WorkPool
    jobs: IngestJobs
    conversations: ConversationStore
    metrics: ServiceMetrics
    policy: AccessPolicy  # open or closed, and who each request is (API and UI alike)
    loaded: bool = False
    load_error: str | None = None

    def warm_up(self) -> None:
        """Load the index and build the services once, so the first request is not the slow one."""
        try:
            for name in ("retriever", "qa", "claims", "precedents"):
                getattr(self.workspace, name)
            self.loaded = True
        except Exception as exc:  # reported by /readyz; requests will raise the same error
            self.load_error = f"{type(exc).__name__}: {exc}"

    def readiness(self) -> dict:
        """``/readyz``: the index is loaded, is the live generation, and agrees with the store.

        Only ready or not and a one-word status: no counts (internal documents would show in
        them) and no details; ``policyqa check`` gives those to whoever holds the data dir.
        """
        if not self.loaded:
            return {"ready": False, "status": "error" if self.load_error else "loading"}
        report = self.workspace.index_manager.check(self.workspace.store)
        consistent = (not report.problems and not report.missing_from_index and not report.missing_from_store
                      and report.generation == self.workspace.snapshot.generation.name)
        # Reads are served either way; writes (uploads, deletes) are refused with 507/503.
        refusal = self.workspace.store.read_only
        writes = "ok" if refusal is None else ("disk full" if isinstance(refusal, DiskFullError) else "read-only")
        return {"ready": consistent, "status": "ready" if consistent else "inconsistent", "writes": writes}

    def visible_document(self, principal: Principal, doc_id: str) -> DocumentInfo:
        """The stored document, or ``NotFoundError`` when absent OR not visible to ``principal``.

        Both cases answer the same way so a caller cannot probe for documents it may not see.
        """
        info = self.workspace.store.get_document(doc_id)
        if not principal.may_see(info):
            raise NotFoundError(f"no stored document {doc_id}")
        return info

    def may_see_id(self, principal: Principal, doc_id: str) -> bool:
        """True when ``doc_id`` is stored and visible to ``principal``."""
        try:
            self.visible_document(principal, doc_id)
        except NotFoundError:
            return False
        return True


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def get_principal(
    request: Request,
    authorization: str | None = Header(None, description="Bearer <API key>"),
    x_api_key: str | None = Header(None, description="the API key (alternative to Authorization)"),
) -> Principal:
    """The caller, as the request gate (``ui.api.gate``) found it before the body was read;
    decided by the same ``AccessPolicy`` when the app runs without the gate."""
    from ui.api.gate import PRINCIPAL_SCOPE_KEY

    found = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if found is not None:
        return found
    state: ServiceState = request.app.state.service
    try:
        return state.policy.authenticate(request.headers)
    except AuthRefused as refused:
        raise HTTPException(refused.status, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None


def get_file_principal(
    request: Request,
    doc_id: str,
    authorization: str | None = Header(None, description="Bearer <API key>"),
    x_api_key: str | None = Header(None, description="the API key (alternative to Authorization)"),
) -> Principal:
    """The caller of a file download: the key in the headers, else a signed link's key."""
    state: ServiceState = request.app.state.service
    try:
        return state.policy.file_principal(doc_id, request.headers, request.query_params)
    except AuthRefused as refused:
        raise HTTPException(refused.status, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None


def require(role: str) -> Callable[..., Principal]:
    """A dependency that admits principals of at least ``role``."""

    def dependency(principal: Principal = Depends(get_principal)) -> Principal:
        if not principal.can(role):
            raise HTTPException(403, f"此操作需要 {role} 角色 (this action needs the {role} role)")
        return principal

    return dependency
