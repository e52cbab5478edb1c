"""Hybrid retrieval: BM25 and dense candidate lists fused (method and weights tuned on dev gold)."""

from __future__ import annotations

import numpy as np

from index.bm25 import Bm25Retriever
from index.catalog import top_rows
from index.dense import DenseRetriever
from index.fusion import fuse
from policyqa.records import Hit, SearchFilter


class HybridRetriever:
    """Fuses the top ``candidates`` of each side; both sides see the same filtered row mask."""

    def __init__(
        self,
        bm25: Bm25Retriever,
        dense: DenseRetriever,
        fusion: str = "weighted",
        rrf_k: int = 5,
        bm25_weight: float = 1.0,
        dense_weight: float = 0.6,
        candidates: int = 50,
    ):
        self.bm25 = bm25
        self.dense = dense
        self.catalog = bm25.catalog
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.weights = {"bm25": bm25_weight, "dense": dense_weight}
        self.candidates = candidates

    def retrieve(self, query: str, k: int = 10, filters: SearchFilter | None = None) -> list[Hit]:
        """The ``k`` best chunks by fused score, each carrying its per-side scores and ranks."""
        allowed = self.catalog.allowed_rows(filters)
        pool = max(k, self.candidates)
        tokens, bm25_scores = self.bm25.score_rows(query, allowed)
        bm25_list = [(int(r), float(bm25_scores[r])) for r in top_rows(bm25_scores, pool)]
        dense_list = self.dense.search_rows(query, pool, allowed)
        fused = fuse({"bm25": bm25_list, "dense": dense_list}, self.fusion, self.weights, self.rrf_k)[:k]
        sides = {
            "bm25": {r: (i + 1, s) for i, (r, s) in enumerate(bm25_list)},
            "dense": {r: (i + 1, s) for i, (r, s) in enumerate(dense_list)},
        }
        details = []
        for row, _score in fused:
            detail: dict[str, float] = {}
            for name, ranks in sides.items():
                if row in ranks:
                    detail[f"{name}_rank"], detail[name] = ranks[row]
            details.append(detail)
        hits = self.catalog.make_hits(
            np.asarray([r for r, _ in fused], dtype=np.int64), [s for _, s in fused], details
        )
        return self.bm25.with_matched_terms(hits, tokens)
