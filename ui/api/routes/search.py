"""``POST /api/search``: ranked clauses, the ``policyqa search --json`` object."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from qa.service import check_question
from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_principal, get_state
from ui.api.schemas import HitOut, SearchRequest, SearchResponse

router = APIRouter(prefix="/api", tags=["search"])


@router.post("/search", response_model=SearchResponse, summary="Hybrid search over the clauses a key may see")
async def search(
    body: SearchRequest, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> SearchResponse:
    # The key's access levels go into the filter, so retrieval ranks only visible chunks.
    filters = principal.search_filter(body.filters.to_filter())
    query = check_question(body.query)
    hits = await state.pool.run(state.workspace.retriever.retrieve, query, body.k, filters)
    state.audit.record(principal.key_id, "search", query, [h.chunk.chunk_id for h in hits])
    return SearchResponse(query=body.query, hits=[HitOut.of(hit) for hit in hits])
