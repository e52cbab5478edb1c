"""Dense retrieval: FAISS inner product over unit vectors (exact when small, HNSW when large)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.bm25 import check_query
from index.catalog import ChunkCatalog
from index.embedders.base import Embedder
from policyqa.records import Hit, SearchFilter

HNSW_NEIGHBOURS = 32


def build_faiss(vectors: np.ndarray, exact_max: int = 50_000) -> faiss.Index:
    """``IndexFlatIP`` up to ``exact_max`` rows (exact, and fast enough); HNSW above it."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= exact_max:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    index.add(vectors)
    return index


def save_faiss(index: faiss.Index, path: Path) -> None:
    """FAISS' own binary format (no pickle)."""
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    """Read an index written by ``save_faiss``."""
    return faiss.read_index(str(path))


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """All vectors of a flat or HNSW-flat index, in row order (reused by incremental syncs)."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    return index.reconstruct_n(0, index.ntotal)


class DenseRetriever:
    """Nearest chunks to the query embedding among the allowed rows (an id selector, not post-filtering)."""

    def __init__(self, catalog: ChunkCatalog, index: faiss.Index, embedder: Embedder):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder

    def search_rows(self, query: str, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """(row, cosine) pairs, best first, restricted to ``allowed`` rows."""
        allowed_ids = np.flatnonzero(allowed).astype(np.int64)
        k = min(k, len(allowed_ids))
        if k == 0:
            return []
        vector = self.embedder.embed([check_query(query)], "query")
        selector = faiss.IDSelectorBatch(allowed_ids)
        if isinstance(self.index, faiss.IndexHNSWFlat):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(64, 4 * k))
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, rows = self.index.search(vector, k, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` allowed chunks closest to the query."""
        ranked = self.search_rows(query, k, self.catalog.allowed_rows(filters))
        return self.catalog.make_hits(
            [r for r, _ in ranked],
            [s for _, s in ranked],
            [{"dense": s, "dense_rank": i + 1} for i, (_r, s) in enumerate(ranked)],
        )
