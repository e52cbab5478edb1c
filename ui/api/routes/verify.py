"""``POST /api/verify``: claim-by-claim verdicts, the ``policyqa verify --json`` object."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_principal, get_state
from ui.api.schemas import ClaimOut, VerifyRequest, VerifyResponse
from ui.api.scoping import scoped

router = APIRouter(prefix="/api", tags=["claims"])


@router.post("/verify", response_model=VerifyResponse, summary="Check each claim of a paragraph against the corpus")
async def verify(
    body: VerifyRequest, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> VerifyResponse:
    checker = scoped(state.workspace.claims, principal.search_filter(body.filters.to_filter()))
    verdicts = await state.pool.run(checker.check, body.text)
    state.audit.record(principal.key_id, "verify", body.text, [c.doc_id for v in verdicts for c in v.evidence])
    return VerifyResponse(claims=[ClaimOut.of(v) for v in verdicts])
