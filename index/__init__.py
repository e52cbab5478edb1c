"""Hybrid BM25 + dense retrieval over a persistent, generation-switched index.

``open_retriever(data_dir)`` is the entry point for the CLI, eval and QA stages; nothing
here loads a model or an index at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from index.base import Retriever
from index.embedders import make_embedder
from index.embedders.base import Embedder
from index.embedders.cache import CachedEmbedder
from ingest.chunk import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_PACK, DEFAULT_CHUNK_SIZE
from index.segmenters import DEFAULT_SEGMENTER
from index.snapshot import FusionParams, IndexSnapshot
from policyqa.errors import IndexMismatchError

STORE_NAME = "policyqa.sqlite3"
INDEX_DIR_NAME = "index"
EMBEDDING_CACHE_NAME = "embeddings.sqlite3"
DEFAULT_CHUNK_PARAMS = {"size": DEFAULT_CHUNK_SIZE, "overlap": DEFAULT_CHUNK_OVERLAP, "pack": DEFAULT_CHUNK_PACK}


def default_cache_path() -> Path:
    """The per-user passage-vector cache, shared by every data dir (keys include the embedder name).

    ``POLICYQA_CACHE_DIR`` moves it (the test suite points it at a fresh directory per run, so no
    test depends on what an earlier run cached); else ``$XDG_CACHE_HOME/policyqa`` or ``~/.cache/policyqa``.
    """
    explicit = os.environ.get("POLICYQA_CACHE_DIR")
    if explicit:
        return Path(explicit) / EMBEDDING_CACHE_NAME
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "policyqa" / EMBEDDING_CACHE_NAME


def default_embedder(data_dir: Path | None = None, name: str = "e5-small-q4", model: str | None = None,
                     cache_path: Path | None = None) -> Embedder:
    """The named embedder behind a passage cache (``default_cache_path()`` unless given)."""
    return CachedEmbedder(make_embedder(name, model), cache_path or default_cache_path())


def make_manager(data_dir: Path, embedder: Embedder | None = None, chunk_params: dict[str, Any] | None = None,
                 faiss_exact_max: int = 50_000, segmenter: str = DEFAULT_SEGMENTER,
                 keyword_fields: tuple[str, ...] | None = None, dense_fields: tuple[str, ...] | None = None):
    """The ``IndexManager`` of ``<data_dir>/index`` with the shipped tokenizer and dictionary.

    ``segmenter``: "rjieba" (jieba-rs, fast) or "jieba" (pure Python), see ``index/segmenters``;
    ``keyword_fields`` / ``dense_fields``: what each side indexes of a chunk (``index/texts.py``).
    """
    from index.manager import IndexManager
    from index.texts import DEFAULT_DENSE_FIELDS, DEFAULT_KEYWORD_FIELDS
    from index.tokenize import ChineseTokenizer

    return IndexManager(
        Path(data_dir) / INDEX_DIR_NAME,
        embedder or default_embedder(data_dir),
        ChineseTokenizer(segmenter=segmenter),
        chunk_params or DEFAULT_CHUNK_PARAMS,
        keyword_fields=tuple(keyword_fields or DEFAULT_KEYWORD_FIELDS),
        dense_fields=tuple(dense_fields or DEFAULT_DENSE_FIELDS),
        faiss_exact_max=faiss_exact_max,
    )


def open_index(data_dir: Path, embedder: Embedder | None = None, chunk_params: dict[str, Any] | None = None,
               build_missing: bool = True, segmenter: str = DEFAULT_SEGMENTER) -> IndexSnapshot:
    """Load the live generation of ``<data_dir>/index`` over the data dir's store.

    The first use after ingest builds the index when none exists; a generation built with
    other settings is refused (``IndexMismatchError``), never silently rebuilt.
    """
    from ingest.store import DocumentStore

    manager = make_manager(data_dir, embedder, chunk_params, segmenter=segmenter)
    store = DocumentStore(Path(data_dir) / STORE_NAME)
    store.open()
    if build_missing and manager.current_generation() is None:
        manager.sync(store)
    return manager.load(store)


def open_retriever(data_dir: Path, mode: str = "hybrid", embedder: Embedder | None = None,
                   fusion: FusionParams | None = None, chunk_params: dict[str, Any] | None = None,
                   segmenter: str = DEFAULT_SEGMENTER) -> Retriever:
    """A ready retriever (``hybrid``, ``bm25`` or ``dense``) over the data dir's live index."""
    return open_index(data_dir, embedder, chunk_params, segmenter=segmenter).retriever(mode, fusion)


def sync_index(data_dir: Path, embedder: Embedder | None = None, chunk_params: dict[str, Any] | None = None,
               segmenter: str = DEFAULT_SEGMENTER):
    """Bring ``<data_dir>/index`` in line with the store after an ingest or a removal."""
    from ingest.store import DocumentStore

    with DocumentStore(Path(data_dir) / STORE_NAME) as store:
        return make_manager(data_dir, embedder, chunk_params, segmenter=segmenter).sync(store)


__all__ = [
    "FusionParams",
    "IndexMismatchError",
    "IndexSnapshot",
    "Retriever",
    "default_cache_path",
    "default_embedder",
    "make_manager",
    "open_index",
    "open_retriever",
    "sync_index",
]
