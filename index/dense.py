"""Dense retrieval: FAISS inner product over unit vectors (exact when small, IVF when large).

Above ``exact_max`` vectors the index is an inverted file (``IndexIVFFlat``): k-means lists
trained on a sample, searched ``nprobe`` lists at a time. On 2 cores it builds a 1M-vector index
in well under a minute where HNSW took the better part of an hour, and at the ``nprobe``
chosen here it keeps recall@10 >= 0.95 against exact search (evals/bench_scale.py). The
search parameter is stored inside the index file, so loading needs nothing else.

A chunk may own several vectors (its sentence windows, ``index/windows.py``): FAISS then maps
each vector to its chunk's row (``IndexIDMap2``) and a chunk scores as its best window.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from index.bm25 import check_query
from index.catalog import ChunkCatalog
from index.embedders.base import Embedder
from policyqa.records import Hit, SearchFilter

IVF_LISTS_PER_SQRT = 2  # nlist ~ 2 sqrt(n), a power of two: 2048 lists at 1M vectors
IVF_TRAIN_PER_LIST = 40  # k-means sample: 40 vectors per list (faiss warns below 39)
# nprobe = nlist / 4: on the benchmark's vectors recall@10 was 0.986 at 100k (512 lists), where
# nlist / 8 gave 0.948; a quarter of the lists is still ~3 ms at 100k and tens of ms at 1M.
IVF_PROBE_FRACTION = 4
IVF_MIN_PROBES = 32


def ivf_lists(count: int) -> int:
    """How many inverted lists an index of ``count`` vectors gets (enough training points each)."""
    wanted = 2 ** round(np.log2(max(1.0, IVF_LISTS_PER_SQRT * np.sqrt(count))))
    return int(max(1, min(wanted, count // IVF_TRAIN_PER_LIST)))


def build_faiss(vectors: np.ndarray, exact_max: int = 50_000, owners: np.ndarray | None = None) -> faiss.Index:
    """``IndexFlatIP`` up to ``exact_max`` vectors (exact, and fast enough); ``IndexIVFFlat`` above it.

    Without ``owners`` vector i is row i; with them vector i belongs to row ``owners[i]``.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if len(vectors) <= exact_max:
        index = faiss.IndexFlatIP(dim)
    else:
        index = _trained_ivf(vectors)
    if owners is None:
        index.add(vectors)
        return index
    mapped = faiss.IndexIDMap2(index)
    mapped.add_with_ids(vectors, np.ascontiguousarray(owners, dtype=np.int64))
    return mapped


def _trained_ivf(vectors: np.ndarray) -> faiss.IndexIVFFlat:
    nlist = ivf_lists(len(vectors))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    # A fixed sample (and faiss' fixed k-means seed) make the same vectors give the same index.
    sample_size = min(len(vectors), IVF_TRAIN_PER_LIST * nlist)
    sample = np.random.default_rng(0).choice(len(vectors), sample_size, replace=False)
    index.train(vectors[np.sort(sample)])
    index.nprobe = min(nlist, max(IVF_MIN_PROBES, nlist // IVF_PROBE_FRACTION))
    return index


def describe_faiss(index: faiss.Index) -> dict:
    """The index type and its search parameters, for the manifest and reports."""
    base = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    if isinstance(base, faiss.IndexIVF):
        return {"type": "IVFFlat", "nlist": int(base.nlist), "nprobe": int(base.nprobe)}
    if isinstance(base, faiss.IndexHNSW):
        return {"type": "HNSWFlat", "M": int(base.hnsw.nb_neighbors(1)), "efSearch": int(base.hnsw.efSearch)}
    return {"type": "FlatIP"}


def search_parameters(index: faiss.Index, selector: faiss.IDSelector | None, fetch: int) -> faiss.SearchParameters:
    """Per-query parameters: the row selector plus the approximate index's own search width."""
    base = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    extra = {} if selector is None else {"sel": selector}
    if isinstance(base, faiss.IndexIVF):
        return faiss.SearchParametersIVF(nprobe=int(base.nprobe), **extra)
    if isinstance(base, faiss.IndexHNSW):  # generations built before the IVF switch
        return faiss.SearchParametersHNSW(efSearch=max(64, 4 * fetch), **extra)
    return faiss.SearchParameters(**extra)


def save_faiss(index: faiss.Index, path: Path) -> None:
    """FAISS' own binary format (no pickle)."""
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    """Read an index written by ``save_faiss``."""
    return faiss.read_index(str(path))


def stack_row_vectors(row_vectors: list[np.ndarray], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row vector blocks → (all vectors, the row owning each) for ``build_faiss``."""
    if not row_vectors:
        return np.zeros((0, dim), dtype=np.float32), np.zeros(0, dtype=np.int64)
    owners = np.concatenate([np.full(len(block), row, dtype=np.int64) for row, block in enumerate(row_vectors)])
    return np.vstack(row_vectors).astype(np.float32), owners


def vector_owners(index: faiss.Index) -> np.ndarray:
    """The row each stored vector belongs to (vector i → row i for an index without windows)."""
    if isinstance(index, faiss.IndexIDMap2):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    return np.arange(index.ntotal, dtype=np.int64)


def stored_row_vectors(index: faiss.Index) -> dict[int, np.ndarray]:
    """Each row's vectors (one per window), reused by incremental syncs instead of re-embedding."""
    if index.ntotal == 0:
        return {}
    base = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    vectors = base.reconstruct_n(0, index.ntotal)
    owners = vector_owners(index)
    grouped: dict[int, list[np.ndarray]] = {}
    for owner, vector in zip(owners.tolist(), vectors):
        grouped.setdefault(owner, []).append(vector)
    return {row: np.vstack(rows) for row, rows in grouped.items()}


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """One unit vector per row, in row order (a row's windows averaged), for single-vector stores."""
    if index.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    grouped = stored_row_vectors(index)
    pooled = np.vstack([grouped[row].mean(axis=0) for row in range(len(grouped))]).astype(np.float32)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def window_tie_order(item: tuple[int, float]) -> tuple[float, int]:
    """Sort key best-first; equal scores (overlapping chunks share a window) go in row order.

    Rounded so that backends computing the same inner product in another order still agree.
    """
    row, score = item
    return -round(score, 5), row


def _windows_per_row(index: faiss.Index) -> int:
    """The most vectors any row owns (1 without windows): how far to over-fetch."""
    if not isinstance(index, faiss.IndexIDMap2) or index.ntotal == 0:
        return 1
    return int(np.bincount(vector_owners(index)).max())


class DenseRetriever:
    """Nearest chunks to the query embedding among the allowed rows (an id selector, not post-filtering)."""

    def __init__(self, catalog: ChunkCatalog, index: faiss.Index, embedder: Embedder):
        self.catalog = catalog
        self.index = index
        self.embedder = embedder
        self._fetch_factor = _windows_per_row(index)

    def search_rows(self, query: str, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        """(row, cosine) pairs, best first, restricted to ``allowed`` rows."""
        allowed_ids = np.flatnonzero(allowed).astype(np.int64)
        k = min(k, len(allowed_ids))
        if k == 0:
            return []
        vector = self.embedder.embed([check_query(query)], "query")
        # Several windows of one chunk may come first: fetch more and keep each row's best.
        fetch = min(self.index.ntotal, k * self._fetch_factor)
        # No selector when nothing is filtered out: building one over a million ids costs more than the search.
        selector = None if len(allowed_ids) == len(allowed) else faiss.IDSelectorBatch(allowed_ids)
        scores, rows = self.index.search(vector, fetch, params=search_parameters(self.index, selector, fetch))
        best: dict[int, float] = {}
        for row, value in zip(rows[0].tolist(), scores[0].tolist()):
            if row >= 0 and row not in best:
                best[row] = value
        return sorted(best.items(), key=window_tie_order)[:k]

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` allowed chunks closest to the query."""
        ranked = self.search_rows(query, k, self.catalog.allowed_rows(filters))
        return self.catalog.make_hits(
            [r for r, _ in ranked],
            [s for _, s in ranked],
            [{"dense": s, "dense_rank": i + 1} for i, (_r, s) in enumerate(ranked)],
        )
