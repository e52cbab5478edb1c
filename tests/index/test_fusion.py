"""Fusion arithmetic: what each method rewards."""

from __future__ import annotations

import pytest

from index.fusion import fuse


def test_rrf_prefers_a_chunk_both_sides_agree_on():
    lists = {"bm25": [(1, 9.0), (2, 5.0), (3, 1.0)], "dense": [(4, 0.9), (2, 0.85), (3, 0.8)]}
    ranked = [row for row, _ in fuse(lists, "rrf", {"bm25": 1.0, "dense": 1.0}, rrf_k=60)]
    assert ranked[0] == 2


def test_weighted_fusion_keeps_score_margins_that_rrf_discards():
    # BM25 is far more confident about row 1 than about row 2; RRF only sees the ranks.
    lists = {"bm25": [(1, 30.0), (2, 3.0), (5, 0.0)], "dense": [(2, 0.90), (7, 0.895), (1, 0.89), (5, 0.5)]}
    weights = {"bm25": 1.0, "dense": 1.0}
    assert fuse(lists, "weighted", weights)[0][0] == 1
    assert fuse(lists, "rrf", weights, rrf_k=60)[0][0] == 2


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        fuse({"bm25": [(1, 1.0)]}, "max", {})
