"""Picks the dense backend (FAISS in the generation, or Milvus) behind the same retriever interface."""

from __future__ import annotations

from pathlib import Path

from index.base import Retriever
from index.snapshot import FusionParams, IndexSnapshot

DENSE_BACKENDS = ("faiss", "milvus")


def open_milvus_index(snapshot: IndexSnapshot, data_dir: Path, milvus_uri: str | None = None,
                      keyword: str = "local", sync: bool = True):
    """The Milvus chunk collection for this snapshot (``<data_dir>/milvus.db`` unless a URI is set), synced."""
    from index.milvus import MilvusChunkIndex, lite_uri

    index = MilvusChunkIndex(milvus_uri or lite_uri(data_dir), snapshot.manifest.dim, keyword=keyword)
    if sync:
        index.sync_from_snapshot(snapshot)
    return index


def make_retriever(snapshot: IndexSnapshot, mode: str = "hybrid", fusion: FusionParams | None = None,
                   backend: str = "faiss", data_dir: Path | None = None, milvus_uri: str | None = None) -> Retriever:
    """A ``Retriever`` whose dense side is FAISS or Milvus; BM25 and the fusion are the same either way."""
    if backend == "faiss" or mode == "bm25":
        return snapshot.retriever(mode, fusion)
    if backend != "milvus":
        raise ValueError(f"unknown dense backend {backend!r}; known: {DENSE_BACKENDS}")
    from index.hybrid import HybridRetriever
    from index.milvus import MilvusDenseRetriever

    milvus = open_milvus_index(snapshot, Path(data_dir or snapshot.generation.parent.parent), milvus_uri)
    dense = MilvusDenseRetriever(snapshot.catalog, milvus, snapshot.embedder)
    if mode == "dense":
        return dense
    fusion = fusion or FusionParams()
    return HybridRetriever(snapshot.retriever("bm25"), dense, fusion=fusion.method, rrf_k=fusion.rrf_k,
                           bm25_weight=fusion.bm25_weight, dense_weight=fusion.dense_weight,
                           candidates=fusion.candidates)
