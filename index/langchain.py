"""LangChain adapter: any ``Retriever`` as a ``BaseRetriever`` yielding ``Document``s."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.base import Retriever
from policyqa.records import Hit, SearchFilter


def hit_to_document(hit: Hit) -> Document:
    """A LangChain ``Document``: the chunk's original text plus everything a citation needs."""
    return Document(
        page_content=hit.chunk.text,
        id=hit.chunk.chunk_id,
        metadata={
            "chunk_id": hit.chunk.chunk_id,
            "doc_id": hit.doc.doc_id,
            "source": hit.doc.source,
            "title": hit.doc.title,
            "doc_number": hit.doc.doc_number,
            "doc_type": hit.doc.doc_type,
            "date": hit.doc.date,
            "section": hit.chunk.section_path,
            "pages": list(hit.chunk.pages),
            "start": hit.chunk.start,
            "end": hit.chunk.end,
            "rank": hit.rank,
            "score": hit.score,
            "scores": dict(hit.scores),
            "matched_terms": list(hit.matched_terms),
        },
    )


class PolicyRetriever(BaseRetriever):
    """Plugs a policyqa retriever (hybrid, BM25 or dense) into LangChain chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # an index.base.Retriever (a Protocol, so pydantic cannot validate it)
    k: int = 10
    filters: SearchFilter | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        engine: Retriever = self.retriever
        return [hit_to_document(hit) for hit in engine.retrieve(query, k=self.k, filters=self.filters)]
