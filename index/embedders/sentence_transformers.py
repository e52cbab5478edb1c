"""Any local sentence-transformers model (a directory or a cached hub name), never the network."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedders.base import EmbedKind, normalize_rows

# Models trained with instruction prefixes; matched on the model's name or path.
_KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def guess_prefixes(model_name_or_path: str) -> tuple[str, str]:
    """The (query, passage) prefixes a model family expects; none for plain sentence models."""
    name = Path(model_name_or_path).name.lower()
    for family, prefixes in _KNOWN_PREFIXES.items():
        if family in name:
            return prefixes
    return "", ""


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded with ``local_files_only`` (HF offline mode forced)."""

    def __init__(
        self,
        model_name_or_path: str | Path,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ):
        self.model_name_or_path = str(model_name_or_path)
        guessed_query, guessed_passage = guess_prefixes(self.model_name_or_path)
        self.query_prefix = guessed_query if query_prefix is None else query_prefix
        self.passage_prefix = guessed_passage if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        self.device = device
        # The last two path parts: bundled models often live in a directory called just "model".
        self.name = "st:" + "/".join(Path(self.model_name_or_path).parts[-2:])
        self._model = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Embedding width, read from the model (loads it)."""
        if self._dim is None:
            model = self._load()
            read_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            self._dim = int(read_dim())
        return self._dim

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        """Unit vectors for ``texts`` with the family's query/passage prefix."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        vectors = self._load().encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalize_rows(vectors)

    def _load(self):
        if self._model is None:
            # The machine has no model hub: any attempt to reach it must fail fast, not hang.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                self.model_name_or_path, device=self.device, local_files_only=True
            )
        return self._model
