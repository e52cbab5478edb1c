"""The row space shared by the BM25 and FAISS indexes, and the way back to stored chunks.

Row ``i`` of both indexes is chunk ``chunk_ids[i]``. Document metadata is read from the
store at query time (not frozen into the index), so a changed access level or a deleted
document takes effect immediately, and filters become a row mask before any ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from policyqa.errors import NotFoundError
from policyqa.records import Chunk, DocumentInfo, Hit, SearchFilter

if TYPE_CHECKING:  # the store is passed in; importing it here only serves the annotations
    from ingest.store import DocumentStore


@dataclass
class ChunkCatalog:
    """Row order of an index generation plus the store that holds the chunks themselves."""

    store: DocumentStore
    chunk_ids: list[str]
    doc_ids: list[str]
    _rows_by_doc: dict[str, np.ndarray] = field(init=False, repr=False)
    row_of: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.row_of = {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}
        by_doc: dict[str, list[int]] = {}
        for row, doc_id in enumerate(self.doc_ids):
            by_doc.setdefault(doc_id, []).append(row)
        self._rows_by_doc = {d: np.asarray(rows, dtype=np.int64) for d, rows in by_doc.items()}

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def allowed_rows(self, filters: SearchFilter | None) -> np.ndarray:
        """Boolean row mask: rows whose document is still stored and passes ``filters``."""
        mask = np.zeros(len(self.chunk_ids), dtype=bool)
        for doc in self.documents().values():
            if (filters is None or filters.allows(doc)) and doc.doc_id in self._rows_by_doc:
                mask[self._rows_by_doc[doc.doc_id]] = True
        return mask

    def documents(self) -> dict[str, DocumentInfo]:
        """The stored documents by id (read fresh: the store is the source of truth)."""
        return {doc.doc_id: doc for doc in self.store.list_documents()}

    def make_hits(
        self,
        rows: Sequence[int],
        scores: Sequence[float],
        per_retriever: Sequence[dict[str, float]] | None = None,
        matched_terms: Sequence[tuple[str, ...]] | None = None,
    ) -> list[Hit]:
        """Hits for ``rows`` in the given order; rows whose chunk vanished from the store are skipped."""
        wanted = [self.chunk_ids[r] for r in rows]
        chunks = {c.chunk_id: c for c in self._fetch_chunks(wanted)}
        documents = self.documents()
        hits: list[Hit] = []
        for i, chunk_id in enumerate(wanted):
            chunk = chunks.get(chunk_id)
            doc = documents.get(chunk.doc_id) if chunk else None
            if chunk is None or doc is None:
                continue
            hits.append(
                Hit(
                    chunk=chunk,
                    doc=doc,
                    score=float(scores[i]),
                    rank=len(hits) + 1,
                    scores=dict(per_retriever[i]) if per_retriever else {},
                    matched_terms=tuple(matched_terms[i]) if matched_terms else (),
                )
            )
        return hits

    def _fetch_chunks(self, chunk_ids: list[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        try:
            return self.store.get_chunks(chunk_ids)
        except NotFoundError:
            # The store moved on (an ingest is running and the index sync has not caught up):
            # serve what still exists rather than fail the search.
            present = self.store.chunk_ids()
            return self.store.get_chunks([c for c in chunk_ids if c in present])


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest finite scores, best first (ties broken by row order)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    if finite.size > k:
        part = np.argpartition(-scores[finite], k - 1)[:k]
        finite = finite[part]
    order = np.lexsort((finite, -scores[finite]))
    return finite[order]
