"""The dense-side contract: texts in, L2-normalised float32 rows out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

EmbedKind = Literal["query", "passage"]


class Embedder(Protocol):
    """Turns texts into unit vectors; ``kind`` selects the query or passage side of the model."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array with L2-normalised rows."""
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
