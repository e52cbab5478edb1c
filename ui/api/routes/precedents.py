"""``POST /api/precedents`` (the ``policyqa precedents --json`` object) and the citation graph."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ui.api.auth import Principal
from ui.api.deps import ServiceState, get_principal, get_state
from ui.api.schemas import (
    CitationOut,
    PrecedentOut,
    PrecedentsRequest,
    PrecedentsResponse,
    RelatedEntry,
    RelatedResponse,
)
from ui.api.scoping import scoped

router = APIRouter(prefix="/api", tags=["precedents"])


@router.post("/precedents", response_model=PrecedentsResponse, summary="Past replies and documents relevant to a draft")
async def precedents(
    body: PrecedentsRequest, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> PrecedentsResponse:
    finder = scoped(state.workspace.precedents, principal.search_filter(body.filters.to_filter()))
    result = await state.pool.run(finder.search, body.draft, body.k, body.prefer_replies)
    # Belt and braces: the scoped retriever already hid them, but a document is checked once more.
    found = [p for p in result.precedents if principal.may_see(p.doc)]
    state.audit.record(principal.key_id, "precedents", body.draft, [p.doc.doc_id for p in found])
    return PrecedentsResponse(no_precedent=result.no_precedent, documents=[
        PrecedentOut(
            doc_id=p.doc.doc_id, source=p.doc.source, title=p.doc.title, doc_type=p.doc.doc_type,
            doc_number=p.doc.doc_number, score=p.score, clauses=[CitationOut.of(c) for c in p.clauses],
            commitments=list(p.commitments), proposal_number=p.doc.proposal_number,
            relevance=p.relevance_label, relevance_score=p.relevance,
        )
        for p in found
    ])


@router.get("/documents/{doc_id}/related", response_model=RelatedResponse,
            summary="Documents this one cites and that cite it (only those the key may see)")
async def related(
    doc_id: str, state: ServiceState = Depends(get_state), principal: Principal = Depends(get_principal),
) -> RelatedResponse:
    state.visible_document(principal, doc_id)
    graph = await state.pool.run(lambda: state.workspace.graph)
    links = graph.related(doc_id)
    def visible(entries: list[dict]) -> list[RelatedEntry]:
        return [RelatedEntry(**{f: e.get(f) for f in RelatedEntry.model_fields}) for e in entries
                if state.may_see_id(principal, e["doc_id"])]

    state.audit.record(principal.key_id, "related", doc_id, [doc_id])
    return RelatedResponse(doc_id=doc_id, cites=visible(links["cites"]), cited_by=visible(links["cited_by"]))
