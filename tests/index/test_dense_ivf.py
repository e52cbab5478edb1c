"""The approximate FAISS index used above ``faiss_exact_max`` vectors: IVF, self-describing, filterable."""

from __future__ import annotations

import faiss
import numpy as np

from index import make_manager
from index.dense import build_faiss, describe_faiss, ivf_lists, load_faiss, save_faiss, search_parameters
from ingest.store import DocumentStore


def _clustered(count: int, dim: int = 48, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    vectors = centres[rng.integers(40, size=count)] + 0.6 * rng.normal(size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_above_exact_max_an_ivf_index_finds_the_exact_neighbours(tmp_path):
    vectors = _clustered(6000)
    queries = _clustered(50, seed=4)
    index = build_faiss(vectors, exact_max=1000)
    described = describe_faiss(index)
    assert described["type"] == "IVFFlat" and described["nlist"] == ivf_lists(6000)
    assert 1 <= described["nprobe"] <= described["nlist"]
    save_faiss(index, tmp_path / "dense.faiss")
    loaded = load_faiss(tmp_path / "dense.faiss")
    assert describe_faiss(loaded) == described  # nprobe travels inside the file, no pickle
    _, found = loaded.search(queries, 10, params=search_parameters(loaded, None, 10))
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)])
    assert recall >= 0.95


def test_ivf_with_windows_honours_the_row_selector():
    vectors = _clustered(3000)
    owners = np.arange(3000) // 3  # three windows per row
    index = build_faiss(vectors, exact_max=0, owners=owners)
    allowed = np.arange(100, 300, dtype=np.int64)
    params = search_parameters(index, faiss.IDSelectorBatch(allowed), 10)
    _, rows = index.search(vectors[:5], 10, params=params)
    assert set(rows[rows >= 0].tolist()) <= set(allowed.tolist())


def test_a_large_generation_is_ivf_and_its_manifest_says_so(scratch_index_dir):
    manager = make_manager(scratch_index_dir, faiss_exact_max=10)
    with DocumentStore(scratch_index_dir / "policyqa.sqlite3") as store:
        manager.rebuild(store)
        snapshot = manager.load(store)
        assert snapshot.manifest.dense_index["type"] == "IVFFlat"
        hits = snapshot.retriever("dense").retrieve("政务数据共享", k=5)
        assert len(hits) == 5
        # The next sync reads the vectors back out of the IVF index instead of re-embedding them.
        assert manager.sync(store).embedded == 0
