"""Combining ranked lists from the keyword and dense sides.

Two methods, both tuned on the dev gold set (evals/tune_fusion.py): reciprocal-rank fusion,
which ignores score scales, and a weighted sum of min-max normalised scores, which keeps
"how much better" information that RRF throws away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

FUSION_METHODS = ("rrf", "weighted")

RankedList = Sequence[tuple[int, float]]  # (row, score), best first


def fuse_rrf(lists: Mapping[str, RankedList], weights: Mapping[str, float], rrf_k: int = 60) -> dict[int, float]:
    """Reciprocal-rank fusion: sum over lists of ``weight / (rrf_k + rank)``."""
    fused: dict[int, float] = {}
    for name, ranked in lists.items():
        weight = weights.get(name, 1.0)
        for rank, (row, _score) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


def fuse_weighted(lists: Mapping[str, RankedList], weights: Mapping[str, float]) -> dict[int, float]:
    """Weighted sum of each list's scores min-max normalised over its own candidates."""
    fused: dict[int, float] = {}
    for name, ranked in lists.items():
        if not ranked:
            continue
        weight = weights.get(name, 1.0)
        values = [score for _row, score in ranked]
        low, high = min(values), max(values)
        span = high - low
        for row, score in ranked:
            normalised = (score - low) / span if span > 0 else 1.0
            fused[row] = fused.get(row, 0.0) + weight * normalised
    return fused


def fuse(
    lists: Mapping[str, RankedList], method: str, weights: Mapping[str, float], rrf_k: int = 60
) -> list[tuple[int, float]]:
    """Fused (row, score) pairs, best first; ties keep the row order for determinism."""
    if method == "rrf":
        fused = fuse_rrf(lists, weights, rrf_k)
    elif method == "weighted":
        fused = fuse_weighted(lists, weights)
    else:
        raise ValueError(f"unknown fusion {method!r}; known: {FUSION_METHODS}")
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
