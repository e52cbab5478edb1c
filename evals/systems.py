"""The retrieval systems an eval run compares: the product's hybrid, each of its sides alone,
and the naive baseline. Each system carries every chunk it can return, so relevance is judged
over its own chunking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.suites.base import EvalContext
from index.base import Retriever

SYSTEM_NAMES = ("hybrid", "bm25", "dense", "naive", "naive-bm25", "naive-dense", "naive-rrf")
INDEX_MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class RetrievalSystem:
    """A named retriever and the (chunk_id, document stem, text) of every chunk it can return."""

    name: str
    description: str
    retriever: Retriever
    chunks: tuple[tuple[str, str, str], ...]
    # How the system makes a follow-up self-contained (question, history) -> query; None: a baseline.
    rewrite: Callable[[str, Sequence[str]], str] | None = None


def doc_stem(source: str) -> str:
    """The gold set's name for a document: its ingested file name without the extension."""
    return Path(source).stem


def open_snapshot(context: EvalContext) -> Any:
    """The workspace's live index generation; never builds one (``IndexMismatchError`` with
    the command to run when there is no store or no index)."""
    return context.shared("snapshot", context.workspace.existing_snapshot)


def fusion_params(context: EvalContext) -> Any:
    """The fusion in force (the workspace's settings)."""
    from ui.workspace import fusion_from_settings

    return fusion_from_settings(context.workspace.settings)


def index_systems(context: EvalContext, modes: Sequence[str] = INDEX_MODES) -> list[RetrievalSystem]:
    """The product's retrievers over the live index, one per mode."""
    snapshot = open_snapshot(context)
    chunks = context.shared("index_chunks", lambda: stored_chunks(snapshot.catalog.store))
    descriptions = {
        "hybrid": "clause chunks, BM25 + dense fused (the product)",
        "bm25": "clause chunks, BM25 only (jieba + policy dictionary)",
        "dense": "clause chunks, dense only",
    }
    def rewrite(question: str, history: Sequence[str]) -> str:
        from qa.conversation import rewrite_follow_up

        return rewrite_follow_up(question, list(history), snapshot.tokenizer.tokenize)

    return [
        RetrievalSystem(
            mode,
            descriptions[mode],
            context.shared(f"retriever:{mode}", lambda m=mode: context.workspace.retriever_for(m)),
            chunks,
            rewrite,
        )
        for mode in modes
    ]


def stored_chunks(store: Any) -> tuple[tuple[str, str, str], ...]:
    """(chunk_id, document stem, text) of every stored chunk whose document is listed."""
    documents = {d.doc_id: d for d in store.list_documents()}
    return tuple(
        (c.chunk_id, doc_stem(documents[c.doc_id].source), c.text)
        for c in store.iter_chunks()
        if c.doc_id in documents
    )


def naive_system(context: EvalContext) -> RetrievalSystem:
    """The naive 750/150 recursive-splitter pipeline with the product's tokenizer, embedder and fusion."""
    from evals.baselines import (
        NAIVE_CHUNK_OVERLAP,
        NAIVE_CHUNK_SIZE,
        build_naive_retriever,
        with_embedding_cache,
    )
    from index import default_cache_path

    snapshot = open_snapshot(context)
    store = snapshot.catalog.store
    documents = store.list_documents()
    texts = {d.doc_id: store.document_text(d.doc_id) for d in documents}
    fusion = fusion_params(context)
    retriever, chunks = build_naive_retriever(
        documents,
        texts,
        snapshot.tokenizer,
        with_embedding_cache(snapshot.embedder, default_cache_path()),
        fusion,
    )
    stems = {d.doc_id: doc_stem(d.source) for d in documents}
    return RetrievalSystem(
        "naive",
        f"LangChain recursive splitter {NAIVE_CHUNK_SIZE}/{NAIVE_CHUNK_OVERLAP}, raw text, same embedder and fusion",
        retriever,
        tuple((c.chunk_id, stems[c.doc_id], c.text) for c in chunks),
    )


def window_systems(context: EvalContext) -> list[RetrievalSystem]:
    """The three 400-character-window baselines (``evals.baselines.build_window_retrievers``)."""
    from evals.baselines import WINDOW_OVERLAP, WINDOW_RRF_K, WINDOW_SIZE, build_window_retrievers, with_embedding_cache
    from index import default_cache_path

    snapshot = open_snapshot(context)
    store = snapshot.catalog.store
    documents = store.list_documents()
    texts = {d.doc_id: store.document_text(d.doc_id) for d in documents}
    retrievers, chunks = build_window_retrievers(
        documents, texts, with_embedding_cache(snapshot.embedder, default_cache_path()))
    stems = {d.doc_id: doc_stem(d.source) for d in documents}
    chunk_rows = tuple((c.chunk_id, stems[c.doc_id], c.text) for c in chunks)
    windows = f"{WINDOW_SIZE}-char windows (overlap {WINDOW_OVERLAP})"
    descriptions = {
        "naive-bm25": f"{windows}, plain jieba + BM25",
        "naive-dense": f"{windows}, dense (same embedder)",
        "naive-rrf": f"{windows}, plain BM25 and dense fused by RRF (k={WINDOW_RRF_K})",
    }
    return [RetrievalSystem(name, descriptions[name], retriever, chunk_rows)  # type: ignore[arg-type]
            for name, retriever in retrievers.items()]


def build_systems(context: EvalContext, names: Sequence[str] | None = None) -> list[RetrievalSystem]:
    """The requested systems (all of ``SYSTEM_NAMES`` by default), in that order."""
    names = tuple(names or SYSTEM_NAMES)
    unknown = set(names) - set(SYSTEM_NAMES)
    if unknown:
        raise ValueError(f"unknown systems {sorted(unknown)}; known: {SYSTEM_NAMES}")
    systems = index_systems(context, [n for n in names if n in INDEX_MODES])
    if "naive" in names:
        systems.append(context.shared("system:naive", lambda: naive_system(context)))
    wanted_windows = [n for n in names if n.startswith("naive-")]
    if wanted_windows:
        windows = context.shared("systems:windows", lambda: window_systems(context))
        systems.extend(s for s in windows if s.name in wanted_windows)
    order = {n: i for i, n in enumerate(names)}
    return sorted(systems, key=lambda s: order[s.name])
