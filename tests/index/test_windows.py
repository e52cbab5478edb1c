"""Dense max-pooling over sentence windows: each chunk scored by its best ~150-character window."""

from __future__ import annotations

import re

import pytest

from index import make_manager
from index.manager import IndexManager
from index.windows import DEFAULT_DENSE_WINDOW, split_windows
from ingest.store import DocumentStore
from policyqa.errors import IndexMismatchError


def _long_chunks(snapshot, minimum=300):
    return [c for c in snapshot.catalog.store.iter_chunks() if len(c.text) >= minimum]


def test_windows_cover_a_long_chunk_in_order_without_losing_text(demo_snapshot):
    chunk = max(_long_chunks(demo_snapshot), key=lambda c: len(c.text))
    windows = split_windows(chunk.text, DEFAULT_DENSE_WINDOW)
    assert len(windows) >= 2
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    assert squash("".join(windows)) == squash(chunk.text)
    # A window exceeds the width only when one sentence alone does (or a short tail joined it).
    assert all(len(w) <= 2 * DEFAULT_DENSE_WINDOW or "。" not in w[:-1] for w in windows)


def test_dense_hits_are_distinct_chunks_and_the_index_holds_window_vectors(demo_snapshot):
    hits = demo_snapshot.retriever("dense").retrieve("数据共享平台建设", k=20)
    ids = [h.chunk.chunk_id for h in hits]
    assert len(ids) == 20 and len(set(ids)) == 20
    assert demo_snapshot.faiss_index.ntotal > len(demo_snapshot.catalog)
    assert demo_snapshot.manifest.dense_window == DEFAULT_DENSE_WINDOW


def test_a_sentence_from_the_end_of_a_long_chunk_finds_that_chunk(demo_snapshot):
    # The case max-pooling exists for: a one-vector chunk averages this sentence away.
    found = 0
    candidates = _long_chunks(demo_snapshot, 350)[:10]
    for chunk in candidates:
        last = split_windows(chunk.text, DEFAULT_DENSE_WINDOW)[-1]
        top = demo_snapshot.retriever("dense").retrieve(last, k=3)
        found += chunk.chunk_id in {h.chunk.chunk_id for h in top}
    assert found >= 0.8 * len(candidates)


def test_an_index_built_with_another_window_is_refused(demo_index_dir):
    base = make_manager(demo_index_dir)
    other = IndexManager(base.root, base.embedder, base.tokenizer, base.chunk_params, dense_window=0)
    with DocumentStore(demo_index_dir / "policyqa.sqlite3") as store, pytest.raises(IndexMismatchError) as refused:
        other.load(store)
    assert "dense_window" in str(refused.value) and "policyqa reindex" in str(refused.value)
